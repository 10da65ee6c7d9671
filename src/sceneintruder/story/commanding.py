"""`POST /story/command`: the story console (spec §4). The player types an instruction; by `mode` the model
narrates (`story`), answers as a character (`character`), scripts the selected characters (`group`) or
describes skills (`skill`), and suggests up to four next steps.

Suggestions become new choices of the current node (`choice_node_id`), so the player can take one with
`POST /story/choice`. They never replace the node's own choices nor one already taken (the reference replaced
the whole list, selected choices included, spec B25); only the previous console suggestions not taken are
replaced, so the list stays short. A provider failure is an error response and nothing is logged (the
reference stored "[系统提示] LLM 暂不可用" as the AI's turn, spec B18).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import BadRequest, ResourceNotFound
from sceneintruder.core.principal import Principal
from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import _outcome, _state, broadcast, context, prompts
from sceneintruder.story._text import clip
from sceneintruder.story.llm_schemas import TASK_STORY_COMMAND, CommandChoice, CommandReply
from sceneintruder.story.models import Story, StoryChoice, StoryNode
from sceneintruder.story.runtime import StoryRuntime
from sceneintruder.story.schemas import CommandRequest

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sceneintruder.scenes.service import Scene

USER_SPEAKER = "web_user"  # the reference's speaker id for the console's player turns (the UI shows it)
CONTEXT_CHARS = 300


@dataclass(frozen=True)
class _Setting:
    node_id: str | None
    current: dict[str, str]
    characters: list[dict[str, Any]]
    locations: list[dict[str, Any]]
    prompt: prompts.Prompt


async def command(runtime: StoryRuntime, *, scene: Scene, principal: Principal, body: CommandRequest) -> dict[str, Any]:
    if not body.input:
        raise BadRequest("指令内容不能为空")
    mode = body.mode
    setting = await _prepare(runtime, scene, body, mode)
    result = await runtime.llm.complete_structured(
        task=TASK_STORY_COMMAND,
        schema=CommandReply,
        messages=setting.prompt.messages,
        inputs=setting.prompt.inputs,
        call=CallInfo(TASK_STORY_COMMAND, user_id=principal.user_id),
        sampling=Sampling(temperature=0.7, max_tokens=700),
    )
    reply = result.value.reply.strip()
    if not reply:
        raise ProviderBadResponse(
            "LLM返回的内容为空", provider=result.completion.provider, model=result.completion.model
        )
    made_by = Provenance.of(result.completion)
    suggestions, story = await _record(
        runtime, scene, principal, body, mode, setting, reply, result.value.choices, made_by
    )
    if story is not None:
        await broadcast.updated(
            runtime.hub,
            story,
            reason="command",
            user_id=principal.user_id,
            current_node_id=setting.node_id,
            node_ids=[setting.node_id] if setting.node_id else [],
        )
    response: dict[str, Any] = {
        "reply": reply,
        "mode": mode,
        "context": clip(setting.current.get("content") or setting.current.get("original_content") or "", CONTEXT_CHARS),
        "characters": [
            {"id": c["id"], "name": c["name"], "role": c["role"], "mood": c["personality"]} for c in setting.characters
        ]
        or None,
        "skill_hints": body.skill_hints,
        "item_hints": body.item_hints,
        "timestamp": rfc3339(utcnow()),
        "fallback_used": False,
        **made_by.wire(),
    }
    if suggestions:
        response["choice_suggestions"] = suggestions
        if setting.node_id is not None and story is not None:
            response["choice_node_id"] = setting.node_id
    return response


async def _prepare(runtime: StoryRuntime, scene: Scene, body: CommandRequest, mode: str) -> _Setting:
    async with runtime.db.reader() as session:
        story = await session.get(Story, scene.id)
        node = await _state.current_node(session, scene.id) if story is not None else None
        story_context = await context.gather(session, scene)
    profiles = {profile["id"]: profile for profile in story_context.profiles}
    characters = await _characters(runtime, scene.id, body.character_ids, profiles)
    known = {location["id"]: location for location in story_context.locations}
    unknown = [location_id for location_id in body.location_ids if location_id not in known]
    if unknown:
        raise ResourceNotFound("地点不存在", details=unknown[0])
    locations = [known[location_id] for location_id in body.location_ids] or story_context.locations
    current = {"content": node.content, "original_content": node.original_content} if node else {}
    cast = characters or (story_context.profiles[:8] if mode == "story" else [])
    prompt = prompts.command(
        story_context,
        mode=mode,
        order=body.input,
        current={"content": current.get("content", ""), "original_content": current.get("original_content", "")},
        characters=cast,
        item_hints=body.item_hints,
        skill_hints=body.skill_hints,
        locations=[{"name": loc["name"], "accessible": loc["accessible"]} for loc in locations],
    )
    return _Setting(node.id if node else None, current, characters, locations, prompt)


async def _characters(
    runtime: StoryRuntime, scene_id: str, ids: list[str], profiles: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The selected characters' profiles, in the order given; an unknown id is 404 CHARACTER_NOT_FOUND."""
    selected = []
    for character_id in ids:
        profile = profiles.get(character_id)
        if profile is None:  # beyond the cast the prompts see, or not in this scene at all
            async with runtime.db.reader() as session:
                found = await scenes_service.get_character(session, scene_id=scene_id, character_id=character_id)
            profile = found.model_dump(include=set(context.PROFILE_FIELDS))
        selected.append(profile)
    return selected


async def _record(
    runtime: StoryRuntime,
    scene: Scene,
    principal: Principal,
    body: CommandRequest,
    mode: str,
    setting: _Setting,
    reply: str,
    drafts: list[CommandChoice],
    made_by: Provenance,
) -> tuple[list[dict[str, Any]], Story | None]:
    """Log both turns and store the suggestions, in one transaction."""
    speaker = body.character_ids[0] if mode == "character" and len(body.character_ids) == 1 else f"console_{mode}"
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        base = {"conversation_type": "story_console", "mode": mode, "node_id": setting.node_id}
        await scenes_service.append_message(
            session,
            scene_id=scene.id,
            speaker_id=USER_SPEAKER,
            content=body.input,
            user_id=principal.user_id,
            node_id=setting.node_id,
            conversation_type="story_console",
            metadata={**base, "channel": "user", "skill_hints": body.skill_hints, "item_hints": body.item_hints},
            commit=False,
        )
        await scenes_service.append_message(
            session,
            scene_id=scene.id,
            speaker_id=speaker,
            content=reply,
            user_id=principal.user_id,
            node_id=setting.node_id,
            conversation_type="story_console",
            metadata={**base, "channel": "ai", **made_by.wire()},
            commit=False,
        )
        story = await session.get(Story, scene.id)
        node = await session.get(StoryNode, setting.node_id) if setting.node_id else None
        stored = await _suggest(session, node, drafts, body.input, made_by) if node is not None else []
        if story is not None:
            story.last_updated = utcnow()
        await session.commit()
    suggestions = stored or [_suggestion(None, position, draft) for position, draft in enumerate(drafts)]
    return suggestions, story


async def _suggest(
    session: AsyncSession, node: StoryNode, drafts: list[CommandChoice], order: str, made_by: Provenance
) -> list[dict[str, Any]]:
    """Replace the node's earlier console suggestions not taken by these; keep everything else."""
    existing = await _state.node_choices(session, node.id)
    for choice in existing:
        if choice.source == "command" and not choice.selected:
            await session.delete(choice)
    start = max((choice.position for choice in existing if choice.source != "command" or choice.selected), default=-1)
    choices = _outcome.new_choices(node.id, drafts, made_by=made_by, source="command", now=utcnow(), start=start + 1)
    session.add_all(choices)
    for rank, (choice, draft) in enumerate(zip(choices, drafts, strict=True), start=1):
        choice.meta = {**choice.meta, "source": "story_command", "llm_rank": rank, "user_command": order}
        choice.description = draft.consequence
    return [
        _suggestion(choice, position, draft)
        for position, (choice, draft) in enumerate(zip(choices, drafts, strict=True))
    ]


def _suggestion(choice: StoryChoice | None, position: int, draft: CommandChoice) -> dict[str, Any]:
    view: dict[str, Any] = {
        "text": draft.text,
        "consequence": draft.consequence,
        "next_hint": draft.next_hint,
        "impact": draft.impact,
        "impact_text": f"{round(draft.impact * 100)}%",
        "type": draft.type or "branch",
        "order": position,
    }
    if choice is not None:
        view["id"] = choice.id
    return view

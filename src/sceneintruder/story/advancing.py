"""`POST /story/advance`: the story moves on to the next passage of the book, narrated by the model.

The next passage is the first one after the furthest the player reached (graph.next_source_node, read in one
statement with the prompt's context by `context.gather_ahead`). It is revealed only once the narration
succeeded, in the same transaction that logs it (the reference revealed it before the model call, so a failed
advance still consumed it, spec B17).
With no passage left (the end of the book, or a shell scene with no text) a model continues freely and its
continuation becomes a new node after the current one, so the story never silently stands still; the offline
provider, which cannot write what the book does not have, ends the story instead (ending.py).

The log gets what the reference wrote (the UI reads it): the passage as `story_original`, the narration as
`story_console`, both tied to the revealed node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import Conflict
from sceneintruder.core.principal import Principal
from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.catalog import BUILTIN
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import (
    _outcome,
    _state,
    assembling,
    broadcast,
    context,
    ending,
    graph,
    initialisation,
    prompts,
)
from sceneintruder.story.ensuring import ensure_story
from sceneintruder.story.llm_schemas import TASK_STORY_ADVANCE
from sceneintruder.story.models import Story, StoryNode
from sceneintruder.story.presenters import story_update_view
from sceneintruder.story.runtime import StoryRuntime

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sceneintruder.scenes.service import Scene
    from sceneintruder.story.context import StoryContext

ADVANCE_MAX_TOKENS = 700
STORY_SPEAKER = "story"
NARRATOR_SPEAKER = "console_story"


@dataclass(frozen=True)
class _Step:
    node_id: str | None  # the passage to reveal; None: continue past the end of the text
    passage: str
    context: StoryContext
    has_book: bool  # the story has source passages (a shell scene has none)


async def advance(runtime: StoryRuntime, *, scene: Scene, principal: Principal) -> dict[str, Any]:
    """`{story_update, story_data}`; broadcasts `story:updated`."""
    await ensure_story(runtime, scene)
    step = await _plan(runtime, scene)
    if step.node_id is None and step.has_book and runtime.llm.status().provider == BUILTIN:
        return await ending.end_story(runtime, scene=scene, principal=principal)
    prompt = prompts.advance(step.context, passage=step.passage)
    completion = await runtime.llm.complete(
        prompt.messages,
        call=CallInfo(TASK_STORY_ADVANCE, user_id=principal.user_id),
        inputs=prompt.inputs,
        sampling=Sampling(temperature=0.8, max_tokens=ADVANCE_MAX_TOKENS),
    )
    text = completion.text.strip()
    if not text:
        raise ProviderBadResponse("LLM返回的内容为空", provider=completion.provider, model=completion.model)
    made_by = Provenance.of(completion)
    node, story = await _reveal(runtime, scene, step, text, principal, made_by)
    story_data = await assembling.current_story_data(runtime, scene)
    update = story_update_view(scene.id, node, content=text, source="GENERATED", made_by=made_by, at=utcnow())
    await broadcast.updated(
        runtime.hub, story, reason="advance", user_id=principal.user_id, current_node_id=node.id, node_ids=[node.id]
    )
    await initialisation.narrate_ahead_of_player(
        runtime, scene_id=scene.id, owner_id=scene.owner_id, language=scene.language
    )
    return {"story_update": update, "story_data": story_data}


async def _plan(runtime: StoryRuntime, scene: Scene) -> _Step:
    async with runtime.db.reader() as session:
        story_context, ahead = await context.gather_ahead(session, scene)
    return _Step(ahead.node_id, ahead.text or "", story_context, ahead.has_book)


async def _reveal(
    runtime: StoryRuntime, scene: Scene, step: _Step, text: str, principal: Principal, made_by: Provenance
) -> tuple[StoryNode, Story]:
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        now = utcnow()
        if step.node_id is not None:
            node = await session.get(StoryNode, step.node_id)
            if node is None or graph.is_revealed(node):
                raise Conflict("故事已被推进，请重试", details=step.node_id)
            await _state.reveal(session, story, node, now)
            await _log(session, scene.id, STORY_SPEAKER, node.content or node.original_content, node.id, principal)
        else:
            current = await _state.current_node(session, scene.id)
            node = await _outcome.add_node(
                session,
                story,
                parent_id=current.id if current is not None else None,
                node_type="continuation",
                content=text,
                source="GENERATED",
                meta={"continued_from": current.id if current is not None else None},
                made_by=made_by,
                now=now,
            )
            await _outcome.relate(session, node)
        await scenes_service.append_message(
            session,
            scene_id=scene.id,
            speaker_id=NARRATOR_SPEAKER,
            content=text,
            user_id=principal.user_id,
            node_id=node.id,
            conversation_type="story_console",
            metadata={"channel": "ai", "mode": "console_story", "source": "advance_story", "node_id": node.id},
            commit=False,
        )
        await _state.refresh(session, story, now)
        await session.commit()
        return node, story


async def _log(
    session: AsyncSession, scene_id: str, speaker: str, content: str, node_id: str, principal: Principal
) -> None:
    await scenes_service.append_message(
        session,
        scene_id=scene_id,
        speaker_id=speaker,
        content=content,
        user_id=principal.user_id,
        node_id=node_id,
        conversation_type="story_original",
        metadata={"source": "advance_story", "node_id": node_id},
        commit=False,
    )

"""Re-analysing a scene with the provider active now (e.g. a vendor added after an offline analysis), as a job.

The new analysis is merged into the scene, never swapped for it, so what hangs off the scene survives:
- a character the new analysis names (by name or alias, either way round, case-insensitive) keeps its id, so its
  chats, story links and relations stay; it takes the new name and fields, its old names become aliases; characters the
  new analysis does not find are kept as they were (after the others); new ones are added;
- items the analysis made (`source` GENERATED) are matched by name the same way; items a writer added are never
  touched;
- the scene's analysed fields (summary, era, atmosphere, themes, locations) are replaced; its title, text,
  segments and story are the writer's and stay;
- `analysis` records the provider and model that made the current analysis, and the one before.
Cancelling the job stores nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.ids import new_id
from sceneintruder.core.principal import Principal
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.jobs.schemas import JobSnapshot
from sceneintruder.providers.llm.catalog import BUILTIN
from sceneintruder.scenes import analysis_schema, pipeline
from sceneintruder.scenes.analysing import analyse_in_job
from sceneintruder.scenes.creation import analysed_fields, analysis_record
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.events import SceneReanalysed
from sceneintruder.scenes.models import Scene, SceneCharacter, SceneItem, SceneText
from sceneintruder.scenes.runtime import REANALYSIS_JOB, ScenesRuntime

GENERATED = "GENERATED"


async def start_reanalysis(runtime: ScenesRuntime, *, scene: Scene, principal: Principal) -> JobSnapshot:
    """Start re-analysing an owned scene from its stored text; a scene without text (a shell) is 400."""
    async with runtime.db.reader() as session:
        text = await session.get(SceneText, scene.id)
    if text is None or not text.content.strip():
        raise BadRequest("该场景没有可分析的原文", details={"scene_id": scene.id})
    return await runtime.jobs.start(REANALYSIS_JOB, principal.user_id, {"scene_id": scene.id})


def reanalysis_job(runtime: ScenesRuntime) -> JobHandler:
    """The job body; its result is `{scene_id, provider, model, offline, characters_kept, characters_added, ...}`."""

    async def run(context: JobContext) -> dict[str, Any]:
        scene_id = context.payload["scene_id"]
        async with context.db.reader() as session:
            scene = await session.get(Scene, scene_id)
            text = await session.get(SceneText, scene_id)
        if scene is None or text is None:
            raise SceneNotFound(details=scene_id)
        await context.progress(1, "开始重新分析...")
        outcome = await analyse_in_job(runtime, context, title=scene.title, source=text.content)
        await context.progress(95, "正在合并分析结果...")
        async with context.db.writer() as session:
            merged = await merge_into_scene(session, scene_id, outcome, text_characters=len(text.content))
            await session.commit()
        await runtime.events.publish(SceneReanalysed(scene_id, scene.owner_id))
        return {"scene_id": scene_id, **merged}

    return run


def _names(name: str, aliases: list[str]) -> set[str]:
    return {value.strip().casefold() for value in [name, *aliases] if value and value.strip()}


async def merge_into_scene(
    session: AsyncSession, scene_id: str, outcome: pipeline.AnalysisOutcome, *, text_characters: int
) -> dict[str, Any]:
    """Merge `outcome` into the scene inside the caller's transaction (no commit); returns what changed."""
    scene = await session.get(Scene, scene_id, with_for_update=True)
    if scene is None:
        raise SceneNotFound(details=scene_id)
    analysis, now = outcome.analysis, utcnow()
    characters = list(
        (
            await session.execute(
                select(SceneCharacter).where(SceneCharacter.scene_id == scene_id).order_by(SceneCharacter.position)
            )
        ).scalars()
    )
    ids, kept, added = {}, set(), 0
    for drafted in analysis.characters:
        names = _names(drafted.name, drafted.aliases)
        match = next((c for c in characters if c.id not in kept and names & _names(c.name, c.aliases or [])), None)
        if match is None:
            match = SceneCharacter(id=new_id("char"), scene_id=scene_id, name=drafted.name, created_at=now)
            session.add(match)
            characters.append(match)
            added += 1
        ids[drafted.key] = match.id
        kept.add(match.id)
        _update_character(match, drafted, now)
    for position, drafted in enumerate(analysis.characters):
        row = next(c for c in characters if c.id == ids[drafted.key])
        row.position = position
        row.relations = [
            {"character_id": ids[key], "relation": relation}
            for key, relation in drafted.relationships.items()
            if key in ids and key != drafted.key
        ]
    unmatched = [c for c in characters if c.id not in kept]
    for offset, row in enumerate(unmatched):  # kept as they were (their chats and story links stay), after the rest
        row.position = len(analysis.characters) + offset
    items_kept, items_added = await _merge_items(session, scene_id, analysis.items, now)
    previous = dict(scene.analysis or {})
    for column, value in analysed_fields(analysis).items():
        setattr(scene, column, value)
    scene.analysis = {
        **analysis_record(
            analysis,
            provider=outcome.provider,
            text_characters=text_characters,
            fallback_reason=outcome.fallback_reason,
        ),
        "reanalysed_at": rfc3339(now),
        "previous_provider": previous.get("provider", ""),
    }
    scene.last_updated = now
    return {
        "provider": outcome.provider,
        "offline": BUILTIN in outcome.provider.split(","),
        **({"fallback_reason": outcome.fallback_reason} if outcome.fallback_reason else {}),
        "characters_kept": len(analysis.characters) - added,
        "characters_added": added,
        "characters_unmatched": len(unmatched),
        "items_kept": items_kept,
        "items_added": items_added,
    }


def _update_character(row: SceneCharacter, drafted: analysis_schema.SceneCharacter, now: Any) -> None:
    """The new analysis' name and fields; every name the character had stays as an alias."""
    row.aliases = sorted((set(row.aliases or []) | {row.name} | set(drafted.aliases)) - {drafted.name, ""})
    row.name = drafted.name
    row.role = drafted.role
    row.description = drafted.description
    row.personality = drafted.personality
    row.traits = list(drafted.traits)
    row.background = drafted.background
    row.speech_style = drafted.speech_style
    row.knowledge = list(drafted.knowledge)
    row.mentions = drafted.mentions + drafted.dialogue_lines
    row.last_updated = now


async def _merge_items(
    session: AsyncSession, scene_id: str, drafted: list[analysis_schema.SceneItem], now: Any
) -> tuple[int, int]:
    generated = list(
        (
            await session.execute(
                select(SceneItem).where(SceneItem.scene_id == scene_id, SceneItem.source == GENERATED)
            )
        ).scalars()
    )
    by_name = {item.name.strip().casefold(): item for item in generated}
    kept = added = 0
    for draft in drafted:
        row = by_name.get(draft.name.strip().casefold())
        if row is None:
            row = SceneItem(
                id=new_id("item"),
                scene_id=scene_id,
                name=draft.name,
                type="",
                usable_with=[],
                is_owned=False,
                source=GENERATED,
                created_at=now,
            )
            session.add(row)
            by_name[draft.name.strip().casefold()] = row
            added += 1
        else:
            kept += 1
        row.description, row.location = draft.description, draft.location
        row.properties = {**(row.properties or {}), "importance": draft.importance, "mentions": draft.mentions}
        row.last_updated = now
    return kept, added

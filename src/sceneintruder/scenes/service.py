"""Scenes: reading and writing scenes, their characters, items and message log. Framework-free.

Every scene has an owner; `get_owned_scene` answers someone else's scene exactly like a missing one.
Other domains (chat, story, comics) go through the functions here, never through the models. The message log
(appending, the active path, alternatives and branches) lives in `conversations` and `message_tree` and is
offered here too.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import ResourceNotFound
from sceneintruder.core.exporting import Exported, ExportFormat
from sceneintruder.core.ids import is_valid_id, new_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.session import is_deadlock
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes import analysing, export, offline, reading, reanalysing
from sceneintruder.scenes import (
    prompt_rows as prompt_rows,  # what prompts read, built once (story's one-statement read)
)
from sceneintruder.scenes.access import check_owned_scene as check_owned_scene
from sceneintruder.scenes.access import find_scene as find_scene
from sceneintruder.scenes.access import get_owned_scene as get_owned_scene
from sceneintruder.scenes.analysing import start_analysis as start_analysis
from sceneintruder.scenes.conversations import MessageNode as MessageNode
from sceneintruder.scenes.conversations import NewMessage as NewMessage
from sceneintruder.scenes.conversations import append_chain as append_chain
from sceneintruder.scenes.conversations import append_message as append_message
from sceneintruder.scenes.conversations import branch_history as branch_history
from sceneintruder.scenes.conversations import conversation_read as conversation_read
from sceneintruder.scenes.conversations import find_messages as find_messages
from sceneintruder.scenes.conversations import get_message as get_message
from sceneintruder.scenes.conversations import hide_messages as hide_messages
from sceneintruder.scenes.conversations import last_message_seq as last_message_seq
from sceneintruder.scenes.conversations import last_message_seq_column as last_message_seq_column
from sceneintruder.scenes.conversations import list_conversations as list_conversations
from sceneintruder.scenes.errors import CharacterNotFound, SceneNotFound
from sceneintruder.scenes.events import SceneDeleted
from sceneintruder.scenes.message_tree import add_alternative as add_alternative
from sceneintruder.scenes.message_tree import alternatives as alternatives
from sceneintruder.scenes.message_tree import children as children
from sceneintruder.scenes.message_tree import choose as choose
from sceneintruder.scenes.models import (
    Scene,
    SceneCharacter,
    SceneItem,
    SceneSegment,
    SceneText,
)
from sceneintruder.scenes.prompt_rows import OWNED_SOURCES
from sceneintruder.scenes.prompt_rows import ItemName as ItemName
from sceneintruder.scenes.read_cache import ScenePayload, SceneReadCache, SceneRowCache
from sceneintruder.scenes.reading import ScenePage as ScenePage
from sceneintruder.scenes.reading import list_scenes as list_scenes
from sceneintruder.scenes.reading import read_scene as read_scene
from sceneintruder.scenes.reading import scene_read as scene_read
from sceneintruder.scenes.reanalysing import start_reanalysis as start_reanalysis
from sceneintruder.scenes.runtime import ANALYSIS_JOB, REANALYSIS_JOB, SCENE_DELETED_CLOSE_CODE, ScenesRuntime
from sceneintruder.scenes.schemas import (
    CharacterRead,
    ContextRead,
    ItemList,
    ItemRead,
    ItemWrite,
    RelationRead,
    SceneDataRead,
    SceneDeletedRead,
    SceneRead,
    SceneSettingsRead,
    SceneShellCreate,
    SegmentRead,
)
from sceneintruder.scenes.upload import read_upload as read_upload
from sceneintruder.web.state import AppState

SHELL_DESCRIPTION = "用于独立 Comics 工作流的空白场景"


ITEM_NOT_FOUND_MESSAGE = "物品不存在"  # the reference's message; items keep its RESOURCE_NOT_FOUND code


# --- scenes -----------------------------------------------------------------------------------------------------


async def create_shell(session: AsyncSession, *, owner_id: str, data: SceneShellCreate) -> SceneRead:
    now = utcnow()
    scene = Scene(
        id=new_id("scene"),
        owner_id=owner_id,
        title=data.title,
        description=data.description or SHELL_DESCRIPTION,
        source="comic_standalone",
        themes=[],
        locations=[],
        analysis={},
        created_at=now,
        last_updated=now,
        last_accessed=now,
    )
    session.add(scene)
    await session.commit()
    return scene_read(scene, character_count=0, item_count=0)


def analysed_offline(scene: Scene) -> bool:
    """Whether the scene's analysis was computed by the offline provider (no language model)."""
    return reading.analysed_offline(scene.analysis)


def scene_dir(data_dir: Path, scene_id: str) -> Path:
    """Where a scene's files (comic panels, video) live. The id is checked before it becomes a path."""
    if not is_valid_id(scene_id):
        raise SceneNotFound(details=scene_id)
    root = (data_dir / "scenes").resolve()
    path = (root / scene_id).resolve()
    if path.parent != root:
        raise SceneNotFound(details=scene_id)
    return path


DELETE_ATTEMPTS = 3


async def delete_scene(session: AsyncSession, *, runtime: ScenesRuntime, scene: Scene) -> SceneDeletedRead:
    """Every row the scene owns goes with it (foreign keys cascade), then its files; once that is committed,
    SceneDeleted is published (its room closes, its story stops)."""
    scene_id, owner_id = scene.id, scene.owner_id
    for attempt in range(DELETE_ATTEMPTS):
        try:
            await session.execute(delete(Scene).where(Scene.id == scene_id))
            await session.commit()
            break
        except DBAPIError as error:
            # A job still writing this scene's rows (the story's narration) locks them in another order than
            # the cascade does: PostgreSQL may pick the delete as a deadlock's victim. It is simply run again.
            await session.rollback()
            if not is_deadlock(error) or attempt + 1 == DELETE_ATTEMPTS:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))
    shutil.rmtree(scene_dir(runtime.storage.data_dir, scene_id), ignore_errors=True)
    await runtime.events.publish(SceneDeleted(scene_id, owner_id))
    return {"scene_id": scene_id}


async def create_scene(
    runtime: ScenesRuntime, *, principal: Principal, title: str, text: str, key: str | None
) -> SceneRead:
    """`POST /api/scenes` (analysing.create_scene), then the new scene's SceneData built into the read cache:
    the page asks for it next, and that first read is then served as any later one (what a cache miss costs,
    ~5 ms for a chapter, is paid here, inside a request that took the analysis' time anyway)."""
    scene = await analysing.create_scene(runtime, principal=principal, title=title, text=text, key=key)
    await read_scene_json(runtime, scene_id=scene.id, principal=principal)
    return scene


async def read_scene_json(runtime: ScenesRuntime, *, scene_id: str, principal: Principal) -> bytes:
    """`GET /api/scenes/:id`'s SceneData as JSON, from the read cache when nothing about the scene changed."""

    async def build() -> ScenePayload:
        async with runtime.db.reader() as session:
            scene = await find_scene(session, scene_id=scene_id)
            data = await read_scene_data(session, scene=scene)
        return ScenePayload(scene.owner_id, data.model_dump_json(by_alias=True, exclude_none=True).encode())

    payload = await runtime.read_cache.entries.get_or_load(scene_id, build)
    if not (principal.is_admin or payload.owner_id == principal.user_id):
        raise SceneNotFound(details=scene_id)
    return payload.json


async def export_scene(
    session: AsyncSession, *, scene: Scene, fmt: ExportFormat, include_conversations: bool
) -> Exported:
    data = await read_scene_data(session, scene=scene)
    conversations = (
        (await list_conversations(session, scene_id=scene.id, limit=100_000, page=1))[0]
        if include_conversations
        else []
    )
    return export.scene_export(
        scene.id, scene.title, data, fmt=fmt, conversations=conversations, include_conversations=include_conversations
    )


async def read_scene_data(session: AsyncSession, *, scene: Scene, recent_messages: int = 100) -> SceneDataRead:
    """The reference's SceneData: the scene with its characters, items, recent log, text and segments."""
    characters = await list_characters(session, scene_id=scene.id)
    items = await _items(session, scene.id)
    messages, _ = await list_conversations(session, scene_id=scene.id, limit=recent_messages, page=1)
    text = await session.get(SceneText, scene.id)
    segments = (
        await session.scalars(
            select(SceneSegment).where(SceneSegment.scene_id == scene.id).order_by(SceneSegment.index)
        )
    ).all()
    last_message = messages[-1].timestamp if messages else scene.last_updated
    return SceneDataRead(
        scene=scene_read(scene, character_count=len(characters), item_count=len(items)),
        context=ContextRead(scene_id=scene.id, conversations=messages, last_updated=last_message),
        settings=SceneSettingsRead(scene_id=scene.id, user_id=scene.owner_id, last_updated=scene.last_updated),
        characters=characters,
        items=[_item_read(item) for item in items],
        original_text=text.content if text else None,
        original_segments=[_segment_read(segment) for segment in segments] if segments else None,
    )


def _segment_read(segment: SceneSegment) -> SegmentRead:
    return SegmentRead(
        index=segment.index,
        title=segment.title,
        summary=segment.summary,
        start_paragraph=segment.start_paragraph,
        end_paragraph=segment.end_paragraph,
        original_text=segment.text,
    )


async def list_segments(session: AsyncSession, *, scene_id: str) -> list[SegmentRead]:
    rows = await session.scalars(
        select(SceneSegment).where(SceneSegment.scene_id == scene_id).order_by(SceneSegment.index)
    )
    return [_segment_read(row) for row in rows.all()]


async def segment_texts(session: AsyncSession, *, scene_id: str) -> list[str]:
    """The text of a scene's segments in order (its whole source text when it was never cut)."""
    rows = await session.scalars(
        select(SceneSegment.text).where(SceneSegment.scene_id == scene_id).order_by(SceneSegment.index)
    )
    texts = list(rows.all())
    if texts:
        return texts
    source = await session.get(SceneText, scene_id)
    return [source.content] if source is not None and source.content else []


async def get_source_text(session: AsyncSession, *, scene_id: str) -> str:
    text = await session.get(SceneText, scene_id)
    return text.content if text else ""


async def keep_source_text(session: AsyncSession, *, scene_id: str, content: str) -> bool:
    """Store `content` as the scene's source text if it has none (a standalone comic's shell); a text the
    writer already gave is never replaced. Commits; returns whether it was stored."""
    if await session.get(SceneText, scene_id) is not None:
        return False
    session.add(SceneText(scene_id=scene_id, content=content, char_count=len(content)))
    await session.commit()
    return True


# --- characters -------------------------------------------------------------------------------------------------


def _character_read(character: SceneCharacter, names: dict[str, str], title: str) -> CharacterRead:
    relations = [
        RelationRead(character_id=rel["character_id"], name=names[rel["character_id"]], relation=rel["relation"])
        for rel in character.relations or []
        if rel.get("character_id") in names
    ]
    return CharacterRead(
        id=character.id,
        scene_id=character.scene_id,
        name=character.name,
        aliases=list(character.aliases or []),
        role=character.role,
        description=character.description,
        novel=title,
        personality=character.personality,
        traits=list(character.traits or []),
        background=character.background,
        speech_style=character.speech_style,
        relationships={rel.name: rel.relation for rel in relations},
        relations=relations,
        knowledge=list(character.knowledge or []),
        importance=character.mentions,
        image_url=character.image_url or None,
        created_at=character.created_at,
        last_updated=character.last_updated,
    )


# Read on every chat and story step: built once (see story._state on why).
_CHARACTERS = (
    select(SceneCharacter)
    .where(SceneCharacter.scene_id == bindparam("scene_id"))
    .order_by(SceneCharacter.position, SceneCharacter.id)
)


async def _character_rows(session: AsyncSession, scene_id: str) -> list[SceneCharacter]:
    return list((await session.scalars(_CHARACTERS, {"scene_id": scene_id})).all())


async def list_characters(session: AsyncSession, *, scene_id: str, title: str | None = None) -> list[CharacterRead]:
    """The scene's characters in importance order (`title`, the scene's, saves a query when the caller has it)."""
    rows = await _character_rows(session, scene_id)
    if title is None:
        title = await session.scalar(select(Scene.title).where(Scene.id == scene_id)) or ""
    names = {row.id: row.name for row in rows}
    return [_character_read(row, names, title) for row in rows]


async def get_character(session: AsyncSession, *, scene_id: str, character_id: str) -> CharacterRead:
    for character in await list_characters(session, scene_id=scene_id):
        if character.id == character_id:
            return character
    raise CharacterNotFound(details=character_id)


# --- items ------------------------------------------------------------------------------------------------------


def _item_read(item: SceneItem) -> ItemRead:
    return ItemRead.model_validate(item, from_attributes=True)


async def _items(session: AsyncSession, scene_id: str) -> list[SceneItem]:
    rows = await session.scalars(
        select(SceneItem).where(SceneItem.scene_id == scene_id).order_by(SceneItem.created_at, SceneItem.id)
    )
    return list(rows.all())


async def item_names(session: AsyncSession, *, scene_id: str) -> list[ItemName]:
    """The scene's items as id, name and whether the player holds them, in `list_items`' order: what a story
    step needs to name them, in one light query (no item models built)."""
    rows = await session.execute(prompt_rows.ITEM_NAMES[0], {"scene_id": scene_id})
    return [prompt_rows.item_name(row) for row in rows]


async def list_items(session: AsyncSession, *, scene_id: str) -> ItemList:
    items = [_item_read(item) for item in await _items(session, scene_id)]
    owned = [item for item in items if item.is_owned or item.source in OWNED_SOURCES]
    scene_items = [item for item in items if not (item.is_owned or item.source in OWNED_SOURCES)]
    return ItemList(scene_items=scene_items, owned_items=owned, total=len(items))


async def _get_item(session: AsyncSession, scene_id: str, item_id: str) -> SceneItem:
    item = await session.get(SceneItem, item_id) if is_valid_id(item_id) else None
    if item is None or item.scene_id != scene_id:
        raise ResourceNotFound(ITEM_NOT_FOUND_MESSAGE, details=f"物品ID: {item_id}")
    return item


async def add_item(session: AsyncSession, *, scene_id: str, data: ItemWrite, **overrides: Any) -> ItemRead:
    item = await add_item_in_transaction(session, scene_id=scene_id, data=data, **overrides)
    await session.commit()
    return item


async def add_item_in_transaction(
    session: AsyncSession, *, scene_id: str, data: ItemWrite, **overrides: Any
) -> ItemRead:
    """`add_item` as part of the caller's transaction (flushed, not committed): the story stores an item it
    found together with the node that found it, all or nothing."""
    now = utcnow()
    item = SceneItem(
        id=new_id("item"), scene_id=scene_id, created_at=now, last_updated=now, **{**data.model_dump(), **overrides}
    )
    if item.source in OWNED_SOURCES and item.found_at is None:
        item.found_at = now
    session.add(item)
    await session.flush()
    return _item_read(item)


async def get_item(session: AsyncSession, *, scene_id: str, item_id: str) -> ItemRead:
    return _item_read(await _get_item(session, scene_id, item_id))


async def replace_item(session: AsyncSession, *, scene_id: str, item_id: str, data: ItemWrite) -> ItemRead:
    item = await _get_item(session, scene_id, item_id)
    for key, value in data.model_dump().items():
        setattr(item, key, value)
    item.last_updated = utcnow()
    await session.commit()
    return _item_read(item)


async def delete_item(session: AsyncSession, *, scene_id: str, item_id: str) -> None:
    item = await _get_item(session, scene_id, item_id)
    await session.delete(item)
    await session.commit()


# --- start-up ---------------------------------------------------------------------------------------------------


def install(state: AppState) -> ScenesRuntime:
    """The scenes domain, built once: its offline skills, the analysis job kind, the scene read cache on the
    database's commits, the scene loader every owned-scene route uses, and who may open a scene's room."""
    offline.register(state.llm)
    jobs = state.components.get(JobRegistry)
    read_cache = SceneReadCache(ttl_seconds=max(state.settings.read_cache_ttl_seconds, 0))
    read_cache.install(state.db)
    state.coherence.share(read_cache.name, read_cache)
    scene_rows = SceneRowCache(ttl_seconds=max(state.settings.read_cache_ttl_seconds, 0))
    scene_rows.install(state.db)
    state.coherence.share(scene_rows.name, scene_rows)
    runtime = ScenesRuntime(
        db=state.db,
        llm=state.llm,
        events=state.events,
        jobs=jobs,
        offload=state.offload,
        settings=state.settings,
        storage=state.settings,
        read_cache=read_cache,
        scene_rows=scene_rows,
    )
    jobs.register_kind(
        ANALYSIS_JOB, analysing.analysis_job(runtime), concurrency=state.settings.analysis_jobs_concurrency
    )
    jobs.register_kind(
        REANALYSIS_JOB, reanalysing.reanalysis_job(runtime), concurrency=state.settings.analysis_jobs_concurrency
    )
    state.scene_loader = runtime.owned_scene
    hub = state.components.get(Hub)
    hub.set_scene_access(runtime.scene_visible)

    async def close_room(event: SceneDeleted) -> None:
        await hub.close_room(event.scene_id, SCENE_DELETED_CLOSE_CODE, "scene deleted")

    state.events.subscribe(SceneDeleted, close_room)
    return runtime

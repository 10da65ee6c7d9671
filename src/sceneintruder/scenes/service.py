"""Scenes: reading and writing scenes, their characters, items and message log. Framework-free.

Every scene has an owner; `get_owned_scene` answers someone else's scene exactly like a missing one.
Other domains (chat, story, comics) go through the functions here, never through the models. The message log
(appending, the active path, alternatives and branches) lives in `conversations` and `message_tree` and is
offered here too.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import ResourceNotFound
from sceneintruder.core.ids import is_valid_id, new_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.ownership import load_owned
from sceneintruder.scenes.conversations import MessageNode as MessageNode
from sceneintruder.scenes.conversations import active_tip as active_tip
from sceneintruder.scenes.conversations import append_message as append_message
from sceneintruder.scenes.conversations import branch_history as branch_history
from sceneintruder.scenes.conversations import conversation_read as conversation_read
from sceneintruder.scenes.conversations import find_messages as find_messages
from sceneintruder.scenes.conversations import get_message as get_message
from sceneintruder.scenes.conversations import hide_messages as hide_messages
from sceneintruder.scenes.conversations import last_message_seq as last_message_seq
from sceneintruder.scenes.conversations import latest_messages as latest_messages
from sceneintruder.scenes.conversations import list_conversations as list_conversations
from sceneintruder.scenes.errors import CharacterNotFound, SceneNotFound
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
from sceneintruder.scenes.schemas import (
    CharacterRead,
    ContextRead,
    ItemList,
    ItemRead,
    ItemWrite,
    RelationRead,
    SceneDataRead,
    SceneRead,
    SceneSettingsRead,
    SceneShellCreate,
    SegmentRead,
)

SHELL_DESCRIPTION = "用于独立 Comics 工作流的空白场景"
OWNED_SOURCES = frozenset({"STORY", "EXPLORATION"})


ITEM_NOT_FOUND_MESSAGE = "物品不存在"  # the reference's message; items keep its RESOURCE_NOT_FOUND code


# --- scenes -----------------------------------------------------------------------------------------------------


async def get_owned_scene(session: AsyncSession, *, scene_id: str, principal: Principal) -> Scene:
    return await load_owned(session, Scene, scene_id, principal, missing=SceneNotFound)


async def find_scene(session: AsyncSession, *, scene_id: str) -> Scene:
    """The scene whoever owns it (callers check access); missing or malformed id: SceneNotFound."""
    scene = await session.get(Scene, scene_id) if is_valid_id(scene_id) else None
    if scene is None:
        raise SceneNotFound(details=scene_id)
    return scene


async def scene_visible(session: AsyncSession, *, scene_id: str, principal: Principal) -> bool:
    """Whether `principal` may see the scene (WebSocket rooms ask this before a socket joins)."""
    try:
        await get_owned_scene(session, scene_id=scene_id, principal=principal)
    except SceneNotFound:
        return False
    return True


async def _counts(session: AsyncSession, scene_ids: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    if not scene_ids:
        return {}, {}
    characters = await session.execute(
        select(SceneCharacter.scene_id, func.count())
        .where(SceneCharacter.scene_id.in_(scene_ids))
        .group_by(SceneCharacter.scene_id)
    )
    items = await session.execute(
        select(SceneItem.scene_id, func.count()).where(SceneItem.scene_id.in_(scene_ids)).group_by(SceneItem.scene_id)
    )
    return {row[0]: row[1] for row in characters}, {row[0]: row[1] for row in items}


def scene_read(scene: Scene, *, character_count: int, item_count: int) -> SceneRead:
    return SceneRead(
        id=scene.id,
        user_id=scene.owner_id,
        title=scene.title,
        name=scene.title,
        description=scene.description,
        source=scene.source,
        summary=scene.summary,
        era=scene.era,
        atmosphere=scene.atmosphere,
        themes=list(scene.themes or []),
        locations=list(scene.locations or []),
        language=scene.language,
        created_at=scene.created_at,
        last_accessed=scene.last_accessed,
        last_updated=scene.last_updated,
        character_count=character_count,
        item_count=item_count,
        analysis=scene.analysis or None,
    )


async def read_scene(session: AsyncSession, *, scene: Scene) -> SceneRead:
    characters, items = await _counts(session, [scene.id])
    return scene_read(scene, character_count=characters.get(scene.id, 0), item_count=items.get(scene.id, 0))


@dataclass(frozen=True)
class ScenePage:
    scenes: list[SceneRead]
    total: int


async def list_scenes(session: AsyncSession, *, owner_id: str, page: int, limit: int) -> ScenePage:
    """The caller's scenes, newest first."""
    total = int(await session.scalar(select(func.count()).select_from(Scene).where(Scene.owner_id == owner_id)) or 0)
    rows = (
        await session.scalars(
            select(Scene)
            .where(Scene.owner_id == owner_id)
            .order_by(Scene.created_at.desc(), Scene.id)
            .offset((page - 1) * limit)
            .limit(limit)
        )
    ).all()
    characters, items = await _counts(session, [row.id for row in rows])
    reads = [
        scene_read(row, character_count=characters.get(row.id, 0), item_count=items.get(row.id, 0)) for row in rows
    ]
    return ScenePage(reads, total)


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


def scene_dir(data_dir: Path, scene_id: str) -> Path:
    """Where a scene's files (comic panels, video) live. The id is checked before it becomes a path."""
    if not is_valid_id(scene_id):
        raise SceneNotFound(details=scene_id)
    root = (data_dir / "scenes").resolve()
    path = (root / scene_id).resolve()
    if path.parent != root:
        raise SceneNotFound(details=scene_id)
    return path


async def delete_scene(session: AsyncSession, *, scene: Scene, data_dir: Path) -> None:
    """Every row the scene owns goes with it (foreign keys cascade), then its files."""
    scene_id = scene.id
    await session.delete(scene)
    await session.commit()
    shutil.rmtree(scene_dir(data_dir, scene_id), ignore_errors=True)


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


async def get_source_text(session: AsyncSession, *, scene_id: str) -> str:
    text = await session.get(SceneText, scene_id)
    return text.content if text else ""


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


async def _character_rows(session: AsyncSession, scene_id: str) -> list[SceneCharacter]:
    rows = await session.scalars(
        select(SceneCharacter)
        .where(SceneCharacter.scene_id == scene_id)
        .order_by(SceneCharacter.position, SceneCharacter.id)
    )
    return list(rows.all())


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

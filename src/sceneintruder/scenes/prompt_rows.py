"""What story and chat prompts read of a scene on every step: column SELECTs built once (see story._state on why),
each with the columns that rank its rows and a decoder of one row.

A row is decoded by position, so the same decoder reads a row of `session.execute` and a row of a story step's
one-statement read (`db.json_bundle`, where rows are plain tuples).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, select

from sceneintruder.db.json_bundle import Part
from sceneintruder.scenes.message_rows import visible_messages
from sceneintruder.scenes.models import ConversationMessage, SceneCharacter, SceneItem

OWNED_SOURCES = frozenset({"STORY", "EXPLORATION"})  # items found in the story are the player's
# The tables what a prompt reads here comes from (their rows carry `scene_id`): a cache of a prompt's context
# watches them (story.context_cache).
TABLES = frozenset(model.__tablename__ for model in (ConversationMessage, SceneCharacter, SceneItem))
_SCENE: BindParameter[str] = bindparam("scene_id")


@dataclass(frozen=True)
class ItemName:
    id: str
    name: str
    owned: bool  # held by the player (as `list_items` splits them: is_owned, or found in the story)


_PROFILE_ORDER = (SceneCharacter.position, SceneCharacter.id)
# The first `:cast_size` characters in importance order.
PROFILES: Part = (
    select(
        SceneCharacter.id,
        SceneCharacter.name,
        SceneCharacter.aliases,
        SceneCharacter.role,
        SceneCharacter.description,
        SceneCharacter.personality,
        SceneCharacter.speech_style,
        SceneCharacter.knowledge,
    )
    .where(SceneCharacter.scene_id == _SCENE)
    .order_by(*_PROFILE_ORDER)
    .limit(bindparam("cast_size", type_=Integer)),
    _PROFILE_ORDER,
)


def profile(row: Sequence[Any]) -> dict[str, Any]:
    """A character as the profile a prompt takes (`list_characters`' values)."""
    return {
        "id": row[0],
        "name": row[1],
        "aliases": list(row[2] or []),
        "role": row[3],
        "description": row[4],
        "personality": row[5],
        "speech_style": row[6],
        "knowledge": list(row[7] or []),
    }


_ITEM_ORDER = (SceneItem.created_at, SceneItem.id)
# The scene's items in `list_items`' order.
ITEM_NAMES: Part = (
    select(SceneItem.id, SceneItem.name, SceneItem.is_owned, SceneItem.source)
    .where(SceneItem.scene_id == _SCENE)
    .order_by(*_ITEM_ORDER),
    _ITEM_ORDER,
)


def item_name(row: Sequence[Any]) -> ItemName:
    return ItemName(row[0], row[1], bool(row[2]) or row[3] in OWNED_SOURCES)


def latest_contents(conversation_type: str, limit: int) -> Part:
    """The text of the newest `limit` visible messages of one type on the active path, newest first."""
    order = (ConversationMessage.seq.desc(),)
    query = (
        select(ConversationMessage.content)
        .where(visible_messages(_SCENE), ConversationMessage.conversation_type == conversation_type)
        .order_by(*order)
        .limit(limit)
    )
    return query, order

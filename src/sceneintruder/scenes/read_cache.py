"""The full `GET /api/scenes/:id` payload, cached per scene and dropped by the ORM itself on commit.

SceneData carries the whole source text, every segment, the characters, items and recent log: rebuilding it
takes six queries and a large serialisation. The payload is cached (serialised once) together with its owner,
and every committed write to a scene-owned row, from any domain and any code path, drops that scene's entry
(see db.commit_cache).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sceneintruder.db.commit_cache import CommitInvalidatedCache
from sceneintruder.scenes.models import (
    ConversationMessage,
    Scene,
    SceneCharacter,
    SceneItem,
    SceneSegment,
    SceneText,
)

_SCENE_ROWS = (Scene, SceneText, SceneSegment, SceneCharacter, SceneItem, ConversationMessage)
_TABLES = frozenset(model.__tablename__ for model in _SCENE_ROWS)


class ScenePayload:
    """One cached SceneData: its owner (for the access check) and the serialised JSON."""

    __slots__ = ("json", "owner_id")

    def __init__(self, owner_id: str, json: bytes) -> None:
        self.owner_id = owner_id
        self.json = json


def _scene_of(_session: Session, row: Any) -> str | None:
    if isinstance(row, Scene):
        return row.id
    return getattr(row, "scene_id", None) if isinstance(row, _SCENE_ROWS) else None


class SceneReadCache(CommitInvalidatedCache[ScenePayload]):
    def __init__(self, *, max_entries: int = 512, ttl_seconds: float = 30.0) -> None:
        super().__init__(
            name="scene_read_cache", tables=_TABLES, key_of=_scene_of, max_entries=max_entries, ttl_seconds=ttl_seconds
        )

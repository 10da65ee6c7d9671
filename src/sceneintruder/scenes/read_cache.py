"""The full `GET /api/scenes/:id` payload, cached per scene and dropped by the ORM itself on commit.

SceneData carries the whole source text, every segment, the characters, items and recent log: rebuilding it
takes six queries and a large serialisation. The payload is cached (serialised once) together with its owner,
and every committed write to a scene-owned row, from any domain and any code path, drops that scene's entry
(see db.commit_cache).

`SceneRowCache` keeps just the scene's row, for the owner check every scene route starts with: only a write to
that row drops it.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from sceneintruder.db.base import loaded
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


class SceneRow:
    """One scene row as loaded (its column values), from which every caller gets its own detached `Scene`."""

    __slots__ = ("owner_id", "values")

    def __init__(self, scene: Scene) -> None:
        self.owner_id = scene.owner_id
        self.values = {key: getattr(scene, key) for key in _scene_columns()}

    def scene(self) -> Scene:
        """A detached Scene of its own, as a closed read session leaves one: loaded, with no pending change;
        lists and dicts copied, so no caller changes what the next one gets."""
        values = {
            key: copy.deepcopy(value) if isinstance(value, list | dict) else value for key, value in self.values.items()
        }
        return loaded(Scene, values)


@functools.cache
def _scene_columns() -> tuple[str, ...]:
    return tuple(attr.key for attr in sa_inspect(Scene).column_attrs)


def _scene_row_of(_session: Session, row: Any) -> str | None:
    return row.id if isinstance(row, Scene) else None


class SceneRowCache(CommitInvalidatedCache[SceneRow]):
    """The scene row every owned-scene route loads first (`ScenesRuntime.owned_scene`), cached per scene and
    dropped by any commit that writes that row (an update, a delete). Story moves, chats and comic work write
    other tables, so a story move no longer spends a read session on the scene before its own transaction."""

    def __init__(self, *, max_entries: int = 1024, ttl_seconds: float = 30.0) -> None:
        super().__init__(
            name="scene_row_cache",
            tables=frozenset({Scene.__tablename__}),
            key_of=_scene_row_of,
            max_entries=max_entries,
            ttl_seconds=ttl_seconds,
        )

"""The full `GET /api/scenes/:id` payload, cached per scene and dropped by the ORM itself on commit.

SceneData carries the whole source text, every segment, the characters, items and recent log: rebuilding it
takes six queries and a large serialisation. The payload is cached (serialised once) together with its owner,
and every committed write to a scene-owned row, from any domain and any code path, drops that scene's entry:
`after_flush` notes which scenes the flushed rows belong to, `after_commit` invalidates them, a rollback
forgets them. A bulk UPDATE/DELETE on those tables (which has no rows to look at) clears the whole cache when
its transaction commits.
Coherent within the one server process (see core.cache); the TTL bounds what another process's writes can do.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from sceneintruder.core.cache import TTLCache
from sceneintruder.db.session import Database
from sceneintruder.scenes.models import (
    ConversationMessage,
    Scene,
    SceneCharacter,
    SceneItem,
    SceneSegment,
    SceneText,
)

_TOUCHED = "scene_read_cache.touched"
_BULK = "scene_read_cache.bulk"
_SCENE_ROWS = (Scene, SceneText, SceneSegment, SceneCharacter, SceneItem, ConversationMessage)
_TABLES = frozenset(model.__table__.name for model in _SCENE_ROWS)


class ScenePayload:
    """One cached SceneData: its owner (for the access check) and the serialised JSON."""

    __slots__ = ("json", "owner_id")

    def __init__(self, owner_id: str, json: bytes) -> None:
        self.owner_id = owner_id
        self.json = json


class SceneReadCache:
    def __init__(self, *, max_entries: int = 512, ttl_seconds: float = 30.0) -> None:
        self.entries: TTLCache[str, ScenePayload] = TTLCache(max_entries=max_entries, ttl_seconds=ttl_seconds)

    def install(self, db: Database) -> None:
        event.listen(db.session_class, "after_flush", self._after_flush)
        event.listen(db.session_class, "after_commit", self._after_commit)
        event.listen(db.session_class, "after_rollback", self._forget)
        event.listen(db.session_class, "do_orm_execute", self._bulk_statement)

    @staticmethod
    def _scene_of(row: Any) -> str | None:
        if isinstance(row, Scene):
            return row.id
        return getattr(row, "scene_id", None) if isinstance(row, _SCENE_ROWS) else None

    def _after_flush(self, session: Session, _context: Any) -> None:
        touched: set[str] = session.info.setdefault(_TOUCHED, set())
        for row in (*session.new, *session.dirty, *session.deleted):
            if (scene_id := self._scene_of(row)) is not None:
                touched.add(scene_id)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_BULK, False):
            self.entries.clear()
        for scene_id in session.info.pop(_TOUCHED, ()):
            self.entries.invalidate(scene_id)

    def _forget(self, session: Session) -> None:
        session.info.pop(_TOUCHED, None)
        session.info.pop(_BULK, None)

    def _bulk_statement(self, state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete) and any(
            mapper.local_table.name in _TABLES for mapper in state.all_mappers
        ):
            state.session.info[_BULK] = True

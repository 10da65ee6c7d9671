"""A per-key read cache that the ORM itself invalidates when a transaction that touched the key commits.

A domain caches an expensive read (a whole SceneData, a whole StoryData) under the id of what it belongs to
(a scene), and says how to find that id on a row (`key_of`). Every committed write, from any code path, then
drops the keys of the rows it flushed: `after_flush` notes them, `after_commit` invalidates them, a rollback
forgets them. A row whose key cannot be told (`key_of` answers `UNKNOWN`), and a bulk UPDATE/DELETE on one of
the watched tables (which has no rows to look at), clear the whole cache when the transaction commits. A write
the ORM does not see (a Core statement run on the session's connection, on a hot path) says what it touched
itself: the keys, to one cache (`touch`), or the rows it wrote, built as ORM objects but never added to the
session, to every cache of the session's database (`note_written`), which find their keys as for flushed rows.
Either way they are dropped with the rest at commit.

Loads go through `TTLCache.get_or_load`: single-flight, and a load that started before an invalidation is
returned but not stored, so a read racing a write never re-caches the old state. Many keys read at once are
stored with `put_many`, given the `tick` read before the read transaction: a key dropped since is not stored.
A value made from another (the StoryData a story move makes from the one it started from) is kept if its key's
`version` moved only by the writer's own commit (`drops_since`). Both are per key: under 20 stories moving at
once, one counter for the whole cache moved with every commit of every story, so no move could keep what it
made and every answer rebuilt its StoryData from the database (bench/story.py). Coherent within the process;
with several, what a commit drops here is announced (`attach`, wired by cluster.coherence) and dropped by the
others (`drop_remote`), which moves those keys' versions too.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from sceneintruder.core.cache import TTLCache
from sceneintruder.db.session import Database

V = TypeVar("V")


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()  # `key_of`'s answer for a watched row whose key it cannot tell
Version = tuple[int, int]  # a key's (epoch, drops): see CommitInvalidatedCache.version
_NEVER = (0, 0, 0.0)
_DROPS_KEPT = 50_000  # keys whose drops are counted; past this, those untouched for a while are forgotten
_DROPS_FORGOTTEN_AFTER = 900.0  # seconds: longer than any read or model call a version spans

# The caches installed on each database, by its session class (`Database.session_class`, one per database).
_INSTALLED: weakref.WeakKeyDictionary[type[Session], list[CommitInvalidatedCache[Any]]] = weakref.WeakKeyDictionary()


def note_written(session: AsyncSession | Session, rows: Iterable[Any]) -> None:
    """`rows` (ORM objects never added to the session) were written by Core statements on the session's
    connection: every cache installed on its database drops what they belong to when the transaction commits, as
    for rows the ORM flushed."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    caches = _INSTALLED.get(type(sync), ())
    if caches:
        written = list(rows)
        for cache in caches:
            cache.note_rows(sync, written)


class CommitInvalidatedCache(Generic[V]):
    def __init__(
        self,
        *,
        name: str,
        tables: frozenset[str],
        key_of: Callable[[Session, Any], str | _Unknown | None],
        max_entries: int = 512,
        ttl_seconds: float = 30.0,
    ) -> None:
        """`tables`: the watched tables (for bulk statements); `key_of(session, row)`: the key a flushed row
        belongs to, None for a row that is not watched, UNKNOWN for a watched row whose key is not known."""
        self.entries: TTLCache[str, V] = TTLCache(max_entries=max_entries, ttl_seconds=ttl_seconds)
        self._tables = tables
        self._key_of = key_of
        # Each key's drops: (how many so far, the tick of the last one, its time). A tick is one drop (of keys, or
        # of everything); `_drops_of_all` counts drops of everything, which drop every key, at tick `_floor` the
        # latest. Forgetting the keys long untouched (past `_DROPS_KEPT` of them) starts a new `_epoch`: their
        # counts are gone, so no version from before compares with one after.
        self._drops: dict[str, tuple[int, int, float]] = {}
        self._tick = 0
        self._floor = 0
        self._drops_of_all = 0
        self._epoch = 0
        self.name = name
        self._touched = f"{name}.touched"
        self._everything = f"{name}.everything"
        self._announce: Callable[[Sequence[str] | None], None] | None = None

    def install(self, db: Database) -> None:
        _INSTALLED.setdefault(db.session_class, []).append(self)
        event.listen(db.session_class, "after_flush", self._after_flush)
        event.listen(db.session_class, "after_commit", self._after_commit)
        event.listen(db.session_class, "after_rollback", self._forget)
        event.listen(db.session_class, "do_orm_execute", self._bulk_statement)

    def _after_flush(self, session: Session, _context: Any) -> None:
        self.note_rows(session, (*session.new, *session.dirty, *session.deleted))

    def note_rows(self, session: Session, rows: Iterable[Any]) -> None:
        """What `rows`, written in the session's transaction, belong to: dropped when it commits."""
        touched: set[str] = session.info.setdefault(self._touched, set())
        for row in rows:
            key = self._key_of(session, row)
            if key is UNKNOWN:
                session.info[self._everything] = True
            elif isinstance(key, str):
                touched.add(key)

    def touch(self, session: Session, keys: Iterable[str]) -> None:
        """Keys that a write the ORM does not see (a Core statement on the session's connection) touched: dropped
        when the session's transaction commits, as a flushed row's are; forgotten if it rolls back."""
        touched: set[str] = session.info.setdefault(self._touched, set())
        touched.update(keys)

    def version(self, key: str) -> Version:
        """Moves by one whenever `key` is dropped (alone or with everything); other keys' drops leave it be."""
        return (self._epoch, self._drops_of_all + self._drops.get(key, _NEVER)[0])

    def drops_since(self, key: str, version: Version) -> int | None:
        """How many times `key` was dropped since it was at `version` (None: unknown, everything was dropped)."""
        epoch, drops = self.version(key)
        return drops - version[1] if epoch == version[0] else None

    def tick(self) -> int:
        """Where the drops stand: read it before a read transaction, give it to `put_many` with what it read."""
        return self._tick

    def put_many(self, items: dict[str, V], *, read_at: int) -> None:
        """Store what a read that started at tick `read_at` loaded, each key only if it was not dropped since."""
        for key, value in items.items():
            if max(self._drops.get(key, _NEVER)[1], self._floor) <= read_at:
                self.entries.put(key, value)

    def _after_commit(self, session: Session) -> None:
        everything = session.info.pop(self._everything, False)
        touched = session.info.pop(self._touched, ())
        if everything:
            self.drop_remote(None)
        elif touched:
            self.drop_remote(sorted(touched))
        if (everything or touched) and self._announce is not None:
            self._announce(None if everything else sorted(touched))

    def attach(self, announce: Callable[[Sequence[str] | None], None]) -> None:
        self._announce = announce

    def drop_remote(self, keys: Sequence[str] | None) -> None:
        """Drop `keys` (None: everything), here only; also what a commit in this process calls."""
        self._tick += 1
        if keys is None:
            self._drops_of_all += 1
            self._floor = self._tick
        else:
            now = time.monotonic()
            for key in keys:
                self._drops[key] = (self._drops.get(key, _NEVER)[0] + 1, self._tick, now)
            if len(self._drops) > _DROPS_KEPT:
                self._forget_old_drops(now)
        self.entries.drop_remote(keys)

    def _forget_old_drops(self, now: float) -> None:
        """Forget the keys not dropped for `_DROPS_FORGOTTEN_AFTER` seconds (all, if that is not enough): they
        count as dropped now, and every version moves, so nothing read before is stored against what is forgotten."""
        self._epoch += 1
        self._floor = self._tick  # a forgotten key may have been dropped as late as now
        self._drops = {key: drop for key, drop in self._drops.items() if now - drop[2] < _DROPS_FORGOTTEN_AFTER}
        if len(self._drops) > _DROPS_KEPT // 2:
            self._drops.clear()

    def _forget(self, session: Session) -> None:
        session.info.pop(self._touched, None)
        session.info.pop(self._everything, None)

    def _bulk_statement(self, state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete) and any(
            getattr(mapper.local_table, "name", None) in self._tables for mapper in state.all_mappers
        ):
            state.session.info[self._everything] = True

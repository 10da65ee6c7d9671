"""Session factories: `reader()` for GET-like work, `writer()` for work that writes.

On SQLite a writer transaction starts with BEGIN IMMEDIATE; on PostgreSQL both are ordinary sessions.
Jobs and streams open one short session per step and never hold one across a provider call.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from sceneintruder.db.engine import SQLITE_BEGIN_OPTION, is_sqlite


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # A Session class of this database's own, so ORM event listeners (e.g. read-cache invalidation after
        # a commit) can be attached to this database's sessions without touching any other.
        self.session_class: type[Session] = type("DatabaseSession", (Session,), {})
        self._read = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=self.session_class)
        write_engine = engine
        if is_sqlite(str(engine.url)):
            write_engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        self._write = async_sessionmaker(write_engine, expire_on_commit=False, sync_session_class=self.session_class)

    def reader(self) -> AsyncSession:
        return self._read()

    def writer(self) -> AsyncSession:
        return self._write()

    async def dispose(self) -> None:
        await self.engine.dispose()


DEADLOCK_SQLSTATE = "40P01"


def is_deadlock(error: DBAPIError) -> bool:
    """PostgreSQL chose this transaction as a deadlock's victim: it was rolled back and may simply be run again."""
    original = error.orig
    return getattr(original, "sqlstate", None) == DEADLOCK_SQLSTATE or "deadlock detected" in str(original)

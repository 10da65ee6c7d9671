"""Session factories: `reader()` for GET-like work, `writer()` for work that writes.

On SQLite a writer transaction starts with BEGIN IMMEDIATE; on PostgreSQL both are ordinary sessions.
Jobs and streams open one short session per step and never hold one across a provider call.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from sceneintruder.core.resumed import Resumed
from sceneintruder.db.engine import SQLITE_BEGIN_OPTION, is_sqlite


class ClosingSession(AsyncSession):
    """An AsyncSession whose `async with` closes it in the caller's task when the close need not wait.

    SQLAlchemy's `__aexit__` closes the session in a new task and waits for it, so that a caller cancelled
    mid-close cannot leave the connection half returned. But a new task waits its turn behind everything the event
    loop has queued: under load (20 chat replies at once, bench/chat.py), each `async with` block kept its
    connection that much longer, the pool's 8 connections ran out, and connections were opened and closed again
    and again (five PRAGMAs each). On SQLite a close usually waits for nothing (a read's rollback runs on the
    loop's thread, `db.sqlite_cursor`): it now completes right here, where no cancellation can reach it. A close
    that does have to wait (a rollback in the worker thread, a round trip to PostgreSQL) is finished in a task of
    its own from where it stopped, and waited for, as SQLAlchemy does.
    """

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        closing = self.close()
        try:
            awaited = closing.send(None)  # an error raised by the close reaches the caller from here
        except StopIteration:
            return
        finish = asyncio.ensure_future(_finish(Resumed(closing, awaited)))
        cancelled: asyncio.CancelledError | None = None
        while True:  # as sqlalchemy.ext.asyncio.base._run_to_completion: a cancellation waits for the close
            try:
                await asyncio.shield(finish)
            except asyncio.CancelledError as error:
                if finish.done():
                    raise
                cancelled = error
            else:
                break
        if cancelled is not None:
            raise cancelled


async def _finish(rest: Resumed) -> None:
    await rest


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # A Session class of this database's own, so ORM event listeners (e.g. read-cache invalidation after
        # a commit) can be attached to this database's sessions without touching any other.
        self.session_class: type[Session] = type("DatabaseSession", (Session,), {})
        self._read = async_sessionmaker(
            engine, class_=ClosingSession, expire_on_commit=False, sync_session_class=self.session_class
        )
        write_engine = engine
        if is_sqlite(str(engine.url)):
            write_engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        self._write = async_sessionmaker(
            write_engine, class_=ClosingSession, expire_on_commit=False, sync_session_class=self.session_class
        )

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

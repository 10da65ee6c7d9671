"""ClosingSession: `async with` closes a session in the caller's task when the close need not wait, and a close
that must wait is finished even if the caller is cancelled meanwhile (as SQLAlchemy's own __aexit__ does)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sceneintruder.db.engine import create_engine
from sceneintruder.db.session import ClosingSession, Database


def _counting_tasks(loop: asyncio.AbstractEventLoop) -> list[Any]:
    made: list[Any] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        made.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    return made


@pytest.mark.sqlite_only
async def test_a_sqlite_read_session_is_closed_in_the_callers_task_and_its_connection_is_back(tmp_path: Path) -> None:
    database = Database(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))
    loop = asyncio.get_running_loop()
    try:
        async with database.reader() as warm:  # the pool's first connection is opened (PRAGMAs in its thread)
            await warm.execute(text("SELECT 1"))
        made = _counting_tasks(loop)
        async with database.reader() as session:
            assert isinstance(session, ClosingSession)
            assert (await session.execute(text("SELECT 41 + 1"))).scalar() == 42
        assert made == []  # no task of its own for the close
        assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        loop.set_task_factory(None)
        await database.dispose()


class _SlowClose(ClosingSession):
    """A session whose close has to wait (as a rollback in a worker thread, or on PostgreSQL, does)."""

    def __init__(self, release: asyncio.Event, closed: list[str]) -> None:
        self._release, self._closed = release, closed

    async def close(self) -> None:
        self._closed.append("started")
        await self._release.wait()
        self._closed.append("finished")


async def _use(session: ClosingSession) -> str:
    async with session:
        pass
    return "returned"


async def test_a_close_that_waits_is_finished_even_when_the_caller_is_cancelled() -> None:
    release, closed = asyncio.Event(), []
    caller = asyncio.create_task(_use(_SlowClose(release, closed)))
    await asyncio.sleep(0)
    assert closed == ["started"]
    caller.cancel()  # the caller goes away while its session is closing
    await asyncio.sleep(0)
    assert not caller.done()  # it waits for the close before its cancellation is raised
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert closed == ["started", "finished"]


async def test_a_close_that_waits_returns_its_caller_once_finished() -> None:
    release, closed = asyncio.Event(), []
    caller = asyncio.create_task(_use(_SlowClose(release, closed)))
    await asyncio.sleep(0)
    release.set()
    assert await caller == "returned" and closed == ["started", "finished"]


async def test_a_close_that_fails_at_once_raises_in_the_caller() -> None:
    class Failing(ClosingSession):
        def __init__(self) -> None:
            pass

        async def close(self) -> None:
            raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        async with Failing():
            pass


async def test_a_close_that_fails_after_waiting_raises_in_the_caller() -> None:
    release = asyncio.Event()

    class FailsLater(ClosingSession):
        def __init__(self) -> None:
            pass

        async def close(self) -> None:
            await release.wait()
            raise RuntimeError("rollback failed")

    caller = asyncio.create_task(_use(FailsLater()))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(RuntimeError, match="rollback failed"):
        await caller

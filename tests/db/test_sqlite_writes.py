"""A writer's small writes run on the event loop's thread once its transaction holds SQLite's write lock
(db.sqlite_cursor): BEGIN IMMEDIATE is taken there when the lock is free and waits in the worker thread when it
is not; an INSERT of values and an UPDATE of one row by primary key take no thread hop; a bulk UPDATE, a DELETE and
COMMIT keep theirs; errors and rollbacks behave as in the worker thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Insert, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

import sceneintruder.orm  # noqa: F401 - every table in the metadata
from sceneintruder.db import sqlite_cursor
from sceneintruder.db.base import Base
from sceneintruder.db.engine import create_engine
from sceneintruder.db.session import Database
from sceneintruder.users.models import User
from tests.support.db import hop_counter

pytestmark = pytest.mark.sqlite_only


async def _database(path: Path) -> Database:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return Database(engine)


def _user(user_id: str, role: str = "user") -> User:
    return User(id=user_id, username=user_id, password_hash=None, role=role)


def _values_insert(rows: int, start: int = 0) -> Insert:
    """An INSERT of `rows` users as one statement with a multi-row VALUES list (8 values a row)."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    values = [
        {"id": f"v{n}", "username": f"v{n}", "role": "crowd", "email": "", "preferences": {}, "saved_scenes": []}
        | {"created_at": when, "last_updated": when}
        for n in range(start, start + rows)
    ]
    return insert(User.__table__).values(values)


async def test_small_writes_take_no_hop_bulk_ones_and_the_commit_do(tmp_path: Path) -> None:
    db = await _database(tmp_path / "w.db")
    try:
        async with db.writer() as session:
            worker = (await (await session.connection()).get_raw_connection()).driver_connection
            hops = hop_counter(worker)
            session.add_all([_user("u1"), _user("u2"), _user("u3", role="admin")])
            await session.flush()  # BEGIN IMMEDIATE and one INSERT of three rows
            assert hops[0] == 0
            (await session.get(User, "u1")).display_name = "Ann"  # type: ignore[union-attr]
            await session.flush()  # UPDATE user_account SET ... WHERE user_account.id = ?
            assert hops[0] == 0
            await session.execute(update(User).where(User.role == "user").values(bio="bulk"))
            assert hops[0] == 1  # a bulk UPDATE: any number of rows
            session.add_all([_user(f"many{n}", role="crowd") for n in range(100)])
            await session.flush()  # an INSERT of 100 rows (executemany)
            assert hops[0] == 2
            await session.execute(_values_insert(130))  # one statement, a VALUES list of 1,040 values
            assert hops[0] == 3
            await session.execute(_values_insert(5, start=200))  # 40 values: small
            assert hops[0] == 3
            await session.execute(delete(User).where(User.role == "crowd"))
            await session.execute(delete(User).where(User.id == "u3"))
            assert hops[0] == 5  # a DELETE: its cascades may be large
            await session.commit()
            assert hops[0] == 6
        async with db.reader() as session:
            rows = (await session.execute(select(User.id, User.display_name, User.bio).order_by(User.id))).all()
        assert [tuple(row) for row in rows] == [("u1", "Ann", "bulk"), ("u2", None, "bulk")]
        async with db.reader() as session:  # a deferred transaction holds no write lock: its write hops
            worker = (await (await session.connection()).get_raw_connection()).driver_connection
            hops = hop_counter(worker)
            session.add(_user("u4"))
            await session.commit()
            assert hops[0] == 2  # the INSERT (which takes the lock) and the commit
    finally:
        await db.dispose()


async def test_the_loops_statements_run_no_pragma_and_the_worker_threads_wait_for_a_lock(tmp_path: Path) -> None:
    """A pooled connection rests with no busy wait, so neither a read on the loop (a writer's or a reader's) nor
    the BEGIN IMMEDIATE taken there runs a PRAGMA (each is prepared again every time: ~20 µs of the loop's CPU);
    a statement in the worker thread sets a wait for itself and leaves the connection at rest again."""
    db = await _database(tmp_path / "r.db")
    try:
        async with db.writer() as session:
            worker = (await (await session.connection()).get_raw_connection()).driver_connection
            assert worker._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
            traced: list[str] = []
            worker._conn.set_trace_callback(traced.append)
            session.add(_user("w0"))
            await session.flush()  # BEGIN IMMEDIATE on the loop and the INSERT
            assert traced[0] == "BEGIN IMMEDIATE" and not [t for t in traced if t.startswith("PRAGMA")]
            await session.execute(delete(User).where(User.id == "none"))  # a DELETE: the worker thread
            wait, statement, rest = traced[-3:]
            assert wait == f"PRAGMA busy_timeout={sqlite_cursor.BUSY_TIMEOUT_MS}" and rest == "PRAGMA busy_timeout=0"
            assert statement.startswith("DELETE FROM")
            worker._conn.set_trace_callback(None)
            await session.rollback()
        for writes in (True, False):
            session_of = db.writer if writes else db.reader
            async with session_of() as session:
                worker = (await (await session.connection()).get_raw_connection()).driver_connection
                traced: list[str] = []
                worker._conn.set_trace_callback(traced.append)
                hops = hop_counter(worker)
                if writes:
                    session.add(_user("w1"))
                    await session.flush()  # BEGIN IMMEDIATE (with its PRAGMAs) and the INSERT
                else:
                    await session.execute(select(User.id))  # BEGIN rides with it
                traced.clear()
                assert (await session.execute(select(User.id).where(User.id == "w1"))).all() == [("w1",)]
                pragmas = [statement for statement in traced if statement.startswith("PRAGMA busy_timeout")]
                assert pragmas == [] and hops[0] == 0
                assert worker._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
                worker._conn.set_trace_callback(None)
                await session.commit()
    finally:
        await db.dispose()


async def test_an_error_in_a_write_on_the_loop_fails_only_that_statement(tmp_path: Path) -> None:
    db = await _database(tmp_path / "e.db")
    try:
        async with db.writer() as session:
            session.add(_user("u1"))
            await session.commit()
        async with db.writer() as session:
            session.add(_user("u2"))
            await session.flush()
            async with session.begin_nested():  # a SAVEPOINT, so the transaction outlives the failed INSERT
                session.add(_user("u1"))
                with pytest.raises(IntegrityError, match="UNIQUE"):
                    await session.flush()
            await session.commit()
        async with db.writer() as session:
            session.add(_user("u1"))
            with pytest.raises(IntegrityError):
                await session.flush()
            await session.rollback()
            session.add(_user("u5"))
            await session.commit()  # the connection is usable after a rolled back transaction
        async with db.reader() as session:
            assert list((await session.scalars(select(User.id).order_by(User.id))).all()) == ["u1", "u2", "u5"]
    finally:
        await db.dispose()


async def test_a_writer_waits_for_a_held_write_lock_in_the_worker_thread_and_then_writes(tmp_path: Path) -> None:
    """With another connection holding the write lock, BEGIN IMMEDIATE is not taken on the loop (no busy wait
    there: the loop keeps running) but in the worker thread, which waits for the lock as before; the transaction
    then holds it and its small writes run on the loop again."""
    path = tmp_path / "l.db"
    db = await _database(path)
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, holder.commit)
    ticks = [0]
    stop = asyncio.Event()

    async def tick() -> None:
        while not stop.is_set():
            ticks[0] += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        async with db.writer() as session:
            worker = (await (await session.connection()).get_raw_connection()).driver_connection
            hops = hop_counter(worker)
            release.start()
            session.add(_user("w1"))
            await session.flush()
            assert hops[0] == 1 and ticks[0] >= 10  # waited in the worker thread; the loop kept ticking
            session.add(_user("w2"))
            await session.flush()
            assert hops[0] == 1  # the lock is held now: on the loop
            await session.commit()
        async with db.reader() as session:
            assert len((await session.scalars(select(User.id))).all()) == 2
        assert worker._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0  # at rest again, after waiting
    finally:
        stop.set()
        await ticker
        release.cancel()
        holder.close()
        await db.dispose()


@pytest.mark.parametrize(
    ("statement", "small"),
    [
        ("INSERT INTO user_account (id, username) VALUES (?, ?)", True),
        ("INSERT INTO user_account (id, username) SELECT id, name FROM scene_item", False),
        ("UPDATE user_account SET bio=? WHERE user_account.id = ?", True),
        ("UPDATE story SET reveal_counter=?, last_updated=? WHERE story.scene_id = ?", True),  # its primary key
        ("UPDATE story_node SET abandoned=? WHERE story_node.scene_id = ?", False),  # not the primary key
        ("UPDATE user_account SET bio=? WHERE user_account.role = ? AND user_account.id = ?", False),
        # a job's claim: its key, then conditions that only narrow it
        (
            "UPDATE job SET worker_id=? WHERE job.id = ? AND job.status = ?"
            " AND (job.worker_id IS NULL OR job.worker_id = ?)",
            True,
        ),
        ("UPDATE job SET cancel_requested=? WHERE job.id = ? AND job.status IN (?, ?, ?)", True),
        ("UPDATE job SET worker_id=? WHERE job.id = ? AND job.status = ? OR job.worker_id = ?", False),  # any rows
        ("UPDATE job SET worker_id=? WHERE job.id = ? AND job.status IN (SELECT status FROM job)", False),
        ("UPDATE job SET worker_id=? WHERE job.id = ? OR job.status = ?", False),
        ("UPDATE user_item SET name=? WHERE user_item.id = ?", False),  # one of a two-column primary key
        ("UPDATE unknown_table SET a=? WHERE unknown_table.id = ?", False),
        ("DELETE FROM user_account WHERE user_account.id = ?", False),
        ("SELECT 1", False),
    ],
)
def test_which_writes_are_small(statement: str, small: bool) -> None:
    assert sqlite_cursor._small_write(statement) is small


async def test_a_transaction_of_small_writes_commits_on_the_loop_and_a_long_one_in_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = await _database(path)
    try:
        async with db.writer() as session:
            worker = (await (await session.connection()).get_raw_connection()).driver_connection
            hops = hop_counter(worker)
            session.add(_user("s1"))
            await session.commit()
            assert hops[0] == 0
        other = sqlite3.connect(path)  # committed for real: another connection reads it
        assert other.execute("SELECT username FROM user_account").fetchall() == [("s1",)]
        async with db.writer() as session:
            worker = (await (await session.connection()).get_raw_connection()).driver_connection
            hops = hop_counter(worker)
            for n in range(sqlite_cursor.INLINE_WRITES + 3):
                session.add(_user(f"m{n}"))
                await session.flush()  # one INSERT each
            assert hops[0] == 3  # the writes past the transaction's inline ones
            await session.commit()
            assert hops[0] == 4  # and its commit
        assert other.execute("SELECT count(*) FROM user_account").fetchone()[0] == sqlite_cursor.INLINE_WRITES + 4
        other.close()
    finally:
        await db.dispose()


class _Contended:
    """A connection whose BEGIN finds the lock taken `busy` times (as SQLite says it, with no busy wait)."""

    def __init__(self, busy: int, error: str = "database is locked") -> None:
        self.busy, self.error, self.tries = busy, error, 0

    def execute(self, statement: str) -> None:
        assert statement == "BEGIN IMMEDIATE"
        self.tries += 1
        if self.tries <= self.busy:
            raise sqlite3.OperationalError(self.error)


def test_a_begin_in_the_worker_thread_tries_again_every_few_ms_not_on_sqlites_backoff(monkeypatch) -> None:
    """SQLite's busy wait sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries, so a writer queued behind a lock held
    for 3 ms slept well past its release; the worker thread tries again itself, at pauses that double up to
    BEGIN_POLL_SECONDS and no further."""
    pauses: list[float] = []
    monkeypatch.setattr(sqlite_cursor.time, "sleep", pauses.append)
    connection = _Contended(busy=12)
    sqlite_cursor._begin_waiting(connection, "BEGIN IMMEDIATE")  # type: ignore[arg-type]
    assert connection.tries == 13 and len(pauses) == 12
    assert pauses[0] < pauses[1] < pauses[2] < pauses[3] == sqlite_cursor.BEGIN_POLL_SECONDS
    assert set(pauses[3:]) == {sqlite_cursor.BEGIN_POLL_SECONDS}


def test_a_begin_in_the_worker_thread_gives_up_at_the_busy_timeout_or_at_once_on_another_error(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(sqlite_cursor.time, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(sqlite_cursor.time, "sleep", sleep)
    forever = _Contended(busy=10**9)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        sqlite_cursor._begin_waiting(forever, "BEGIN IMMEDIATE")  # type: ignore[arg-type]
    assert sqlite_cursor.BUSY_TIMEOUT_MS / 1000 <= clock[0] < sqlite_cursor.BUSY_TIMEOUT_MS / 1000 + 0.01
    broken = _Contended(busy=1, error="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        sqlite_cursor._begin_waiting(broken, "BEGIN IMMEDIATE")  # type: ignore[arg-type]
    assert broken.tries == 1


async def test_sessions_one_after_another_get_the_connection_used_last(tmp_path: Path) -> None:
    """The pool is a stack on SQLite: the connection that wrote last (page cache still good) is handed out next,
    not the one idle longest (whose cache SQLite drops at its next BEGIN, another having written since)."""
    db = await _database(tmp_path / "lifo.db")
    try:
        async with db.reader() as first, db.reader() as second:  # two connections in the pool
            one = (await (await first.connection()).get_raw_connection()).driver_connection
            two = (await (await second.connection()).get_raw_connection()).driver_connection
            assert one is not two
        # `second` went back first, `first` last (a queue would hand out `two` next, then `one`, then `two`)
        for _ in range(3):
            async with db.writer() as session:
                session.add(_user(f"u{_}"))
                await session.flush()
                used = (await (await session.connection()).get_raw_connection()).driver_connection
                await session.commit()
            assert used is one
    finally:
        await db.dispose()

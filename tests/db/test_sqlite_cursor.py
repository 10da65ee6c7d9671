"""At most one thread hop per SQLite statement: the cursor runs cursor, execute, fetch and close as one call in
aiosqlite's worker thread (a read, on the event loop's thread, within a budget and with no busy wait), and
SQLAlchemy still sees rows, descriptions, row counts and last row ids."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from sceneintruder.db import sqlite_cursor
from sceneintruder.db.engine import SQLITE_BEGIN_OPTION, create_engine
from sceneintruder.db.sqlite_cursor import OneHopConnection
from tests.support.db import hop_counter

pytestmark = pytest.mark.sqlite_only


async def test_a_write_is_one_hop_a_read_none_and_it_reads_what_it_wrote(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            adapted = raw.dbapi_connection
            assert type(adapted) is OneHopConnection
            worker = adapted._connection
            hops = hop_counter(worker)
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
            hops[0] = 0
            inserted = await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": "a"})
            assert hops[0] == 1 and inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
            assert many.rowcount == 2
            hops[0] = 0
            rows = (await connection.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
            assert hops[0] == 0 and [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
            updated = await connection.execute(text("UPDATE t SET name = 'z' WHERE id > 1"))
            assert updated.rowcount == 2
            with pytest.raises(Exception, match="no such table"):
                await connection.execute(text("SELECT * FROM missing"))
    finally:
        await engine.dispose()


async def test_the_pool_rolls_back_an_open_transaction_and_skips_a_finished_ones_rollback(tmp_path: Path) -> None:
    """A connection back in the pool is rolled back only when it is still in a transaction: what it did not commit
    is gone, and a committed one goes back without another thread hop."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            worker = raw.dbapi_connection._connection
            original = worker._execute
            hops: list[str] = []

            async def counted(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
                hops.append(getattr(fn, "__name__", ""))
                return await original(fn, *args, **kwargs)

            worker._execute = counted
            await connection.execute(text("INSERT INTO t (name) VALUES ('committed')"))
            await connection.commit()
            hops.clear()
        assert hops == []  # back in the pool after a commit: no rollback sent
        async with engine.connect() as connection:  # a transaction SQLAlchemy does not know of, left open
            driver = (await connection.get_raw_connection()).driver_connection
            await driver.execute("BEGIN")
            await driver.execute("INSERT INTO t (name) VALUES ('never committed')")
            assert driver.in_transaction
        assert not driver.in_transaction  # the pool rolled it back
        async with engine.connect() as connection:
            names = (await connection.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all()
        assert names == ["committed"]
    finally:
        await engine.dispose()


async def test_begin_rides_with_the_first_statement_and_keeps_its_meaning(tmp_path: Path) -> None:
    """A transaction's BEGIN costs no thread hop of its own (it runs with the first statement), one that ends
    with nothing done costs none, and BEGIN IMMEDIATE still holds the write lock from its first statement on: a
    second writer waits for it instead of failing, and reads inside a transaction see one snapshot."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    writer = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        async with writer.connect() as connection:
            worker = (await connection.get_raw_connection()).driver_connection
            hops = hop_counter(worker)
            async with connection.begin():
                assert hops[0] == 0 and not worker.in_transaction  # nothing sent yet
                await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
                assert hops[0] == 0 and worker.in_transaction  # the lock was free: BEGIN and INSERT on the loop
            assert hops[0] == 0 and not worker.in_transaction  # committed, on the loop too (small writes only)
            async with connection.begin():
                pass
            async with connection.begin() as transaction:
                await transaction.rollback()
            assert hops[0] == 0 and not worker.in_transaction  # nothing began, nothing to end

            async with connection.begin():
                await connection.execute(text("SELECT count(*) FROM t"))  # IMMEDIATE: the write lock is held now
                other = sqlite3.connect(tmp_path / "x.db", timeout=0)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                other.close()

        async with engine.connect() as reader, reader.begin():  # a plain BEGIN: one snapshot from its first read
            first = (await reader.execute(text("SELECT count(*) FROM t"))).scalar()
            async with writer.begin() as other_writer:
                await other_writer.execute(text("INSERT INTO t (name) VALUES ('b')"))
            again = (await reader.execute(text("SELECT count(*) FROM t"))).scalar()
            assert first == again == 1
        async with engine.connect() as reader:
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    finally:
        await engine.dispose()


async def _ticking(ticks: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        ticks[0] += 1
        await asyncio.sleep(0.005)


LONG_READ = (
    "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) "
    "SELECT x FROM c)"
)


async def test_a_long_read_is_finished_in_the_worker_thread_and_goes_there_from_then_on(tmp_path: Path) -> None:
    """A read that overruns the budget on the loop's thread is interrupted and run again in the worker thread,
    inside the same transaction (its BEGIN is not sent twice), while the loop keeps serving; its SQL then goes
    straight to the worker thread."""
    sqlite_cursor._slow_statements.clear()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            hops = hop_counter((await connection.get_raw_connection()).driver_connection)
            ticks, stop = [0], asyncio.Event()
            ticker = asyncio.create_task(_ticking(ticks, stop))
            await asyncio.sleep(0)
            async with connection.begin():
                counted = (await connection.execute(text(LONG_READ))).scalar()
                ticks_during = ticks[0]
                assert counted == 3_000_000 and hops[0] == 1
                assert LONG_READ in sqlite_cursor._slow_statements
                assert (await connection.execute(text("SELECT 1"))).scalar() == 1  # still the same transaction
            stop.set()
            await ticker
            assert ticks_during > 1  # the loop ran while the worker thread counted
            hops[0] = 0
            assert (await connection.execute(text(LONG_READ))).scalar() == 3_000_000
            assert hops[0] == 1  # straight to the worker thread
            assert (await connection.execute(text("SELECT 2"))).scalar() == 2 and hops[0] == 1  # others stay
    finally:
        sqlite_cursor._slow_statements.discard(LONG_READ)
        await engine.dispose()


def test_a_read_on_the_loops_thread_never_waits_for_a_lock(tmp_path: Path) -> None:
    """On the loop's thread a read runs with no busy wait (a connection's state at rest): held off by a lock (here a
    rollback-journal file whose writer is committing), it gives up at once (to be run in the worker thread, which
    waits as before), and the connection still has no busy wait afterwards."""
    path = tmp_path / "journal.db"
    reader = sqlite3.connect(path, timeout=0, check_same_thread=False)  # as `adopt` leaves a pooled one
    reader.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    reader.commit()
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # no reader may start until it ends

    class Driver:  # what `_run_inline` needs of aiosqlite's connection
        _conn = reader

    done = threading.Event()

    def release_later() -> None:  # a read that waited would get its rows once this lets go, and not give up
        done.wait(10)
        holder.rollback()

    releaser = threading.Thread(target=release_later)
    releaser.start()
    try:
        with pytest.raises(sqlite_cursor._NotInline, match="busy"):
            sqlite_cursor._run_inline(Driver, lambda: reader.execute("SELECT count(*) FROM t").fetchall())
    finally:
        done.set()
        releaser.join()
    assert reader.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    assert sqlite_cursor._run_inline(Driver, lambda: reader.execute("SELECT count(*) FROM t").fetchall()) == [(0,)]
    holder.close()
    reader.close()


async def test_a_with_query_that_reads_runs_on_the_loop_and_one_that_writes_goes_to_the_worker(tmp_path: Path) -> None:
    """A recursive walk (WITH ... SELECT) is a read like a SELECT: no hop. In SQLite a WITH may lead to a write;
    one that names a write goes to the worker thread, and its transaction's COMMIT with it."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    walk = "WITH RECURSIVE up(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM up WHERE n < 5) SELECT sum(n) FROM up"
    try:
        async with engine.connect() as connection:
            hops = hop_counter((await connection.get_raw_connection()).driver_connection)
            await connection.execute(text("CREATE TABLE t (n INTEGER)"))
            await connection.commit()
            hops[0] = 0
            assert (await connection.execute(text(walk))).scalar() == 15
            assert hops[0] == 0
            await connection.execute(text("WITH v(n) AS (SELECT 7) INSERT INTO t SELECT n FROM v"))
            assert hops[0] == 1
            await connection.commit()
            assert (await connection.execute(text("SELECT n FROM t"))).scalar() == 7
    finally:
        await engine.dispose()


async def test_a_short_read_the_os_pauses_stays_on_the_loop(tmp_path: Path) -> None:
    """The budget is CPU time: a read that takes little CPU stays on the loop's thread even when it is paused for
    longer than the budget (here by a function that sleeps, as the OS may pause a thread on a busy machine)."""
    paused = (
        "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT pause(1) UNION ALL SELECT x + 1 FROM c LIMIT 3000) "
        "SELECT x FROM c)"
    )
    sqlite_cursor._slow_statements.clear()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            await connection.execute(text("SELECT 1"))

            def pause(value: int) -> int:
                time.sleep(sqlite_cursor.INLINE_BUDGET_SECONDS * 5)
                return value

            driver._conn.create_function("pause", 1, pause)
            hops = hop_counter(driver)
            assert (await connection.execute(text(paused))).scalar() == 3000
            assert hops[0] == 0 and paused not in sqlite_cursor._slow_statements
    finally:
        sqlite_cursor._slow_statements.discard(paused)
        await engine.dispose()

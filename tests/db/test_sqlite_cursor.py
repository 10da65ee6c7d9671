"""One thread hop per SQLite statement: the cursor runs cursor, execute, fetch and close as one call in aiosqlite's
worker thread, and SQLAlchemy still sees rows, descriptions, row counts and last row ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from sceneintruder.db.engine import create_engine
from sceneintruder.db.sqlite_cursor import OneHopConnection

pytestmark = pytest.mark.sqlite_only


async def test_a_statement_is_one_hop_and_reads_what_it_wrote(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            adapted = raw.dbapi_connection
            assert type(adapted) is OneHopConnection
            worker = adapted._connection
            original = worker._execute
            hops = 0

            async def counted(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
                nonlocal hops
                hops += 1
                return await original(fn, *args, **kwargs)

            worker._execute = counted
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
            hops = 0
            inserted = await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": "a"})
            assert hops == 1 and inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
            assert many.rowcount == 2
            hops = 0
            rows = (await connection.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
            assert hops == 1 and [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
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

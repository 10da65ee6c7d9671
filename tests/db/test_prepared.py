"""`db.prepared.Prepared`: a hot path's statement, run by the SQLite driver directly, gives what SQLAlchemy's own
execution gives (the same rows, typed alike; the same writes; the same exception classes), and goes through
SQLAlchemy where it must (another database, an engine being watched)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text, bindparam, event, insert, select
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from sceneintruder.db.base import UTCDateTime
from sceneintruder.db.engine import create_engine
from sceneintruder.db.prepared import Prepared

_META = MetaData()
_PROBE = Table(
    "prepared_probe",
    _META,
    Column("id", String(16), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("at", UTCDateTime(timezone=True)),
    Column("data", JSON, nullable=False),
    Column("note", Text),
)
_SELECT = select(_PROBE.c.id, _PROBE.c.n, _PROBE.c.flag, _PROBE.c.at, _PROBE.c.data, _PROBE.c.note).where(
    _PROBE.c.n >= bindparam("least")
)
_ORDERED = _SELECT.order_by(_PROBE.c.id)
_UPDATE = sa_update(_PROBE).where(_PROBE.c.id == bindparam("key")).values(flag=True, n=bindparam("new_n"), note=None)
_COLUMNS = ("id", "n", "flag", "at", "data", "note")
_ROWS: list[dict[str, Any]] = [
    {
        "id": "a",
        "n": 1,
        "flag": False,
        "at": datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=UTC),
        "data": {"k": [1]},
        "note": "x",
    },
    {"id": "b", "n": 2, "flag": True, "at": None, "data": ["中文", {"n": None}], "note": None},
]


@pytest.fixture
async def engine(app: Any) -> AsyncIterator[AsyncEngine]:
    """The test database's engine (SQLite or PostgreSQL), with the probe table."""
    engine: AsyncEngine = app.state.db.engine
    async with engine.begin() as connection:
        await connection.run_sync(_META.create_all)
    yield engine


async def test_rows_and_writes_are_what_sqlalchemy_gives(engine: AsyncEngine) -> None:
    prepared_insert = Prepared(insert(_PROBE), column_keys=_COLUMNS)
    async with engine.begin() as connection:
        await prepared_insert.executemany(connection, _ROWS)
    async with engine.connect() as connection:
        expected = [tuple(row) for row in await connection.execute(_ORDERED, {"least": 0})]
        got = await Prepared(_ORDERED).rows(connection, {"least": 0})
    assert got == expected == [tuple(row[key] for key in _COLUMNS) for row in _ROWS]
    assert isinstance(got[0][2], bool) and got[0][3] == _ROWS[0]["at"] and got[0][3].tzinfo is not None

    async with engine.begin() as connection:
        changed = await Prepared(_UPDATE).execute(connection, {"key": "a", "new_n": 7})
        missing = await Prepared(_UPDATE).execute(connection, {"key": "zz", "new_n": 7})
    assert (changed, missing) == (1, 0)
    async with engine.connect() as connection:
        after = await Prepared(_ORDERED).rows(connection, {"least": 2})
    assert after == [
        ("a", 7, True, _ROWS[0]["at"], {"k": [1]}, None),
        ("b", 2, True, None, ["中文", {"n": None}], None),
    ]


async def test_an_update_uses_its_fixed_values_and_a_missing_value_is_an_error(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await Prepared(insert(_PROBE), column_keys=_COLUMNS).execute(connection, _ROWS[0])
        await Prepared(_UPDATE).execute(connection, {"key": "a", "new_n": 5})
        with pytest.raises(StatementError, match="new_n"):
            await Prepared(_UPDATE).execute(connection, {"key": "a"})
    async with engine.connect() as connection:
        assert await Prepared(_SELECT).rows(connection, {"least": 0}) == [
            ("a", 5, True, _ROWS[0]["at"], {"k": [1]}, None)
        ]


async def test_a_driver_error_is_sqlalchemys_exception_with_the_parameters_hidden(engine: AsyncEngine) -> None:
    prepared = Prepared(insert(_PROBE), column_keys=_COLUMNS)
    async with engine.begin() as connection:
        await prepared.execute(connection, {**_ROWS[0], "note": "secret prose"})
    async with engine.connect() as connection:
        with pytest.raises(IntegrityError) as raised:
            await prepared.execute(connection, {**_ROWS[0], "note": "secret prose"})
    assert "secret prose" not in str(raised.value)


@pytest.mark.sqlite_only
async def test_on_sqlite_sqlalchemys_execution_is_skipped(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    async with engine.begin() as connection:
        await Prepared(insert(_PROBE), column_keys=_COLUMNS).executemany(connection, _ROWS)

    def not_here(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("went through SQLAlchemy's execution")

    monkeypatch.setattr(Connection, "_execute_clauseelement", not_here)
    async with engine.begin() as connection:
        assert len(await Prepared(_SELECT).rows(connection, {"least": 0})) == 2
        assert await Prepared(_UPDATE).execute(connection, {"key": "b", "new_n": 3}) == 1


async def test_a_watched_engine_sees_every_statement(engine: AsyncEngine) -> None:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        async with engine.begin() as connection:
            await Prepared(insert(_PROBE), column_keys=_COLUMNS).executemany(connection, _ROWS)
            rows = await Prepared(_SELECT).rows(connection, {"least": 2})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
    assert [row[0] for row in rows] == ["b"]
    assert [statement.split()[0] for statement in seen] == ["INSERT", "SELECT"]


@pytest.mark.sqlite_only
async def test_a_statement_with_defaults_to_compute_is_refused(tmp_path: Any) -> None:
    """An INSERT leaving out a column whose default SQLAlchemy computes in Python: not run short of it."""
    meta = MetaData()
    table = Table("d", meta, Column("id", Integer, primary_key=True), Column("v", String(8), default=lambda: "x"))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(meta.create_all)
            with pytest.raises(ValueError, match="defaults"):
                await Prepared(insert(table), column_keys=["id"]).execute(connection, {"id": 1})
            with pytest.raises(ValueError, match="defaults"):  # an expanding IN
                await Prepared(select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True)))).rows(
                    connection, {"ids": [1]}
                )
    finally:
        await engine.dispose()

"""Several SELECTs read as one statement (db.json_bundle) give each part exactly the rows, order and Python values
the part gives alone, on SQLite and on PostgreSQL (SCENEINTRUDER_TEST_DATABASE)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    event,
    exists,
    func,
    insert,
    select,
)

from sceneintruder.db.json_bundle import JsonBundle

metadata = MetaData()
things = Table(
    "bundle_thing",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("kind", String(20)),
    Column("rank", Integer),
    Column("weight", Float),
    Column("note", Text, nullable=True),
    Column("tags", JSON),
    Column("active", Boolean),
    Column("made_at", DateTime),
)
ROWS = [
    {"id": "a", "kind": "x", "rank": 3, "weight": 1.5, "note": "第一", "tags": ["t", {"n": 1}], "active": True},
    {"id": "b", "kind": "x", "rank": 1, "weight": -2.0, "note": None, "tags": [], "active": False},
    {"id": "c", "kind": "x", "rank": 2, "weight": 0.0, "note": '{"looks": "like json"}', "tags": None, "active": None},
    {
        "id": "d",
        "kind": "y",
        "rank": 1,
        "weight": 9.25,
        "note": 'quote " and \\ back',
        "tags": {"k": "v"},
        "active": True,
    },
    {"id": "e", "kind": "x", "rank": 2, "weight": 3.0, "note": "tie on rank, after c", "tags": [1, 2], "active": False},
]
KIND = bindparam("kind")
COLUMNS = (things.c.id, things.c.rank, things.c.weight, things.c.note, things.c.tags, things.c.active)
BY_RANK = (things.c.rank, things.c.id)
NEWEST = (things.c.rank.desc(), things.c.id.desc())
PARTS = {
    "ranked": (select(*COLUMNS).where(things.c.kind == KIND).order_by(*BY_RANK), BY_RANK),
    "top_two": (select(things.c.id).where(things.c.kind == KIND).order_by(*NEWEST).limit(bindparam("top")), NEWEST),
    "none": (select(things.c.id, things.c.tags).where(things.c.kind == "nobody").order_by(things.c.id), ()),
    "count": (select(func.count()).select_from(things).where(things.c.kind == KIND), ()),
    "any_y": (select(exists().where(things.c.kind == "y")), ()),
}


@pytest.fixture
async def db(app):
    database = app.state.db
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(things), [{**row, "made_at": None} for row in ROWS])
    yield database
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


async def _alone(session, query, params: dict[str, Any]) -> list[tuple]:
    return [tuple(row) for row in (await session.execute(query, params)).all()]


async def test_each_part_reads_what_it_reads_alone_in_one_statement(db) -> None:
    bundle = JsonBundle(PARTS)
    params = {"kind": "x", "top": 2}
    statements: list[str] = []
    engine = db.engine.sync_engine

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    async with db.reader() as session:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            parts = await bundle.read(session, params)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert len(statements) == 1
        for name, (query, _order) in PARTS.items():
            assert parts[name] == await _alone(session, query, params), name
    assert [row[0] for row in parts["ranked"]] == ["b", "c", "e", "a"]
    assert parts["ranked"][-1] == ("a", 3, 1.5, "第一", ["t", {"n": 1}], True)
    assert parts["ranked"][0] == ("b", 1, -2.0, None, [], False)
    assert parts["ranked"][1][3:] == ('{"looks": "like json"}', None, None)  # text stays text; NULLs stay None
    assert parts["top_two"] == [("a",), ("e",)]
    assert parts["none"] == [] and parts["count"] == [(4,)] and parts["any_y"] == [(True,)]
    assert all(type(row[5]) is bool for row in parts["ranked"] if row[5] is not None)


async def test_another_kind_reads_other_rows_through_the_same_built_statement(db) -> None:
    bundle = JsonBundle(PARTS)
    async with db.reader() as session:
        x = await bundle.read(session, {"kind": "x", "top": 1})
        y = await bundle.read(session, {"kind": "y", "top": 5})
    assert x["top_two"] == [("a",)]
    assert y["ranked"] == [("d", 1, 9.25, 'quote " and \\ back', {"k": "v"}, True)]
    assert y["top_two"] == [("d",)] and y["count"] == [(1,)]


def test_a_date_column_is_refused_where_the_bundle_is_built() -> None:
    with pytest.raises(TypeError, match="made_at"):
        JsonBundle({"dated": (select(things.c.id, things.c.made_at), (things.c.id,))})

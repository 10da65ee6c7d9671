"""SQLite is configured as promised: WAL, foreign keys, and writers that queue instead of failing."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from sceneintruder.core.principal import Role
from sceneintruder.users import service as users_service
from sceneintruder.users.schemas import UserItemWrite
from tests.support.builders import make_user


@pytest.mark.sqlite_only
async def test_wal_and_foreign_keys_are_on(app) -> None:
    async with app.state.db.reader() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_concurrent_writers_all_land(app) -> None:
    await make_user(app, "alice", role=Role.USER)

    async def add(n: int) -> None:
        async with app.state.db.writer() as session:
            await users_service.add_item(session, user_id="alice", data=UserItemWrite(name=f"thing {n}"), cache=None)

    await asyncio.gather(*(add(n) for n in range(30)))
    async with app.state.db.reader() as session:
        items = await users_service.list_items(session, user_id="alice")
    assert sorted(item.name for item in items) == sorted(f"thing {n}" for n in range(30))


async def test_deleting_a_user_cascades_to_their_rows(app) -> None:
    await make_user(app, "alice")
    async with app.state.db.writer() as session:
        await users_service.add_item(session, user_id="alice", data=UserItemWrite(name="x"), cache=None)
        await session.execute(text("DELETE FROM user_account WHERE id = 'alice'"))
        await session.commit()
        left = (await session.execute(text("SELECT count(*) FROM user_item"))).scalar()
    assert left == 0


def test_a_deadlock_victim_is_told_from_other_database_errors() -> None:
    from sqlalchemy.exc import DBAPIError

    from sceneintruder.db.session import is_deadlock

    class Victim(Exception):
        sqlstate = "40P01"

    class Unique(Exception):
        sqlstate = "23505"

    assert is_deadlock(DBAPIError("DELETE", {}, Victim("deadlock detected")))
    assert not is_deadlock(DBAPIError("INSERT", {}, Unique("duplicate key value")))

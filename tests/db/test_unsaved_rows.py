"""`db.base.unsaved` and `db.base.loaded`: ORM objects built without attribute events behave as `model(**values)`
ones do where the hot paths use them (inserted by the unit of work or a Core INSERT; detached as loaded)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, select

from sceneintruder.db.base import insert_values, loaded, unsaved
from sceneintruder.users.models import User


def _values(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": f"name-{user_id}", "password_hash": None, "role": "user"}


async def test_an_unsaved_row_is_inserted_whole_by_the_unit_of_work(app: Any) -> None:
    db = app.state.db
    async with db.writer() as session:
        session.add(unsaved(User, _values("u-fast")))
        session.add(User(**_values("u-slow")))
        await session.commit()
    async with db.reader() as session:
        rows = {user.id: user for user in (await session.scalars(select(User).where(User.id.like("u-%")))).all()}
    fast, slow = rows["u-fast"], rows["u-slow"]
    assert (fast.username, fast.role, fast.password_hash) == ("name-u-fast", "user", None)
    columns = [attr.key for attr in inspect(User).column_attrs if attr.key not in {"id", "username"}]
    # defaults the INSERT filled in (timestamps aside) are the same either way
    assert {key: getattr(fast, key) for key in columns if "_at" not in key and "updated" not in key} == {
        key: getattr(slow, key) for key in columns if "_at" not in key and "updated" not in key
    }


def test_an_unsaved_row_gives_a_core_insert_the_values_it_was_given() -> None:
    assert insert_values(unsaved(User, _values("u1"))) == insert_values(User(**_values("u1")))


def test_a_loaded_row_is_detached_with_nothing_pending() -> None:
    row = loaded(User, _values("u2"))
    state = inspect(row)
    assert state.detached and state.identity == ("u2",)
    assert not state.modified and row.username == "name-u2"
    row.username = "changed"
    assert state.modified  # changes are tracked from there on, as on any loaded row


def test_an_unknown_attribute_is_refused() -> None:
    with pytest.raises(TypeError, match="nickname"):
        unsaved(User, {**_values("u3"), "nickname": "x"})

"""load_owned: the owner and admins get the row; anyone else, and any bad id, gets the domain's 404."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sceneintruder.core.errors import ResourceNotFound as NoteNotFound
from sceneintruder.core.principal import Principal, Role
from sceneintruder.db.ownership import OwnedMixin, load_owned


class _Base(DeclarativeBase):
    pass


class _Account(_Base):  # stands in for user_account, which owner_id references
    __tablename__ = "user_account"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)


class _Note(OwnedMixin, _Base):
    __tablename__ = "note"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)


@pytest.fixture
async def session(tmp_path) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'owned.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    async with async_sessionmaker(engine)() as s:
        s.add_all([_Account(id="alice"), _Account(id="bob"), _Note(id="note_1", owner_id="alice")])
        await s.commit()
        yield s
    await engine.dispose()


def _user(name: str, role: Role = Role.USER) -> Principal:
    return Principal(user_id=name, role=role, authenticated=True)


async def test_owner_and_admin_load_it(session: AsyncSession) -> None:
    assert (await load_owned(session, _Note, "note_1", _user("alice"), missing=NoteNotFound)).id == "note_1"
    assert (await load_owned(session, _Note, "note_1", _user("root", Role.ADMIN), missing=NoteNotFound)).id


@pytest.mark.parametrize(("note_id", "who"), [("note_1", "bob"), ("note_2", "alice"), ("../etc", "alice")])
async def test_others_missing_and_malformed_ids_are_the_same_404(session, note_id: str, who: str) -> None:
    with pytest.raises(NoteNotFound) as caught:
        await load_owned(session, _Note, note_id, _user(who), missing=NoteNotFound)
    assert caught.value.status_code == 404 and caught.value.details == note_id


async def test_the_guest_is_an_owner_like_any_other(session: AsyncSession) -> None:
    with pytest.raises(NoteNotFound):
        await load_owned(session, _Note, "note_1", Principal.guest(), missing=NoteNotFound)

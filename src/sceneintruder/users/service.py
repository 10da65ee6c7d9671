"""Users: profiles, preferences, items and skills, plus the account operations the CLI and bootstrap use."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.cache import TTLCache
from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import BadRequest, Conflict, NotFound
from sceneintruder.core.ids import is_valid_id, new_id
from sceneintruder.core.jsoncodec import dumps
from sceneintruder.core.principal import GUEST_USER_ID, Role
from sceneintruder.db.session import Database
from sceneintruder.users.errors import UserItemNotFound, UserNotFound, UserSkillNotFound
from sceneintruder.users.models import User, UserItem, UserSkill
from sceneintruder.users.runtime import ProfileCache as ProfileCache
from sceneintruder.users.runtime import UsersRuntime
from sceneintruder.users.schemas import (
    Effect,
    Preferences,
    UserItemRead,
    UserItemWrite,
    UserRead,
    UserSkillRead,
    UserSkillWrite,
    UserUpdate,
)
from sceneintruder.web.state import AppState

Owned = TypeVar("Owned", UserItem, UserSkill)
"""Profiles by user id. Every write below takes the cache and drops that user's entry after committing."""


def _changed(cache: ProfileCache | None, user_id: str) -> None:
    if cache is not None:
        cache.invalidate(user_id)


# --- accounts ---------------------------------------------------------------------------------------------------


async def get_user(session: AsyncSession, *, user_id: str) -> User:
    user = await session.get(User, user_id) if is_valid_id(user_id) else None
    if user is None:
        raise UserNotFound(details=f"用户ID: {user_id}")
    return user


async def find_account(session: AsyncSession, *, user_id: str) -> User | None:
    return await session.get(User, user_id) if is_valid_id(user_id) else None


async def get_role(session: AsyncSession, *, user_id: str) -> Role | None:
    role = await session.scalar(select(User.role).where(User.id == user_id))
    return Role(role) if role else None


async def create_account(
    session: AsyncSession, *, user_id: str, password_hash: str | None, role: Role = Role.USER, commit: bool = True
) -> User:
    if not is_valid_id(user_id) or len(user_id) > 64:
        raise BadRequest("用户名无效", details="letters, digits and _.:- only, at most 64 characters")
    if await session.get(User, user_id) is not None:
        raise Conflict("用户已存在", details=user_id)
    now = utcnow()
    user = User(
        id=user_id,
        username=user_id,
        password_hash=password_hash,
        role=role.value,
        email=f"{user_id}@local",
        preferences=Preferences().model_dump(exclude_none=True),
        saved_scenes=[],
        created_at=now,
        last_updated=now,
    )
    session.add(user)
    if commit:
        await session.commit()
    return user


async def set_password_hash(
    session: AsyncSession, *, user_id: str, password_hash: str, cache: ProfileCache | None
) -> None:
    user = await get_user(session, user_id=user_id)
    user.password_hash = password_hash
    user.last_updated = utcnow()
    await session.commit()
    _changed(cache, user_id)


async def list_accounts(session: AsyncSession) -> list[User]:
    return list((await session.scalars(select(User).order_by(User.created_at, User.id))).all())


async def count_admins(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)) or 0)


async def ensure_guest_account(session: AsyncSession, *, commit: bool = True) -> None:
    if await session.get(User, GUEST_USER_ID) is None:
        await create_account(session, user_id=GUEST_USER_ID, password_hash=None, role=Role.USER, commit=commit)


async def record_login(session: AsyncSession, *, user: User, cache: ProfileCache | None) -> None:
    user.last_login = utcnow()
    await session.commit()
    _changed(cache, user.id)


# --- profile and preferences ------------------------------------------------------------------------------------


async def read_user(session: AsyncSession, *, user_id: str, cache: ProfileCache | None) -> UserRead:
    user = await get_user(session, user_id=user_id)
    items = await _list(session, UserItem, user_id)
    skills = await _list(session, UserSkill, user_id)
    profile = _user_read(user, items, skills)
    if cache is not None:
        cache.put(user_id, _as_json(profile))
    return profile


def _as_json(profile: UserRead) -> orjson.Fragment:
    """A profile as the envelope encodes it: what the profile cache keeps."""
    return orjson.Fragment(dumps(profile))


async def read_profile(db: Database, *, user_id: str, cache: ProfileCache) -> orjson.Fragment:
    """A profile's JSON (a UserRead, as the envelope would encode it) from the cache, or from a short reader
    session of its own when it is not there."""

    async def load() -> orjson.Fragment:
        async with db.reader() as session:
            return _as_json(await read_user(session, user_id=user_id, cache=None))

    return await cache.get_or_load(user_id, load)


def _user_read(user: User, items: list[UserItem], skills: list[UserSkill]) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        email=user.email,
        role=user.role,
        avatar=user.avatar,
        display_name=user.display_name,
        bio=user.bio,
        created_at=user.created_at,
        last_login=user.last_login,
        last_updated=user.last_updated,
        preferences=Preferences.model_validate(user.preferences or {}),
        saved_scenes=list(user.saved_scenes or []),
        items=[UserItemRead.model_validate(item, from_attributes=True) for item in items],
        skills=[UserSkillRead.model_validate(skill, from_attributes=True) for skill in skills],
    )


async def update_user(session: AsyncSession, *, user_id: str, data: UserUpdate, cache: ProfileCache | None) -> UserRead:
    user = await get_user(session, user_id=user_id)
    present = data.model_fields_set
    if "username" in present and data.username:
        user.username = data.username
    for field in ("display_name", "bio", "avatar"):
        if field in present:
            setattr(user, field, getattr(data, field) or None)
    if "preferences" in present and data.preferences is not None:
        user.preferences = data.preferences.model_dump(exclude_none=True)
    user.last_updated = utcnow()
    await session.commit()
    _changed(cache, user_id)
    return await read_user(session, user_id=user_id, cache=cache)


async def get_preferences(session: AsyncSession, *, user_id: str) -> Preferences:
    user = await get_user(session, user_id=user_id)
    return Preferences.model_validate(user.preferences or {})


async def set_preferences(
    session: AsyncSession, *, user_id: str, preferences: Preferences, cache: ProfileCache | None
) -> Preferences:
    user = await get_user(session, user_id=user_id)
    user.preferences = preferences.model_dump(exclude_none=True)
    user.last_updated = utcnow()
    await session.commit()
    _changed(cache, user_id)
    return preferences


# --- items and skills (same storage pattern, different validation) --------------------------------------------


async def _list(session: AsyncSession, model: type[Owned], user_id: str) -> list[Owned]:
    rows = await session.scalars(select(model).where(model.user_id == user_id).order_by(model.created, model.id))
    return list(rows.all())


async def _get(session: AsyncSession, model: type[Owned], user_id: str, row_id: str, missing: type[NotFound]) -> Owned:
    row = await session.get(model, (user_id, row_id)) if is_valid_id(row_id) else None
    if row is None:
        raise missing(details=f"ID: {row_id}")
    return row


async def _insert(
    session: AsyncSession,
    model: type[Owned],
    user_id: str,
    prefix: str,
    fields: dict[str, Any],
    cache: ProfileCache | None,
) -> Owned:
    await get_user(session, user_id=user_id)
    row_id = fields.pop("id", None) or new_id(prefix)
    if await session.get(model, (user_id, row_id)) is not None:
        raise Conflict("ID已存在", details=row_id)
    now = utcnow()
    row = model(user_id=user_id, id=row_id, created=now, updated=now, **fields)
    session.add(row)
    await session.commit()
    _changed(cache, user_id)
    return row


async def _replace(
    session: AsyncSession,
    model: type[Owned],
    user_id: str,
    row_id: str,
    missing: type[NotFound],
    fields: dict[str, Any],
    cache: ProfileCache | None,
) -> Owned:
    row = await _get(session, model, user_id, row_id, missing)
    fields.pop("id", None)
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated = utcnow()
    await session.commit()
    _changed(cache, user_id)
    return row


async def _delete(
    session: AsyncSession,
    model: type[Owned],
    user_id: str,
    row_id: str,
    missing: type[NotFound],
    cache: ProfileCache | None,
) -> None:
    row = await _get(session, model, user_id, row_id, missing)
    await session.delete(row)
    await session.commit()
    _changed(cache, user_id)


def _item_fields(data: UserItemWrite) -> dict[str, Any]:
    fields = data.model_dump()
    fields["effects"] = [effect.model_dump(exclude_none=True) for effect in data.effects]
    return fields


async def list_items(session: AsyncSession, *, user_id: str) -> list[UserItemRead]:
    await get_user(session, user_id=user_id)
    return [UserItemRead.model_validate(row, from_attributes=True) for row in await _list(session, UserItem, user_id)]


async def add_item(
    session: AsyncSession, *, user_id: str, data: UserItemWrite, cache: ProfileCache | None
) -> UserItemRead:
    row = await _insert(session, UserItem, user_id, "item", _item_fields(data), cache)
    return UserItemRead.model_validate(row, from_attributes=True)


async def get_item(session: AsyncSession, *, user_id: str, item_id: str) -> UserItemRead:
    row = await _get(session, UserItem, user_id, item_id, UserItemNotFound)
    return UserItemRead.model_validate(row, from_attributes=True)


async def replace_item(
    session: AsyncSession, *, user_id: str, item_id: str, data: UserItemWrite, cache: ProfileCache | None
) -> UserItemRead:
    row = await _replace(session, UserItem, user_id, item_id, UserItemNotFound, _item_fields(data), cache)
    return UserItemRead.model_validate(row, from_attributes=True)


async def delete_item(session: AsyncSession, *, user_id: str, item_id: str, cache: ProfileCache | None) -> None:
    await _delete(session, UserItem, user_id, item_id, UserItemNotFound, cache)


def _sanitize_effect(effect: Effect) -> dict[str, Any]:
    cleaned = effect.model_dump(exclude_none=True)
    cleaned["target"] = effect.target or "self"
    cleaned["type"] = effect.type or "custom"
    cleaned["probability"] = min(1.0, max(0.0, effect.probability))
    cleaned["value"] = max(0, effect.value)
    if effect.duration is not None:
        cleaned["duration"] = max(0, effect.duration)
    return cleaned


def _skill_fields(data: UserSkillWrite) -> dict[str, Any]:
    """The reference's sanitising (spec §4.3), then its two validation rules."""
    effects = [_sanitize_effect(effect) for effect in data.effects]
    if not effects and data.effect:
        effects = [{"description": data.effect, "target": "other", "type": "special", "value": 0, "probability": 1.0}]
    if not data.name:
        raise BadRequest("技能名称不能为空")
    if not effects:
        raise BadRequest("至少需要一个技能效果")
    fields = data.model_dump(exclude={"effect", "effects"})
    fields["effects"] = effects
    fields["cooldown"] = max(0, data.cooldown)
    return fields


async def list_skills(session: AsyncSession, *, user_id: str) -> list[UserSkillRead]:
    await get_user(session, user_id=user_id)
    rows = await _list(session, UserSkill, user_id)
    return [UserSkillRead.model_validate(row, from_attributes=True) for row in rows]


async def add_skill(
    session: AsyncSession, *, user_id: str, data: UserSkillWrite, cache: ProfileCache | None
) -> UserSkillRead:
    row = await _insert(session, UserSkill, user_id, "skill", _skill_fields(data), cache)
    return UserSkillRead.model_validate(row, from_attributes=True)


async def get_skill(session: AsyncSession, *, user_id: str, skill_id: str) -> UserSkillRead:
    row = await _get(session, UserSkill, user_id, skill_id, UserSkillNotFound)
    return UserSkillRead.model_validate(row, from_attributes=True)


async def replace_skill(
    session: AsyncSession, *, user_id: str, skill_id: str, data: UserSkillWrite, cache: ProfileCache | None
) -> UserSkillRead:
    row = await _replace(session, UserSkill, user_id, skill_id, UserSkillNotFound, _skill_fields(data), cache)
    return UserSkillRead.model_validate(row, from_attributes=True)


async def delete_skill(session: AsyncSession, *, user_id: str, skill_id: str, cache: ProfileCache | None) -> None:
    await _delete(session, UserSkill, user_id, skill_id, UserSkillNotFound, cache)


def install(state: AppState) -> UsersRuntime:
    """The users domain, built once: the profile cache (also what login refreshes) and the runtime."""
    profiles: ProfileCache = TTLCache(max_entries=10_000, ttl_seconds=state.settings.read_cache_ttl_seconds)
    state.coherence.share("user_profiles", profiles)
    state.profile_cache = profiles
    return UsersRuntime(db=state.db, profiles=profiles)

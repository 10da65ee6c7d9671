"""`/api/users/:user_id/...`: a user's own profile, preferences, items and skills (reference spec §4.3).

Access keeps the reference's 403 semantics: a guest may only use `console_user`; a signed-in user only their own id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from sceneintruder.core.envelope import Envelope, EnvelopeResponse, created, ok
from sceneintruder.core.errors import Forbidden
from sceneintruder.core.principal import GUEST_USER_ID
from sceneintruder.db.session import Database
from sceneintruder.deps import ProfileCacheDep, SessionDep, get_database, get_principal, get_profile_cache
from sceneintruder.users import service
from sceneintruder.users.schemas import (
    Preferences,
    UserItemRead,
    UserItemWrite,
    UserRead,
    UserSkillRead,
    UserSkillWrite,
    UserUpdate,
)

router = APIRouter(prefix="/users/{user_id}", tags=["users"])


async def accessible_user_id(request: Request, user_id: Annotated[str, Path(max_length=128)]) -> str:
    principal = await get_principal(request)
    if not principal.authenticated:
        if user_id != GUEST_USER_ID:
            raise Forbidden("Authentication required")
    elif user_id != principal.user_id:
        raise Forbidden("Access denied: Cannot access other users' data")
    return user_id


UserId = Annotated[str, Depends(accessible_user_id)]


@dataclass(frozen=True)
class ProfileReader:
    user_id: str
    db: Database
    cache: service.ProfileCache


async def profile_reader(request: Request, user_id: Annotated[str, Path(max_length=128)]) -> ProfileReader:
    """The accessible user id with what a cached profile read needs, as one dependency (the hot path)."""
    return ProfileReader(
        await accessible_user_id(request, user_id), await get_database(request), await get_profile_cache(request)
    )


@router.get("", response_model=Envelope[UserRead])
async def get_user(reader: Annotated[ProfileReader, Depends(profile_reader)]) -> EnvelopeResponse:
    profile = await service.read_profile(reader.db, user_id=reader.user_id, cache=reader.cache)
    return ok(profile, "用户档案获取成功")


@router.put("", response_model=Envelope[UserRead])
async def update_user(
    user_id: UserId, body: UserUpdate, session: SessionDep, cache: ProfileCacheDep
) -> EnvelopeResponse:
    return ok(await service.update_user(session, user_id=user_id, data=body, cache=cache), "用户档案更新成功")


@router.get("/preferences", response_model=Envelope[Preferences])
async def get_preferences(user_id: UserId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_preferences(session, user_id=user_id), "用户偏好获取成功")


@router.put("/preferences", response_model=Envelope[Preferences])
async def update_preferences(
    user_id: UserId, body: Preferences, session: SessionDep, cache: ProfileCacheDep
) -> EnvelopeResponse:
    preferences = await service.set_preferences(session, user_id=user_id, preferences=body, cache=cache)
    return ok(preferences, "用户偏好更新成功")


@router.get("/items", response_model=Envelope[list[UserItemRead]])
async def list_items(user_id: UserId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_items(session, user_id=user_id), "用户物品列表获取成功")


@router.post("/items", status_code=201, response_model=Envelope[UserItemRead])
async def add_item(
    user_id: UserId, body: UserItemWrite, session: SessionDep, cache: ProfileCacheDep
) -> EnvelopeResponse:
    return created(await service.add_item(session, user_id=user_id, data=body, cache=cache), "物品添加成功")


@router.get("/items/{item_id}", response_model=Envelope[UserItemRead])
async def get_item(user_id: UserId, item_id: str, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_item(session, user_id=user_id, item_id=item_id), "物品信息获取成功")


@router.put("/items/{item_id}", response_model=Envelope[UserItemRead])
async def replace_item(
    user_id: UserId, item_id: str, body: UserItemWrite, session: SessionDep, cache: ProfileCacheDep
) -> EnvelopeResponse:
    item = await service.replace_item(session, user_id=user_id, item_id=item_id, data=body, cache=cache)
    return ok(item, "物品更新成功")


@router.delete("/items/{item_id}", response_model=Envelope[None])
async def delete_item(user_id: UserId, item_id: str, session: SessionDep, cache: ProfileCacheDep) -> EnvelopeResponse:
    await service.delete_item(session, user_id=user_id, item_id=item_id, cache=cache)
    return ok(None, "物品删除成功")


@router.get("/skills", response_model=Envelope[list[UserSkillRead]])
async def list_skills(user_id: UserId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_skills(session, user_id=user_id), "用户技能列表获取成功")


@router.post("/skills", status_code=201, response_model=Envelope[UserSkillRead])
async def add_skill(
    user_id: UserId, body: UserSkillWrite, session: SessionDep, cache: ProfileCacheDep
) -> EnvelopeResponse:
    return created(await service.add_skill(session, user_id=user_id, data=body, cache=cache), "技能添加成功")


@router.get("/skills/{skill_id}", response_model=Envelope[UserSkillRead])
async def get_skill(user_id: UserId, skill_id: str, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_skill(session, user_id=user_id, skill_id=skill_id), "技能信息获取成功")


@router.put("/skills/{skill_id}", response_model=Envelope[UserSkillRead])
async def replace_skill(
    user_id: UserId, skill_id: str, body: UserSkillWrite, session: SessionDep, cache: ProfileCacheDep
) -> EnvelopeResponse:
    skill = await service.replace_skill(session, user_id=user_id, skill_id=skill_id, data=body, cache=cache)
    return ok(skill, "技能更新成功")


@router.delete("/skills/{skill_id}", response_model=Envelope[None])
async def delete_skill(user_id: UserId, skill_id: str, session: SessionDep, cache: ProfileCacheDep) -> EnvelopeResponse:
    await service.delete_skill(session, user_id=user_id, skill_id=skill_id, cache=cache)
    return ok(None, "技能删除成功")

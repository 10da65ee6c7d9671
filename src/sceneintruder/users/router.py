"""`/api/users/:user_id/...`: a user's own profile, preferences, items and skills (reference spec §4.3).

Access keeps the reference's 403 semantics: a guest may only use `console_user`; a signed-in user only their own id.
"""

from __future__ import annotations

from fastapi import APIRouter

from sceneintruder.users import service
from sceneintruder.users.dependencies import ProfileReaderDep, UserId, UsersRuntimeDep
from sceneintruder.users.schemas import (
    Preferences,
    UserItemRead,
    UserItemWrite,
    UserRead,
    UserSkillRead,
    UserSkillWrite,
    UserUpdate,
)
from sceneintruder.web.dependencies import SessionDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, created, ok

router = APIRouter(prefix="/users/{user_id}", tags=["users"])


@router.get("", response_model=Envelope[UserRead])
async def get_user(reader: ProfileReaderDep) -> EnvelopeResponse:
    profile = await service.read_profile(reader.db, user_id=reader.user_id, cache=reader.cache)
    return ok(profile, "用户档案获取成功")


@router.put("", response_model=Envelope[UserRead])
async def update_user(
    user_id: UserId, body: UserUpdate, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    return ok(
        await service.update_user(session, user_id=user_id, data=body, cache=runtime.profiles), "用户档案更新成功"
    )


@router.get("/preferences", response_model=Envelope[Preferences])
async def get_preferences(user_id: UserId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_preferences(session, user_id=user_id), "用户偏好获取成功")


@router.put("/preferences", response_model=Envelope[Preferences])
async def update_preferences(
    user_id: UserId, body: Preferences, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    preferences = await service.set_preferences(session, user_id=user_id, preferences=body, cache=runtime.profiles)
    return ok(preferences, "用户偏好更新成功")


@router.get("/items", response_model=Envelope[list[UserItemRead]])
async def list_items(user_id: UserId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_items(session, user_id=user_id), "用户物品列表获取成功")


@router.post("/items", status_code=201, response_model=Envelope[UserItemRead])
async def add_item(
    user_id: UserId, body: UserItemWrite, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    return created(await service.add_item(session, user_id=user_id, data=body, cache=runtime.profiles), "物品添加成功")


@router.get("/items/{item_id}", response_model=Envelope[UserItemRead])
async def get_item(user_id: UserId, item_id: str, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_item(session, user_id=user_id, item_id=item_id), "物品信息获取成功")


@router.put("/items/{item_id}", response_model=Envelope[UserItemRead])
async def replace_item(
    user_id: UserId, item_id: str, body: UserItemWrite, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    item = await service.replace_item(session, user_id=user_id, item_id=item_id, data=body, cache=runtime.profiles)
    return ok(item, "物品更新成功")


@router.delete("/items/{item_id}", response_model=Envelope[None])
async def delete_item(user_id: UserId, item_id: str, session: SessionDep, runtime: UsersRuntimeDep) -> EnvelopeResponse:
    await service.delete_item(session, user_id=user_id, item_id=item_id, cache=runtime.profiles)
    return ok(None, "物品删除成功")


@router.get("/skills", response_model=Envelope[list[UserSkillRead]])
async def list_skills(user_id: UserId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_skills(session, user_id=user_id), "用户技能列表获取成功")


@router.post("/skills", status_code=201, response_model=Envelope[UserSkillRead])
async def add_skill(
    user_id: UserId, body: UserSkillWrite, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    return created(await service.add_skill(session, user_id=user_id, data=body, cache=runtime.profiles), "技能添加成功")


@router.get("/skills/{skill_id}", response_model=Envelope[UserSkillRead])
async def get_skill(user_id: UserId, skill_id: str, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_skill(session, user_id=user_id, skill_id=skill_id), "技能信息获取成功")


@router.put("/skills/{skill_id}", response_model=Envelope[UserSkillRead])
async def replace_skill(
    user_id: UserId, skill_id: str, body: UserSkillWrite, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    skill = await service.replace_skill(session, user_id=user_id, skill_id=skill_id, data=body, cache=runtime.profiles)
    return ok(skill, "技能更新成功")


@router.delete("/skills/{skill_id}", response_model=Envelope[None])
async def delete_skill(
    user_id: UserId, skill_id: str, session: SessionDep, runtime: UsersRuntimeDep
) -> EnvelopeResponse:
    await service.delete_skill(session, user_id=user_id, skill_id=skill_id, cache=runtime.profiles)
    return ok(None, "技能删除成功")

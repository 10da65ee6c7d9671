"""`/api/settings`, `/api/settings/test-connection`, `/api/llm/status|models|config` (spec §5).

Reads are open (guests included, as in the reference: the frontend reads its catalogs from them); every write,
and the connection test (it makes the server call out, and spends the key), needs an administrator.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from sceneintruder.settings import service
from sceneintruder.settings.dependencies import SettingsRuntimeDep
from sceneintruder.settings.schemas import (
    ConnectionTest,
    ConnectionTestRead,
    LLMConfigUpdate,
    LLMStatusRead,
    ModelList,
    SettingsRead,
    SettingsSave,
)
from sceneintruder.web.dependencies import AdminDep, PrincipalDep, SessionDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, ok

router = APIRouter(tags=["settings"])


@router.get("/settings", response_model=Envelope[SettingsRead])
async def get_settings(_: PrincipalDep, session: SessionDep, runtime: SettingsRuntimeDep) -> EnvelopeResponse:
    return ok(service.read_settings(await service.load(session), runtime), "设置获取成功")


@router.post("/settings", response_model=Envelope[None])
async def save_settings(
    admin: AdminDep, body: SettingsSave, session: SessionDep, runtime: SettingsRuntimeDep
) -> EnvelopeResponse:
    await service.save_settings(session, runtime, data=body, user_id=admin.user_id)
    return ok(None, "设置保存成功")


@router.post("/settings/test-connection", response_model=Envelope[ConnectionTestRead])
async def test_connection(
    admin: AdminDep, runtime: SettingsRuntimeDep, body: Annotated[ConnectionTest | None, Body()] = None
) -> EnvelopeResponse:
    return ok(await service.test_connection(runtime, data=body, user_id=admin.user_id), "连接测试成功")


@router.get("/llm/status", response_model=Envelope[LLMStatusRead])
async def llm_status(_: PrincipalDep, session: SessionDep, runtime: SettingsRuntimeDep) -> EnvelopeResponse:
    return ok(await service.llm_status(session, runtime), "LLM状态获取成功")


@router.get("/llm/models", response_model=Envelope[ModelList])
async def list_models(
    _: PrincipalDep, session: SessionDep, provider: Annotated[str | None, Query(max_length=64)] = None
) -> EnvelopeResponse:
    return ok(await service.list_models(session, provider=provider), "模型列表获取成功")


@router.put("/llm/config", response_model=Envelope[None])
async def update_llm_config(
    admin: AdminDep, body: LLMConfigUpdate, session: SessionDep, runtime: SettingsRuntimeDep
) -> EnvelopeResponse:
    await service.update_llm_config(session, runtime, data=body, user_id=admin.user_id)
    return ok(None, "LLM配置更新成功")

"""`/api/health` (no auth, for orchestrators), `/api/config/health`, `/api/config/metrics` (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from sceneintruder.core.clock import rfc3339
from sceneintruder.core.envelope import Envelope, EnvelopeResponse, error_response, ok
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.deps import AdminDep, DatabaseDep, PrincipalDep, SessionDep, SettingsDep
from sceneintruder.settings import service as settings_service
from sceneintruder.system import service
from sceneintruder.system.schemas import ConfigHealth, ConfigMetrics, Health

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Envelope[Health])
async def health(db: DatabaseDep, settings: SettingsDep) -> EnvelopeResponse:
    result = await service.liveness(db, settings.data_dir)
    if not result.healthy:
        return error_response(503, ErrorCode.SERVICE_UNHEALTHY, "服务不健康", result.body)
    return ok(result.body, "ok")


@router.get("/config/health", response_model=Envelope[ConfigHealth])
async def config_health(request: Request, _: PrincipalDep, session: SessionDep) -> EnvelopeResponse:
    overview = await settings_service.config_overview(session, request.app.state.settings_runtime)
    body = service.config_health(
        llm_provider=overview.provider,
        llm_has_key=overview.key_ok,
        config_version=overview.version,
        last_updated=rfc3339(overview.last_updated),
    )
    return ok(body, "配置健康状态正常")


@router.get("/config/metrics", response_model=Envelope[ConfigMetrics])
async def config_metrics(request: Request, _: AdminDep, session: SessionDep) -> EnvelopeResponse:
    runtime = request.app.state.settings_runtime
    overview = await settings_service.config_overview(session, runtime)
    body = service.config_metrics(
        metrics=request.app.state.metrics,
        config_version=overview.version,
        last_updated=rfc3339(overview.last_updated),
        llm=await settings_service.usage_summary(session, runtime),
    )
    return ok(body, "配置指标获取成功")

"""`/api/health` (no auth, for orchestrators), `/api/config/health`, `/api/config/metrics` (admin)."""

from __future__ import annotations

from fastapi import APIRouter

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.system import service
from sceneintruder.system.dependencies import SystemRuntimeDep
from sceneintruder.system.schemas import ConfigHealth, ConfigMetrics, Health
from sceneintruder.web.dependencies import AdminDep, PrincipalDep, SessionDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, error_response, ok

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Envelope[Health])
async def health(runtime: SystemRuntimeDep) -> EnvelopeResponse:
    result = await service.health_report(runtime)
    if not result.healthy:
        return error_response(503, ErrorCode.SERVICE_UNHEALTHY, "服务不健康", result.body)
    return ok(result.body, "ok")


@router.get("/config/health", response_model=Envelope[ConfigHealth])
async def config_health(_: PrincipalDep, session: SessionDep, runtime: SystemRuntimeDep) -> EnvelopeResponse:
    return ok(await service.config_health_report(runtime, session), "配置健康状态正常")


@router.get("/config/metrics", response_model=Envelope[ConfigMetrics])
async def config_metrics(_: AdminDep, session: SessionDep, runtime: SystemRuntimeDep) -> EnvelopeResponse:
    return ok(await service.config_metrics_report(runtime, session), "配置指标获取成功")

"""`/api/health` (no auth, for orchestrators), `/api/config/health`, `/api/config/metrics` (admin)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request

from sceneintruder.core.clock import rfc3339
from sceneintruder.core.envelope import EnvelopeResponse, error_response, ok
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.deps import AdminDep, DatabaseDep, PrincipalDep, SettingsDep
from sceneintruder.system import service

router = APIRouter(tags=["system"])


def _started_at(request: Request) -> str:
    return rfc3339(datetime.fromtimestamp(request.app.state.metrics.started_at, UTC))


@router.get("/health")
async def health(db: DatabaseDep, settings: SettingsDep) -> EnvelopeResponse:
    result = await service.liveness(db, settings.data_dir)
    if not result.healthy:
        return error_response(503, ErrorCode.SERVICE_UNHEALTHY, "服务不健康", result.body)
    return ok(result.body, "ok")


@router.get("/config/health")
async def config_health(request: Request, _: PrincipalDep) -> EnvelopeResponse:
    body = service.config_health(
        llm_provider=None, llm_has_key=False, config_version=0, last_updated=_started_at(request)
    )
    return ok(body, "配置健康状态正常")


@router.get("/config/metrics")
async def config_metrics(request: Request, _: AdminDep) -> EnvelopeResponse:
    body = service.config_metrics(
        metrics=request.app.state.metrics, config_version=0, last_updated=_started_at(request)
    )
    return ok(body, "配置指标获取成功")

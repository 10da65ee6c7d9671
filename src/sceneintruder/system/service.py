"""Health and metrics, computed from the live process (no stored state of its own)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder import __version__
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.metrics import RequestMetrics
from sceneintruder.core.storage import data_dir_problem
from sceneintruder.db.session import Database
from sceneintruder.settings import service as settings_service
from sceneintruder.settings.service import SettingsRuntime
from sceneintruder.system.runtime import SystemRuntime
from sceneintruder.web.state import AppState


@dataclass(frozen=True)
class Liveness:
    healthy: bool
    body: dict[str, Any]


async def liveness(db: Database, data_dir: Path) -> Liveness:
    """Database reachable and data directory writable: what an orchestrator needs to know."""
    start = time.perf_counter()
    try:
        async with db.reader() as session:
            await session.execute(text("SELECT 1"))
        database = {"status": "ok", "latency_ms": round((time.perf_counter() - start) * 1000, 3)}
    except Exception as exc:  # the probe reports any failure, it does not raise
        database = {"status": "error", "error": type(exc).__name__}
    writable = data_dir_problem(data_dir) is None
    healthy = database["status"] == "ok" and writable
    body = {
        "status": "ok" if healthy else "unhealthy",
        "version": __version__,
        "database": database,
        "data_dir": {"status": "ok" if writable else "error", "writable": writable},
    }
    return Liveness(healthy, body)


def config_health(*, llm_provider: str | None, llm_has_key: bool, config_version: int, last_updated: str) -> dict:
    """The reference's `/api/config/health` shape (spec §5.7)."""
    provider = (
        {"status": "healthy", "provider": llm_provider}
        if llm_provider
        else {"status": "warning", "error": "LLM提供商未配置"}
    )
    api_key = {"status": "healthy"} if llm_has_key else {"status": "warning", "error": "LLM API密钥未配置"}
    return {
        "status": "healthy",
        "checks": {
            "config_loaded": {"status": "healthy"},
            "llm_provider": provider,
            "llm_api_key": api_key,
            "cache_status": {"status": "healthy", "last_updated": last_updated, "version": config_version},
        },
    }


def config_metrics(
    *, metrics: RequestMetrics, config_version: int, last_updated: str, llm: dict[str, Any] | None = None
) -> dict:
    """The reference's `/api/config/metrics` shape (spec §5.7), plus request counters under `requests` and
    LLM call totals (calls, failures, tokens, estimated cost, per provider) under `llm`."""
    return {
        "config_version": config_version,
        "last_updated": last_updated,
        "subscribers_count": 0,
        "change_history_size": 0,
        "audit_log_size": 0,
        "audit_enabled": False,
        "cache_status": True,
        "requests": metrics.snapshot(),
        "llm": llm or {},
        "generated_at": rfc3339(utcnow()),
    }


def install(state: AppState) -> SystemRuntime:
    return SystemRuntime(
        db=state.db,
        data_dir=state.settings.data_dir,
        metrics=state.metrics,
        settings=state.components.get(SettingsRuntime),
        warmup=state.warmup,
    )


async def health_report(runtime: SystemRuntime) -> Liveness:
    """Served only once the start-up has loaded its heavy resources (the lifespan waits for them), so a
    200 here means the first request of any kind will not load them itself."""
    result = await liveness(runtime.db, runtime.data_dir)
    result.body["resources"] = {name: {"status": "loaded", "seconds": s} for name, s in runtime.warmup.items()}
    return result


async def config_health_report(runtime: SystemRuntime, session: AsyncSession) -> dict[str, Any]:
    overview = await settings_service.config_overview(session, runtime.settings)
    return config_health(
        llm_provider=overview.provider,
        llm_has_key=overview.key_ok,
        config_version=overview.version,
        last_updated=rfc3339(overview.last_updated),
    )


async def config_metrics_report(runtime: SystemRuntime, session: AsyncSession) -> dict[str, Any]:
    overview = await settings_service.config_overview(session, runtime.settings)
    return config_metrics(
        metrics=runtime.metrics,
        config_version=overview.version,
        last_updated=rfc3339(overview.last_updated),
        llm=await settings_service.usage_summary(session, runtime.settings),
    )

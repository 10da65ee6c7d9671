"""Health and metrics endpoints."""

from __future__ import annotations

import shutil

import httpx

from sceneintruder.core.principal import Role
from tests.support.builders import bearer, login, make_user


async def test_liveness_needs_no_token_and_reports_db_and_data_dir(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/health")).json()["data"]
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok" and body["database"]["latency_ms"] >= 0
    assert body["data_dir"] == {"status": "ok", "writable": True}
    assert body["version"]


async def test_health_is_served_only_once_the_word_splitters_dictionary_is_in(client: httpx.AsyncClient) -> None:
    resources = (await client.get("/api/health")).json()["data"]["resources"]
    assert set(resources) == {"zh_dictionary", "zh_word_tags"}  # loaded by the start-up, before serving
    assert all(r["status"] == "loaded" and r["seconds"] >= 0 for r in resources.values())


async def test_liveness_is_503_when_the_data_dir_is_not_writable(app, client, settings) -> None:
    shutil.rmtree(settings.data_dir)  # the data directory is replaced by a file while the server runs
    settings.data_dir.write_text("file, not a directory", encoding="utf-8")
    response = await client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "SERVICE_UNHEALTHY"
    assert body["error"]["details"]["data_dir"]["writable"] is False


async def test_config_health_has_the_reference_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/config/health")
    assert response.json()["message"] == "配置健康状态正常"
    data = response.json()["data"]
    assert data["status"] == "healthy"
    assert set(data["checks"]) == {"config_loaded", "llm_provider", "llm_api_key", "cache_status"}
    assert data["checks"]["config_loaded"] == {"status": "healthy"}


async def test_metrics_are_admin_only_and_count_requests(app, client: httpx.AsyncClient) -> None:
    await make_user(app, "root", role=Role.ADMIN)
    token = await login(client, "root")
    await client.get("/api/nope")
    data = (await client.get("/api/config/metrics", headers=bearer(token))).json()["data"]
    for key in (
        "config_version",
        "last_updated",
        "subscribers_count",
        "change_history_size",
        "audit_log_size",
        "audit_enabled",
        "cache_status",
    ):
        assert key in data
    assert data["requests"]["total"] >= 2
    assert data["requests"]["by_status_class"]["4xx"] >= 1

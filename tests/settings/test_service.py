"""Settings across restarts, key changes and the environment; secrets in logs; accounting and metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.settings import service
from sceneintruder.settings.models import ProviderSettings
from sceneintruder.settings.offline import DEMO, DemoSummary
from sceneintruder.users import service as users_service
from tests.settings.conftest import KEY, openai_settings
from tests.support.builders import bearer, make_user, token_for
from tests.support.state import settings_runtime_of

ENV_KEY_A = "A" * 40
ENV_KEY_B = "B" * 40


@asynccontextmanager
async def running(settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


async def _admin(app: FastAPI) -> dict[str, str]:
    if await _has_user(app, "root"):
        return bearer(token_for(app, "root"))
    await make_user(app, "root", role=Role.ADMIN)
    return bearer(token_for(app, "root"))


async def _has_user(app: FastAPI, user_id: str) -> bool:
    async with app.state.db.reader() as session:
        return await users_service.find_account(session, user_id=user_id) is not None


async def test_settings_survive_a_restart_and_still_decrypt(make_settings, openai_fake) -> None:
    fake, base = openai_fake
    settings = make_settings(allow_private_provider_urls=True, config_encryption_key=ENV_KEY_A)
    async with running(settings) as (app, client):
        assert (
            await client.post("/api/settings", json=openai_settings(base), headers=await _admin(app))
        ).status_code == 200
    async with running(settings) as (app, client):
        status = (await client.get("/api/llm/status")).json()["data"]
        assert (status["ready"], status["provider"], status["source"]) == (True, "openai", "settings")
        assert (await client.get("/api/settings")).json()["data"]["llm_config"]["has_api_key"] is True
        probe = await client.post("/api/settings/test-connection", headers=await _admin(app))
        assert probe.status_code == 200
    assert fake.requests[-1].headers["authorization"] == f"Bearer {KEY}"


async def test_a_changed_encryption_key_makes_the_llm_not_ready_instead_of_guessing(make_settings, openai_fake) -> None:
    _, base = openai_fake
    async with running(make_settings(allow_private_provider_urls=True, config_encryption_key=ENV_KEY_A)) as (app, c):
        await c.post("/api/settings", json=openai_settings(base), headers=await _admin(app))
    async with running(make_settings(allow_private_provider_urls=True, config_encryption_key=ENV_KEY_B)) as (app, c):
        status = (await c.get("/api/llm/status")).json()["data"]
        assert status["ready"] is False and "Cannot decrypt" in status["status"]
        assert status["configured"] is False
        assert (await c.get("/api/settings")).json()["data"]["llm_config"]["has_api_key"] is False
        probe = await c.post("/api/settings/test-connection", headers=await _admin(app))
        assert probe.status_code == 503 and probe.json()["error"]["code"] == "CONNECTION_FAILED"
        resave = await c.post("/api/settings", json=openai_settings(base), headers=await _admin(app))
        assert resave.status_code == 200
        assert (await c.get("/api/llm/status")).json()["data"]["ready"] is True


async def test_the_key_is_not_stored_in_clear_and_never_logged(app, client, admin, openai_fake, caplog) -> None:
    fake, base = openai_fake
    caplog.set_level(logging.DEBUG)
    await client.post("/api/settings", json=openai_settings(base), headers=admin)
    fake.plan("401")
    await client.post("/api/settings/test-connection", headers=admin)
    await client.post(
        "/api/settings/test-connection",
        json={"provider": "openai", "llm_config": {"api_key": KEY, "base_url": "http://169.254.169.254/"}},
        headers=admin,
    )
    assert KEY not in caplog.text
    async with app.state.db.reader() as session:
        row = await session.get(ProviderSettings, 1)
    assert KEY not in str(row.llm_config) and KEY not in str(row.sealed_secrets)
    assert set(row.sealed_secrets["llm"]) == {"api_key"}


async def test_calls_are_recorded_with_totals_per_user_and_job_and_in_metrics(app, client, admin) -> None:
    llm = app.state.llm
    runtime = settings_runtime_of(app)
    await llm.complete([{"role": "user", "content": "Hi"}], call=CallInfo("chat", user_id="alice", job_id="job_1"))
    result = await llm.complete_structured(
        task=DEMO,
        schema=DemoSummary,
        messages=[{"role": "user", "content": "x"}],
        inputs={"text": "One two."},
        call=CallInfo("ignored", user_id="bob"),
    )
    assert result.value.word_count == 2
    async with app.state.db.reader() as session:
        alice = await service.usage_totals(session, runtime, user_id="alice")
        job = await service.usage_totals(session, runtime, job_id="job_1")
        bob = await service.usage_totals(session, runtime, user_id="bob")
    # offline calls are counted as calls, with no tokens: no model ran
    assert (alice.calls, alice.failed, alice.cost_usd) == (1, 0, 0.0)
    assert (alice.prompt_tokens, alice.completion_tokens) == (0, 0)
    assert job == alice and bob.calls == 1
    metrics = (await client.get("/api/config/metrics", headers=admin)).json()["data"]
    assert metrics["llm"]["calls"] == 2 and metrics["llm"]["by_provider"]["builtin"]["calls"] == 2


async def test_config_health_and_metrics_follow_saves(client, admin, openai_fake) -> None:
    _, base = openai_fake
    health = (await client.get("/api/config/health")).json()["data"]["checks"]
    assert health["llm_provider"] == {"status": "warning", "error": "LLM提供商未配置"}
    assert health["llm_api_key"] == {"status": "warning", "error": "LLM API密钥未配置"}
    await client.post("/api/settings", json=openai_settings(base), headers=admin)
    health = (await client.get("/api/config/health")).json()["data"]["checks"]
    assert health["llm_provider"] == {"status": "healthy", "provider": "openai"}
    assert health["llm_api_key"] == {"status": "healthy"} and health["cache_status"]["version"] == 1
    metrics = (await client.get("/api/config/metrics", headers=admin)).json()["data"]
    assert metrics["config_version"] == 1 and metrics["last_updated"] == health["cache_status"]["last_updated"]


async def test_environment_fallback_picks_the_vendor_with_a_key(make_settings, openai_fake) -> None:
    fake, base = openai_fake
    settings = make_settings(openai_api_key=KEY, llm_base_url=base, llm_model="gpt-4o-mini")
    async with running(settings) as (app, client):
        status = (await client.get("/api/llm/status")).json()["data"]
        assert (status["provider"], status["source"], status["config"]["model"]) == (
            "openai",
            "environment",
            "gpt-4o-mini",
        )
        assert (await client.get("/api/settings")).json()["data"]["llm_provider"] == "openai"
        assert KEY not in (await client.get("/api/settings")).text
        await app.state.llm.complete([{"role": "user", "content": "Hi"}], call=CallInfo("chat"))
    assert fake.requests[-1].headers["authorization"] == f"Bearer {KEY}"


async def test_an_explicit_provider_without_a_key_is_not_ready(make_settings) -> None:
    async with running(make_settings(llm_provider="anthropic")) as (app, client):
        status = (await client.get("/api/llm/status")).json()["data"]
        assert status == {**status, "ready": False, "status": "API key not configured", "provider": ""}
        probe = await client.post("/api/settings/test-connection", headers=await _admin(app))
        assert probe.status_code == 503 and probe.json()["error"]["code"] == "LLM_NOT_CONFIGURED"


async def test_fallback_providers_from_the_environment(make_settings, openai_fake) -> None:
    fake, base = openai_fake
    settings = make_settings(
        openai_api_key=KEY, llm_base_url=base, llm_fallback_providers="anthropic,builtin", llm_max_retries=0
    )
    async with running(settings) as (app, client):
        assert (await client.get("/api/llm/status")).json()["data"]["fallbacks"] == ["builtin"]  # no anthropic key
        fake.plan("500")
        completion = await app.state.llm.complete([{"role": "user", "content": "Hi"}], call=CallInfo("chat"))
    assert completion.provider == "builtin"

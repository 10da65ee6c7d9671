"""Rate limits through the real app: independent buckets, user keys, exemptions, headers."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from tests.support.builders import assert_error, bearer, make_user, token_for


@pytest.fixture
async def limited(make_settings):
    app = create_app(
        make_settings(
            rate_limit_enabled=True,
            rate_limit_default="5/minute",
            rate_limit_chat="2/minute",
            rate_limit_analysis="1/hour",
        )
    )
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            yield app, client


async def test_429_after_the_default_limit_with_retry_after_and_headers(limited) -> None:
    _, client = limited
    for remaining in (4, 3, 2, 1, 0):
        ok = await client.get("/api/health")
        assert ok.status_code == 200
        assert ok.headers["x-ratelimit-limit"] == "5"
        assert ok.headers["x-ratelimit-remaining"] == str(remaining)
    blocked = await client.get("/api/health")
    body = assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")
    assert body["error"]["message"] == "Rate limit exceeded"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert body["error"]["details"] == f"Retry after {blocked.headers['retry-after']} seconds"
    assert int(blocked.headers["x-ratelimit-reset"]) > 0


async def test_the_chat_group_has_its_own_smaller_bucket(limited) -> None:
    _, client = limited
    assert (await client.post("/api/chat", json={})).status_code != 429
    assert (await client.post("/api/interactions/trigger", json={})).status_code != 429
    assert_error(await client.post("/api/chat", json={}), 429, "RATE_LIMIT_EXCEEDED")
    assert (await client.get("/api/health")).status_code == 200  # the default bucket still has room


async def test_the_analysis_group_is_per_hour(limited) -> None:
    _, client = limited
    assert (await client.post("/api/upload")).status_code != 429
    blocked = await client.post("/api/analyze", json={})
    assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")
    assert int(blocked.headers["retry-after"]) > 60


async def test_x_user_id_does_not_buy_a_fresh_bucket(limited) -> None:
    _, client = limited
    for n in range(5):
        await client.get("/api/health", headers={"X-User-ID": f"fake-{n}"})
    assert_error(await client.get("/api/health", headers={"X-User-ID": "fake-9"}), 429, "RATE_LIMIT_EXCEEDED")


async def test_authenticated_users_have_their_own_buckets(limited) -> None:
    app, client = limited
    await make_user(app, "alice")
    await make_user(app, "bob")
    for _ in range(5):
        await client.get("/api/health", headers=bearer(token_for(app, "alice")))
    assert (await client.get("/api/health", headers=bearer(token_for(app, "alice")))).status_code == 429
    assert (await client.get("/api/health", headers=bearer(token_for(app, "bob")))).status_code == 200
    assert (await client.get("/api/health")).status_code == 200  # the IP bucket is separate too


async def test_progress_streams_are_exempt(limited) -> None:
    _, client = limited
    for _ in range(8):
        response = await client.get("/api/progress/task_x")
        assert response.status_code != 429

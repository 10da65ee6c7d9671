"""Login, logout and what every kind of token gets, through the real app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.clock import SystemClock
from sceneintruder.core.principal import Role
from sceneintruder.core.tokens import TokenService
from tests.support.builders import PASSWORD, assert_error, bearer, login, make_user


async def test_login_returns_token_user_and_expiry(app, client: httpx.AsyncClient) -> None:
    await make_user(app, "alice")
    response = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "登录成功"
    data = body["data"]
    assert set(data) == {"token", "user_id", "user", "expires_at"}
    assert data["user_id"] == "alice"
    assert data["user"]["id"] == "alice" and data["user"]["role"] == "user"
    assert "password_hash" not in response.text
    expires = datetime.fromisoformat(data["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)
    me = await client.get("/api/users/alice", headers=bearer(data["token"]))
    assert me.status_code == 200 and me.json()["data"]["last_login"]


async def test_wrong_password_unknown_user_and_guest_account_are_401(app, client: httpx.AsyncClient) -> None:
    await make_user(app, "alice")
    for username, password in (
        ("alice", "wrong password"),
        ("nobody", PASSWORD),
        ("console_user", "anything"),
    ):
        response = await client.post("/api/auth/login", json={"username": username, "password": password})
        body = assert_error(response, 401, "INVALID_CREDENTIALS")
        assert body["error"]["message"] == "用户名或密码错误"


async def test_login_attempts_are_limited_per_ip_and_username(make_settings) -> None:
    app = create_app(make_settings(rate_limit_enabled=True, rate_limit_login="3/minute"))
    async with LifespanManager(app):
        await make_user(app, "alice")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            for _ in range(3):
                wrong = await client.post("/api/auth/login", json={"username": "alice", "password": "nope-nope"})
                assert wrong.status_code == 401
            blocked = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
            assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")
            assert int(blocked.headers["retry-after"]) >= 1
            other_user = await client.post("/api/auth/login", json={"username": "bob", "password": "nope-nope"})
            assert other_user.status_code == 401  # a separate bucket


async def test_logout_makes_the_token_useless(app, client: httpx.AsyncClient) -> None:
    await make_user(app, "alice")
    token = await login(client, "alice")
    assert (await client.get("/api/users/alice", headers=bearer(token))).status_code == 200
    out = await client.post("/api/auth/logout", headers=bearer(token))
    assert out.status_code == 200 and out.json()["data"] is None and out.json()["message"] == "登出成功"
    assert_error(await client.get("/api/users/alice", headers=bearer(token)), 401, "UNAUTHORIZED")
    assert_error(await client.get("/api/users/console_user", headers=bearer(token)), 401, "UNAUTHORIZED")
    assert_error(await client.post("/api/auth/logout", headers=bearer(token)), 401, "UNAUTHORIZED")
    fresh = await login(client, "alice")
    assert (await client.get("/api/users/alice", headers=bearer(fresh))).status_code == 200


async def test_logout_without_a_token_is_a_no_op(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/logout")
    assert response.status_code == 200 and response.json()["success"] is True


async def test_forged_expired_and_garbage_tokens_are_401_never_guest(app, client: httpx.AsyncClient) -> None:
    await make_user(app, "alice")
    forged, _ = TokenService("f" * 40, ttl=timedelta(hours=1), clock=SystemClock()).issue("alice")

    class Past:
        def now(self) -> datetime:
            return datetime.now(UTC) - timedelta(hours=2)

    expired, _ = TokenService(app.state.tokens._secret, ttl=timedelta(hours=1), clock=Past()).issue("alice")
    for token in (forged, expired, "not-a-token"):
        body = assert_error(await client.get("/api/users/console_user", headers=bearer(token)), 401, "UNAUTHORIZED")
        assert body["error"]["message"] == "Invalid or expired token"


async def test_token_of_a_user_that_does_not_exist_is_401(app, client: httpx.AsyncClient) -> None:
    token, _ = app.state.tokens.issue("ghost")
    assert_error(await client.get("/api/users/ghost", headers=bearer(token)), 401, "UNAUTHORIZED")


async def test_no_token_is_the_guest_when_allowed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/console_user")
    assert response.status_code == 200 and response.json()["data"]["id"] == "console_user"
    non_bearer = await client.get("/api/users/console_user", headers={"Authorization": "Basic abc"})
    assert non_bearer.status_code == 200


async def test_no_token_is_401_when_guests_are_off(make_settings) -> None:
    app = create_app(make_settings(allow_guest=False))
    async with LifespanManager(app):
        await make_user(app, "alice")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert_error(await client.get("/api/users/console_user"), 401, "UNAUTHORIZED")
            assert_error(await client.get("/api/config/health"), 401, "UNAUTHORIZED")
            token = await login(client, "alice")
            assert (await client.get("/api/users/alice", headers=bearer(token))).status_code == 200
            assert (await client.get("/api/health")).status_code == 200  # orchestrators need no token


async def test_admin_only_routes(app, client: httpx.AsyncClient) -> None:
    await make_user(app, "alice")
    await make_user(app, "root", role=Role.ADMIN)
    assert_error(await client.get("/api/config/metrics"), 401, "UNAUTHORIZED")
    user_token = await login(client, "alice")
    assert_error(await client.get("/api/config/metrics", headers=bearer(user_token)), 403, "FORBIDDEN")
    admin_token = await login(client, "root")
    assert (await client.get("/api/config/metrics", headers=bearer(admin_token))).status_code == 200

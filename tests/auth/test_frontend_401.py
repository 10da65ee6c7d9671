"""The reference frontend's 401 handling works: its axios interceptor reads `data.error || data.message` as a
string and forgets the stored token when that says "invalid token" or "expired". API clients keep the usual
envelope. Nothing is ever written as the guest for a caller who sent a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.tokens import TokenService
from tests.support.builders import assert_error, make_user

BROWSER = {
    "Accept": "application/json, text/plain, */*",
    "Sec-Fetch-Dest": "empty",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "same-origin",
}


class Frontend:
    """What the bundle's interceptor does with a response (index-*.js, `Ke.interceptors.response.use`)."""

    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self.client = client
        self.token = token

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = dict(BROWSER)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = await self.client.request(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            data = response.json()
            u = data.get("error") or data.get("message") or ""
            assert isinstance(u, str), "u.toLowerCase is not a function"
            if "invalid token" in u.lower() or "expired" in u.lower():
                self.token = None  # localStorage.removeItem("token")
        return response


def _expired(app, user_id: str) -> str:
    class Past:
        def now(self) -> datetime:
            return datetime.now(UTC) - timedelta(days=2)

    token, _ = TokenService(app.state.tokens._secret, ttl=timedelta(hours=1), clock=Past()).issue(user_id)
    return token


async def test_an_expired_token_is_forgotten_and_the_guest_takes_over(app, client) -> None:
    await make_user(app, "alice")
    frontend = Frontend(client, _expired(app, "alice"))
    first = await frontend.request("GET", "/api/scenes")
    assert first.status_code == 401
    body = first.json()
    assert body["success"] is False and body["code"] == "UNAUTHORIZED" and "expired" in body["error"].lower()
    assert body["request_id"] == first.headers["x-request-id"]
    assert frontend.token is None
    again = await frontend.request("GET", "/api/scenes")
    assert again.status_code == 200 and again.json()["success"] is True  # the guest's scenes


async def test_a_garbage_token_is_forgotten_too(client) -> None:
    frontend = Frontend(client, "not-a-token")
    assert (await frontend.request("GET", "/api/users/console_user")).status_code == 401
    assert frontend.token is None


async def test_a_wrong_password_reads_as_a_message_and_keeps_nothing_broken(app, client) -> None:
    await make_user(app, "alice")
    frontend = Frontend(client, None)
    response = await frontend.request("POST", "/api/auth/login", json={"username": "alice", "password": "wrong-pw"})
    assert response.status_code == 401
    body = response.json()
    assert body["message"] == "用户名或密码错误" and body["code"] == "INVALID_CREDENTIALS"


async def test_a_stale_token_never_writes_as_the_guest(app, client) -> None:
    await make_user(app, "alice")
    frontend = Frontend(client, _expired(app, "alice"))
    response = await frontend.request("POST", "/api/scenes/shell", json={"title": "mine", "description": "x"})
    assert response.status_code == 401
    scenes = (await client.get("/api/scenes")).json()["data"]
    assert scenes == []  # nothing was created for the guest


async def test_without_guests_the_frontend_is_sent_to_log_in(make_settings) -> None:
    app = create_app(make_settings(allow_guest=False))
    async with LifespanManager(app):
        await make_user(app, "alice")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            frontend = Frontend(client, _expired(app, "alice"))
            assert (await frontend.request("GET", "/api/scenes")).status_code == 401
            assert frontend.token is None
            response = await frontend.request("GET", "/api/scenes")
            assert response.status_code == 401 and response.json()["error"] == "Authentication required"


async def test_api_clients_keep_the_object_envelope(app, client) -> None:
    response = await client.get("/api/scenes", headers={"Authorization": "Bearer not-a-token"})
    body = assert_error(response, 401, "UNAUTHORIZED")
    assert body["error"] == {"code": "UNAUTHORIZED", "message": "Invalid or expired token"}
    assert response.headers["www-authenticate"] == "Bearer"

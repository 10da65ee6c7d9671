"""A bearer token that is present but unusable is 401, never a silent guest and never a 500; a token in a query
string is read only under its own name and never logged, in any spelling."""

from __future__ import annotations

import logging

import httpx
import pytest
from jose import jwt

from sceneintruder.core.log_redaction import redact
from tests.support.builders import assert_error, make_user, token_for
from tests.support.ws import receive, ws_connect


def _signed(app, **claims: object) -> str:
    return jwt.encode(claims, app.state.tokens._secret, algorithm="HS256")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + "a" * 5000,  # too long
        "Bearer",  # scheme with nothing after it
        "Bearer    ",
        "Bearer a.b.c",  # malformed
        "bearer not-a-jwt-at-all",
    ],
)
async def test_unusable_bearer_tokens_are_401_not_guest(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.get("/api/users/console_user", headers={"Authorization": authorization})
    body = assert_error(response, 401, "UNAUTHORIZED")
    assert body["error"]["message"] == "Invalid or expired token"


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "alice", "jti": "j1", "iat": 1, "exp": 10**20},  # exp past what a datetime holds
        {"sub": "alice", "jti": "j1", "iat": -(10**20), "exp": 4_000_000_000},
        {"sub": "alice", "jti": "j1", "iat": 1, "exp": "soon"},
        {"sub": "alice", "jti": "j1", "exp": 4_000_000_000},  # no iat
        {"sub": "alice", "iat": 1, "exp": 4_000_000_000},  # no jti
    ],
)
async def test_tokens_with_claims_out_of_range_are_401_not_500(app, client, claims) -> None:
    await make_user(app, "alice")
    token = _signed(app, **claims)
    for path in ("/api/users/alice", "/api/scenes", "/api/health"):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 401), response.text  # health needs no token; never a 500
    assert_error(
        await client.get("/api/users/alice", headers={"Authorization": f"Bearer {token}"}), 401, "UNAUTHORIZED"
    )


async def test_out_of_range_tokens_do_not_break_rate_limiting(make_settings) -> None:
    from asgi_lifespan import LifespanManager

    from sceneintruder.app import create_app

    app = create_app(make_settings(rate_limit_enabled=True))
    async with LifespanManager(app):
        token = _signed(app, sub="alice", jti="j", iat=1, exp=10**20)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/scenes", headers={"Authorization": f"Bearer {token}"})
            assert_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /ws/scene/s?token=abc.def.ghi HTTP/1.1"', "abc.def.ghi"),
        ('"GET /ws/scene/s?%74oken=abc.def.ghi HTTP/1.1"', "abc.def.ghi"),
        ('"GET /ws/scene/s?x=1&%2574oken=abc.def.ghi"', "abc.def.ghi"),
        ('"GET /api/x?Access_Token=s3cret&y=2"', "s3cret"),
        ("token in a message: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlX2hlcmU", "eyJhbGciOiJIUzI1NiJ9"),
    ],
)
def test_redaction_covers_every_spelling(line: str, secret: str) -> None:
    assert secret not in redact(line)
    assert "[redacted]" in redact(line)


def test_redaction_leaves_other_parameters_alone() -> None:
    assert redact("/ws/scene/s?user_id=reader&page=2") == "/ws/scene/s?user_id=reader&page=2"


async def test_a_socket_reads_the_token_only_under_its_own_name(live, caplog) -> None:
    await make_user(live.app, "alice")
    token = token_for(live.app, "alice")
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    async with ws_connect(live.ws, f"/ws/scene/scene_a?user_id=reader&%74oken={token}") as ws:
        hello = await receive(ws)
    assert hello["user_id"] == "reader"  # a guest: %74oken is not the token parameter
    response = await live.client.get(f"/api/health?%74oken={token}")
    assert response.status_code == 200
    server_lines = [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")]
    assert any("%74oken=[redacted]" in line for line in server_lines), server_lines
    assert not any(token in line for line in server_lines)

"""Small, explicit helpers that put data in place through the real services."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from sceneintruder.core.principal import Role
from sceneintruder.users import service as users_service

PASSWORD = "correct horse battery"


async def make_user(app: FastAPI, user_id: str, *, role: Role = Role.USER, password: str = PASSWORD) -> str:
    async with app.state.db.writer() as session:
        await users_service.create_account(
            session, user_id=user_id, password_hash=app.state.hasher.hash(password), role=role
        )
    return user_id


def token_for(app: FastAPI, user_id: str) -> str:
    """A real token from the app's own token service (what /api/auth/login would hand out)."""
    token, _ = app.state.tokens.issue(user_id)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def two_owners(app: FastAPI) -> tuple[dict[str, str], dict[str, str]]:
    """Accounts "alice" and "bob", as the headers of a request by each: for tests of whose resource is whose."""
    for user_id in ("alice", "bob"):
        await make_user(app, user_id)
    return bearer(token_for(app, "alice")), bearer(token_for(app, "bob"))


async def login(client: AsyncClient, user_id: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/auth/login", json={"username": user_id, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body

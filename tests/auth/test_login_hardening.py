"""Login under attack: an atomic attempt limit, no write lock held while a password is checked, and unknown
users checked like known ones."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sceneintruder.app import create_app
from sceneintruder.core.settings import Settings
from tests.support.builders import PASSWORD, assert_error, make_user


@asynccontextmanager
async def _served(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app, client


async def test_fifty_concurrent_guesses_get_no_more_than_the_limit(make_settings) -> None:
    async with _served(make_settings(rate_limit_enabled=True, rate_limit_login="10/minute")) as (app, client):
        await make_user(app, "alice")
        passwords = [f"guess-{n:02d}" for n in range(49)] + [PASSWORD]  # the right one comes last
        responses = await asyncio.gather(
            *(client.post("/api/auth/login", json={"username": "alice", "password": p}) for p in passwords)
        )
        statuses = [r.status_code for r in responses]
        assert statuses.count(429) == 40, statuses
        assert set(statuses) <= {200, 401, 429}
        if responses[-1].status_code == 200:  # only if it was among the ten let through
            assert statuses.index(200) == 49
        else:
            assert_error(responses[-1], 429, "RATE_LIMIT_EXCEEDED")
            late = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
            assert_error(late, 429, "RATE_LIMIT_EXCEEDED")


async def test_a_successful_login_clears_the_count(make_settings) -> None:
    async with _served(make_settings(rate_limit_enabled=True, rate_limit_login="3/minute")) as (app, client):
        await make_user(app, "alice")
        for _ in range(2):
            assert (await client.post("/api/auth/login", json={"username": "alice", "password": "x" * 9})).is_error
        good = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
        assert good.status_code == 200
        for _ in range(3):  # a fresh allowance
            wrong = await client.post("/api/auth/login", json={"username": "alice", "password": "x" * 9})
            assert wrong.status_code == 401


async def test_no_write_lock_is_held_while_a_password_is_checked(make_settings) -> None:
    """From inside the password check, another connection can still start a write transaction."""
    settings = make_settings()
    async with _served(settings) as (app, client):
        await make_user(app, "alice")
        database = settings.data_dir / "sceneintruder.db"
        seen: list[bool] = []
        original = app.state.hasher.verify

        def verify(password: str, password_hash: str | None) -> bool:
            probe = sqlite3.connect(database, timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                seen.append(True)
            except sqlite3.OperationalError:
                seen.append(False)  # "database is locked": a writer holds it
            finally:
                probe.close()
            return original(password, password_hash)

        app.state.hasher.verify = verify
        for password in ("wrong-password", PASSWORD):
            await client.post("/api/auth/login", json={"username": "alice", "password": password})
        await client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD})
        assert seen == [True, True, True]


async def test_unknown_users_are_checked_against_a_hash_too(app, client) -> None:
    await make_user(app, "alice")
    checked: list[str | None] = []
    original = app.state.hasher.verify

    def verify(password: str, password_hash: str | None) -> bool:
        checked.append(password_hash)
        return original(password, password_hash)

    app.state.hasher.verify = verify
    for username in ("alice", "nobody", "a" * 64, "bad/name"):
        response = await client.post("/api/auth/login", json={"username": username, "password": "wrong-one"})
        assert_error(response, 401, "INVALID_CREDENTIALS")
    assert len(checked) == 4  # one argon2 verification each, known user or not
    assert checked[0] is not None and checked[1:] == [None, None, None]

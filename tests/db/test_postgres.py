"""The PostgreSQL path, for real: migrations round-trip without drift, and the main flows work on asyncpg."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.db.migrate import alembic_config
from tests.support import postgres
from tests.support.builders import bearer, login, make_user
from tests.support.db import migrate_together

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    postgres.require()
    with postgres.cluster() as base:
        yield base


@pytest.fixture
async def database_url(server: str, request: pytest.FixtureRequest) -> str:
    name = "si_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    return await postgres.create_database(server, name)


def test_workers_migrating_one_fresh_database_together_all_succeed(database_url: str) -> None:
    asyncio.run(migrate_together(database_url, 4))
    command.check(alembic_config(database_url))  # at head, nothing missing


def test_migrations_round_trip_and_match_the_models(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    command.check(config)
    command.downgrade(config, "base")
    command.upgrade(config, "head")


@pytest.fixture
async def client(make_settings, database_url: str) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    app = create_app(make_settings(database_url=database_url))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield app, http


async def test_accounts_scenes_items_and_jobs_work_on_postgres(client) -> None:
    app, http = client
    await make_user(app, "alice")
    alice = bearer(await login(http, "alice"))
    assert (await http.post("/api/users/alice/items", headers=alice, json={"name": "Lamp"})).status_code == 201
    text = (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8")
    created = await http.post("/api/scenes", headers=alice, json={"title": "红楼梦", "text": text})
    assert created.status_code == 201, created.text
    scene = created.json()["data"]
    data = (await http.get(f"/api/scenes/{scene['id']}", headers=alice)).json()["data"]
    assert data["original_text"] == text and data["characters"]
    assert data["scene"]["created_at"].endswith(("Z", "+00:00"))
    item = await http.post(f"/api/scenes/{scene['id']}/items", headers=alice, json={"name": "玉"})
    assert item.status_code == 201
    started = await http.post("/api/analyze", headers=alice, json={"title": "短", "text": "Ann walked to town."})
    task_id = started.json()["data"]["task_id"]
    for _ in range(200):
        task = (await http.get(f"/api/tasks/{task_id}", headers=alice)).json()["data"]
        if task["status"] in ("completed", "failed"):
            break
        await asyncio.sleep(0.05)
    assert task["status"] == "completed", task
    listed = (await http.get("/api/scenes", headers=alice)).json()["data"]
    assert len(listed) == 2
    assert (await http.delete(f"/api/scenes/{scene['id']}", headers=alice)).status_code == 200
    out = await http.post("/api/auth/logout", headers=alice)
    assert out.status_code == 200
    assert (await http.get("/api/users/alice", headers=alice)).status_code == 401


async def test_workers_starting_together_create_the_first_accounts_once(database_url: str, tmp_path: Path) -> None:
    """Several workers start on one empty database at once: one creates the guest and the admin, the others see
    them (it was a Conflict that stopped a worker's start-up)."""
    from sqlalchemy import func, select

    from sceneintruder.auth.service import bootstrap_accounts
    from sceneintruder.core.passwords import PasswordHasher
    from sceneintruder.db.engine import create_engine
    from sceneintruder.db.migrate import upgrade_to_head
    from sceneintruder.db.session import Database
    from sceneintruder.users.models import User

    await asyncio.to_thread(upgrade_to_head, database_url)
    engine = create_engine(database_url)
    db = Database(engine)
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1, concurrency=4)

    async def start(n: int) -> str | None:
        (tmp_path / str(n)).mkdir()
        async with db.writer() as session:
            return await bootstrap_accounts(session, hasher=hasher, data_dir=tmp_path / str(n))

    try:
        created = await asyncio.gather(*(start(n) for n in range(4)))
        async with db.reader() as session:
            roles = (await session.execute(select(User.role, func.count()).group_by(User.role))).all()
    finally:
        await engine.dispose()
    assert len([c for c in created if c]) == 1
    assert sorted(roles) == [("admin", 1), ("user", 1)]  # one admin, one guest

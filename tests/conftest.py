"""Fixtures: a fresh database per test, the real app under its lifespan, an httpx client over ASGI, and the
app (with the test-only demo job kinds) served by a real uvicorn for streaming and WebSocket tests.

The database is a SQLite file copied from a template migrated once per run; with SCENEINTRUDER_TEST_DATABASE=
postgresql it is a PostgreSQL database created from a migrated template database (on a throwaway server started
for the run), so the whole suite runs on either. Tests about SQLite itself are marked `sqlite_only`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sceneintruder.app import create_app
from sceneintruder.core.settings import Settings
from sceneintruder.textkit import warmup as textkit_warmup
from tests.support import db as test_db
from tests.support.db import fresh_data_dir, make_template
from tests.support.live import Live, serve_demo

SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session", autouse=True)
def _start_up_resources() -> None:
    """What every app's start-up loads once per process (the word splitter's dictionary), loaded before the
    first app starts: an app's lifespan then finds it in, and no test's start-up timeout pays for it."""
    textkit_warmup.preload()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if test_db.BACKEND == "sqlite":
        return
    skip = pytest.mark.skip(reason=f"about SQLite itself (this run is on {test_db.BACKEND})")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[test_db.PostgresTemplate | None]:
    """The migrated template database of a PostgreSQL run (None on SQLite runs)."""
    if test_db.BACKEND != "postgresql":
        yield None
        return
    with test_db.postgres_template() as template:
        yield template


@pytest.fixture
def data_dir(tmp_path: Path, template_db: Path) -> Path:
    return fresh_data_dir(template_db, tmp_path / "data")


@pytest.fixture
def database_url(postgres_template: test_db.PostgresTemplate | None) -> Iterator[str | None]:
    """This test's own PostgreSQL database, dropped afterwards (None: the SQLite file in DATA_DIR)."""
    if postgres_template is None:
        yield None
        return
    with postgres_template.database() as url:
        yield url


@pytest.fixture
def make_settings(data_dir: Path, tmp_path: Path, database_url: str | None) -> SettingsFactory:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            **({"database_url": database_url} if database_url else {}),
            "static_dir": tmp_path / "frontend" / "assets",
            "templates_dir": tmp_path / "frontend",
            # Cheap hashing: these tests are about behaviour, not hash strength.
            "argon2_time_cost": 1,
            "argon2_memory_cost_kib": 1024,
            "argon2_parallelism": 1,
            "rate_limit_enabled": False,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def live(make_settings: SettingsFactory) -> AsyncIterator[Live]:
    async with serve_demo(make_settings()) as running:
        yield running

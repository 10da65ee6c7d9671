"""A migrated template database, made once per test session and copied for each test: a SQLite file, or with
SCENEINTRUDER_TEST_DATABASE=postgresql a PostgreSQL template database (`CREATE DATABASE ... TEMPLATE`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from sceneintruder.db.engine import create_engine
from sceneintruder.db.migrate import migrate, upgrade_to_head
from tests.support import postgres

BACKEND = os.environ.get("SCENEINTRUDER_TEST_DATABASE", "sqlite").lower()
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"SCENEINTRUDER_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")
TEMPLATE = "si_template"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def make_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade_to_head(sqlite_url(path))
    return path


def fresh_data_dir(template: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, directory / "sceneintruder.db")
    return directory


async def _admin(server: str, *statements: str) -> None:
    connection = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@dataclass
class PostgresTemplate:
    server: str  # postgresql+asyncpg://si@127.0.0.1:<port>
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        name = f"t{os.getpid()}_{next(self._numbers)}"
        asyncio.run(_admin(self.server, f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}'))
        try:
            yield f"{self.server}/{name}"
        finally:
            asyncio.run(_admin(self.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def postgres_template() -> Iterator[PostgresTemplate]:
    postgres.require()
    with postgres.cluster() as server:
        asyncio.run(_admin(server, f"CREATE DATABASE {TEMPLATE}"))
        upgrade_to_head(f"{server}/{TEMPLATE}")
        yield PostgresTemplate(server)


async def migrate_together(url: str, workers: int) -> None:
    """`workers` engines on one database run the app's start-up migration at the same moment."""
    engines = [create_engine(url) for _ in range(workers)]
    try:
        async with asyncio.timeout(120):  # taking turns ends; two deferred upgrades can wait on each other forever
            await asyncio.gather(*(migrate(engine, url) for engine in engines))
    finally:
        for engine in engines:
            await engine.dispose()


def hop_counter(worker: Any) -> list[int]:
    """Count the calls sent to an aiosqlite connection's worker thread (`counts[0]`): the thread hops."""
    original = worker._execute
    counts = [0]

    async def counted(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts[0] += 1
        return await original(fn, *args, **kwargs)

    worker._execute = counted
    return counts

"""Workers started together on one fresh SQLite database each run the migrations: they take turns, and every
one of them starts (the PostgreSQL variant is in test_postgres.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from sceneintruder.db.engine import prepare_sqlite_file
from sceneintruder.orm import metadata
from tests.support.db import migrate_together, sqlite_url


def test_six_workers_migrating_one_fresh_sqlite_file_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sceneintruder.db"
    url = sqlite_url(path)
    prepare_sqlite_file(url)
    asyncio.run(migrate_together(url, 6))
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        tables = {name for name in tables if not name.startswith("script_memory_fts")}  # FTS5 and its shadow tables
        assert tables == set(metadata.tables)
        with engine.connect() as connection:
            assert len(connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()) == 1
    finally:
        engine.dispose()


def test_a_prepared_sqlite_file_is_in_wal_mode_before_any_engine_connects(tmp_path: Path) -> None:
    """Workers started together then never race to switch it (SQLite answers that race "database is locked")."""
    path = tmp_path / "data" / "sceneintruder.db"
    prepare_sqlite_file(sqlite_url(path))
    prepare_sqlite_file(sqlite_url(path))  # a second worker: nothing to do
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()

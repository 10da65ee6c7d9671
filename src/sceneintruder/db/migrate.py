"""Alembic, driven from code: `upgrade_to_head()` for the CLI, `migrate()` inside the app lifespan.

Migrations live in the top-level `alembic/` directory next to `alembic.ini`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from sceneintruder.db.engine import SQLITE_BEGIN_OPTION, is_sqlite

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(database_url: str) -> Config:
    ini = PROJECT_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.is_file() else Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    """Upgrade the database at `database_url` (runs its own event loop; call from sync code)."""
    command.upgrade(alembic_config(database_url), "head")


def upgrade_connection(connection: Connection, database_url: str) -> None:
    """Upgrade through an open connection: `await conn.run_sync(upgrade_connection, url)` from async code."""
    config = alembic_config(database_url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


# pg_advisory_xact_lock key of schema upgrades (any fixed 64-bit number; this one spells "scnintr" + 1).
_MIGRATION_LOCK = 0x73636E696E747201


async def migrate(engine: AsyncEngine, database_url: str) -> None:
    """Upgrade to head through `engine`, one process at a time: workers starting together on one database each
    call this. On SQLite the transaction begins IMMEDIATE, taking the write lock before reading the version (a
    deferred one that read first cannot take it once another worker has written, and fails "database is locked"
    without waiting); on PostgreSQL a transaction-scoped advisory lock is taken first. The next worker then finds
    the schema at head and changes nothing."""
    if is_sqlite(database_url):
        engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    async with engine.begin() as connection:
        if is_sqlite(database_url):
            # BEGIN IMMEDIATE runs with the first statement (db.sqlite_cursor): take the lock now, before Alembic
            # sets up its (process-global) context, so a second migration in this process waits outside it.
            await connection.exec_driver_sql("SELECT 1")
        else:
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        await connection.run_sync(upgrade_connection, database_url)

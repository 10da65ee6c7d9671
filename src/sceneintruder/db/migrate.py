"""Alembic, driven from code: `upgrade_to_head()` for the CLI, `upgrade_connection()` inside the app lifespan.

Migrations live in the top-level `alembic/` directory next to `alembic.ini`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

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

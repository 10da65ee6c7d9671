"""Alembic environment: async engine, metadata from sceneintruder.orm, batch mode for SQLite ALTERs.

Three ways in: the CLI (`sceneintruder migrate`, URL set by code), the app lifespan (an open connection is
passed in `config.attributes["connection"]`), and plain `alembic ...` (URL from DATABASE_URL / DATA_DIR).
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sceneintruder.core.settings import Settings
from sceneintruder.orm import metadata

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or Settings().resolved_database_url


MIGRATION_LOCK = 0x5CE11A7  # pg_advisory_xact_lock key: workers starting together migrate one after the other


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Full-text search structures the models do not describe (scripts/search.py): SQLite's FTS5 table and its
    shadow tables, PostgreSQL's expression index."""
    return not (name or "").startswith(("script_memory_fts", "ix_script_memory_terms_fts"))


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":  # held until this transaction ends; SQLite's writers are serial
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True, include_object=include_object
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (existing := config.attributes.get("connection")) is not None:
    _run(existing)
else:
    asyncio.run(_run_async())

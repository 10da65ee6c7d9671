"""The async engine. SQLite: WAL, foreign keys on, a busy timeout, and explicit BEGIN so writers can ask for
BEGIN IMMEDIATE (a deferred read-then-write transaction can fail at once with "database is locked" when two
writers race; IMMEDIATE makes the second one wait for the first instead)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BEGIN_OPTION = "sqlite_begin"  # execution option: "IMMEDIATE" for writer sessions


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (node metadata, choices, ...) through orjson: a story of a thousand nodes decodes some 4,000 of
# them per read, several times faster than with the standard library.
_JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, pool_size=8, max_overflow=8, **_JSON)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10, **_JSON)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")

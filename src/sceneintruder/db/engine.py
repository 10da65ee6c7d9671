"""The async engine. SQLite: WAL, foreign keys on, a busy timeout, and explicit BEGIN so writers can ask for
BEGIN IMMEDIATE (a deferred read-then-write transaction can fail at once with "database is locked" when two
writers race; IMMEDIATE makes the second one wait for the first instead)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sceneintruder.core.storage import create_private_file
from sceneintruder.db import sqlite_cursor

SQLITE_BEGIN_OPTION = "sqlite_begin"  # execution option: "IMMEDIATE" for writer sessions


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (node metadata, choices, ...) through orjson: a story of a thousand nodes decodes some 4,000 of
# them per read, several times faster than with the standard library.
_JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None: another database, or SQLite in memory or by URI)."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database)
    return None


def prepare_sqlite_file(url: str) -> None:
    """Create a SQLite database file 0600 (in a 0700 directory) before SQLite creates it with the umask's mode,
    and put it in WAL mode once, here, before any engine connects."""
    if (path := sqlite_file(url)) is not None:
        create_private_file(path)
        _use_wal(path)


WAL_ATTEMPTS = 100


def _use_wal(path: Path) -> None:
    """WAL is a property of the file. Switching a fresh file to it needs the file to itself, and SQLite answers
    "database is locked" at once (no busy wait) when workers started together all try: the first one switches
    it, the others see it done. Afterwards every connection's `PRAGMA journal_mode=WAL` changes nothing."""
    for attempt in range(WAL_ATTEMPTS):
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
                if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt + 1 == WAL_ATTEMPTS:
                raise
            time.sleep(0.02 * (1 + attempt % 5))


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """`hide_parameters`: statement parameters (passwords hashes, prose, keys) never reach a log, at any level."""
    common: dict[str, Any] = {"echo": echo, "hide_parameters": True, **_JSON}
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            # reads run on the event loop's thread, the rest in aiosqlite's (db.sqlite_cursor), never both at once
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=8,
            max_overflow=8,
            # The connection used last is used next: its page cache is still good (a connection that was not the
            # last writer drops its whole cache at its next BEGIN), and the rest of the pool stays idle.
            pool_use_lifo=True,
            pool_reset_on_return=None,  # reset by `_on_reset` below
            **common,
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **common)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        sqlite_cursor.adopt(dbapi_connection)  # one thread hop per statement instead of four
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # No checkpoint inside a commit (a small one runs on the event loop, db.sqlite_cursor): the server's
        # `db.checkpoint.WalCheckpointer` checkpoints in a thread, and SQLite when the last connection closes.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
        """A connection going back to the pool is rolled back only if it is still in a transaction (SQLAlchemy's
        custom reset scheme). After a commit, or a reader's end, the pool's own rollback did nothing but cost a
        thread hop to the connection's worker (~0.1 ms here): two or three per story move."""
        if reset_state.terminate_only:
            return
        sqlite_cursor.drop_pending_begin(dbapi_connection)
        if dbapi_connection.driver_connection._conn.in_transaction:  # a flag read, no hop
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        """BEGIN runs with the transaction's first statement, in the same thread hop (`sqlite_cursor`)."""
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "")
        statement = "BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN"
        dbapi_connection = connection.connection.dbapi_connection
        if isinstance(dbapi_connection, sqlite_cursor.OneHopConnection):
            sqlite_cursor.begin_with_next_statement(dbapi_connection, statement)
        else:  # SQLAlchemy's own adapter (`adopt` did not recognise it): BEGIN on its own
            connection.exec_driver_sql(statement)

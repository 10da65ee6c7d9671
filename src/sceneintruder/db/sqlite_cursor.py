"""One thread hop per SQLite statement instead of four.

aiosqlite runs every sqlite3 call in its worker thread, one queued call per method: SQLAlchemy's adapter asks it
for a cursor, to execute, to fetch all rows and to close the cursor, so every statement costs four hand-offs
between the event loop and that thread (about 0.13 ms each here; a primary-key `get` about 1 ms). `OneHopCursor`
does the whole statement (cursor, execute, fetch, close) as one call in the worker thread, through aiosqlite's
own queue (`Connection._execute`), and keeps description, row count and last row id for SQLAlchemy to read.
Same thread, same order, same transaction: only the number of hand-offs changes.

`adopt(connection)` switches a new pooled connection to it (`db.engine`'s connect event). It relies on two
names of aiosqlite's (`Connection._execute`, `Connection._conn`), stable since 0.17; `tests/db` checks them.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def _make_new_cursor(self, connection: Any) -> Any:
        self._description: Any = None
        self._lastrowid: int | None = None
        self._rowcount = -1
        return None  # no aiosqlite cursor: each statement makes (and closes) its own in the worker thread

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        """Rows are fetched all at once: nothing to size."""

    async def _async_soft_close(self) -> None:
        """The statement's cursor was closed in the worker thread already."""

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        connection = self._connection

        def run() -> tuple[Any, list[Any] | None, int | None, int]:
            cursor = connection._conn.cursor()
            try:
                if parameters is None:
                    cursor.execute(operation)
                else:
                    cursor.execute(operation, parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else None
                return description, rows, cursor.lastrowid, cursor.rowcount
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            description, rows, lastrowid, rowcount = await connection._execute(run)
        self._description, self._lastrowid, self._rowcount = description, lastrowid, rowcount
        self._rows = collections.deque(rows) if rows is not None else collections.deque()
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        connection = self._connection

        def run() -> tuple[int | None, int]:
            cursor = connection._conn.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                return cursor.lastrowid, cursor.rowcount
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            self._lastrowid, self._rowcount = await connection._execute(run)
        self._description = None
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


def adopt(dbapi_connection: Any) -> None:
    """Switch SQLAlchemy's aiosqlite connection adapter to one hop per statement (same object, same state)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection

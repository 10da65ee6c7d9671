"""A hot path's Core statement, compiled once and, on SQLite, run by the driver itself.

`await connection.execute(statement, params)` costs some 50-60 µs of SQLAlchemy's Python per statement on this
machine (the compiled-cache lookup, an execution context, a greenlet switch each way, the result's metadata and
row objects) around the 5-20 µs SQLite takes to run a small read or write. A story choice runs six such
statements. `Prepared` compiles its statement once for SQLite, with the bind and result processors of its
columns' types, and runs it through `db.sqlite_cursor` (the very function SQLAlchemy's cursor calls: the
connection's pending BEGIN, the write lock, the loop's thread or one hop to the worker thread), in the session's
own transaction, on the connection the session holds: the same SQL, the same values as SQLAlchemy would send
(the type processors are SQLAlchemy's), the same rows back as tuples. A driver error is raised as the
`sqlalchemy.exc.DBAPIError` SQLAlchemy would have raised (IntegrityError and the rest), parameters hidden.

Anything else goes through `connection.execute` as before: PostgreSQL (asyncpg's own prepared statements
already make its Core path cheap), a connection `db.sqlite_cursor.adopt` did not switch, and an engine someone is
watching (`echo`, or a `before_cursor_execute` listener: the tests that count statements see every one). A
statement whose execution SQLAlchemy must complete itself (Python-side defaults to compute, `RETURNING`, an
expanding IN, a value computed by a callable) is refused with a ValueError the first time it runs on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Insert, Select, Update, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

from sceneintruder.db import sqlite_cursor

Processor = Callable[[Any], Any] | None
Statement = Select[*tuple[Any, ...]] | Insert | Update
_REQUIRED = object()  # a bound value the caller must give


@dataclass(frozen=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Any, Processor], ...]  # (name, fixed value or _REQUIRED, bind processor), in order
    results: tuple[Processor, ...]  # one per selected column (none for a write)

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The statement's values in order, as SQLAlchemy would bind them (a missing one: the error it raises)."""
        bound = []
        for name, fixed, process in self.binds:
            value = params.get(name, fixed)
            if value is _REQUIRED:
                missing = exc.InvalidRequestError(f"A value is required for bind parameter {name!r}")
                raise exc.StatementError(str(missing), self.sql, None, missing)
            bound.append(process(value) if process is not None and value is not None else value)
        return tuple(bound)

    def rows(self, rows: list[Any]) -> list[tuple[Any, ...]]:
        processors = self.results
        if not any(processors):
            return [tuple(row) for row in rows]
        return [
            tuple(
                value if process is None or value is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in rows
        ]


class Prepared:
    """One Core statement (a SELECT, INSERT or UPDATE with bound parameters) for a hot path."""

    def __init__(self, statement: Statement, *, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None  # an INSERT's columns, in order
        self._sqlite: _Compiled | None = None

    def _compiled(self, dialect: Dialect) -> _Compiled:
        if self._sqlite is None:
            self._sqlite = _compile(self.statement, dialect, self.column_keys)
        return self._sqlite

    async def rows(self, connection: AsyncConnection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows a SELECT returns, as tuples (each value as SQLAlchemy's column type returns it)."""
        adapted = _driver(connection)
        if adapted is None:
            return [tuple(row) for row in await connection.execute(self.statement, dict(params))]
        compiled = self._compiled(connection.dialect)
        outcome = await _run(
            connection, adapted, compiled, sqlite_cursor.execute(adapted, compiled.sql, compiled.values(params))
        )
        return compiled.rows(outcome[1] or [])

    async def execute(self, connection: AsyncConnection, params: Mapping[str, Any]) -> int:
        """Run a write once; the number of rows it changed."""
        adapted = _driver(connection)
        if adapted is None:
            return int((await connection.execute(self.statement, dict(params))).rowcount)
        compiled = self._compiled(connection.dialect)
        outcome = await _run(
            connection, adapted, compiled, sqlite_cursor.execute(adapted, compiled.sql, compiled.values(params))
        )
        return int(outcome[3])

    async def executemany(self, connection: AsyncConnection, many: Sequence[Mapping[str, Any]]) -> None:
        """Run a write once for each of `many` (an INSERT of several rows)."""
        adapted = _driver(connection)
        if adapted is None:
            await connection.execute(self.statement, [dict(params) for params in many])
            return
        compiled = self._compiled(connection.dialect)
        await _run(
            connection,
            adapted,
            compiled,
            sqlite_cursor.executemany(adapted, compiled.sql, [compiled.values(p) for p in many]),
        )


def _compile(statement: Statement, dialect: Dialect, column_keys: list[str] | None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or getattr(compiled, "postfetch", None)
        or compiled.effective_returning
        or "POSTCOMPILE" in compiled.string
        or any(bind.callable is not None for bind in compiled.binds.values())
    ):
        raise ValueError("a prepared statement's values must all be given: no defaults to compute, nothing returned")
    processors = compiled._bind_processors
    binds = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        fixed = _REQUIRED if bind.required else bind.effective_value
        binds.append((name, fixed, cast(Processor, processors.get(name))))
    results = tuple(entry.type._cached_result_processor(dialect, None) for entry in compiled._result_columns)
    return _Compiled(compiled.string, tuple(binds), results)


def _driver(connection: AsyncConnection) -> Any:
    """The adapted driver connection to run on directly, or None to go through SQLAlchemy."""
    sync: Connection = connection.sync_connection  # type: ignore[assignment]
    if sync is None or sync._echo:
        return None
    adapted = sync.connection.dbapi_connection
    if not isinstance(adapted, sqlite_cursor.OneHopConnection):
        return None
    if sync.dispatch.before_cursor_execute:  # the connection's listeners, with its engine's joined in
        return None
    return adapted


async def _run(connection: AsyncConnection, adapted: Any, compiled: _Compiled, running: Any) -> Any:
    dialect = connection.dialect
    try:
        try:
            return await running
        except Exception as error:
            adapted._handle_exception(error)  # the driver's error as the DB-API's (as SQLAlchemy's cursor does)
    except dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            compiled.sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
        ) from error

"""One thread hop per SQLite statement instead of four.

aiosqlite runs every sqlite3 call in its worker thread, one queued call per method: SQLAlchemy's adapter asks it
for a cursor, to execute, to fetch all rows and to close the cursor, so every statement costs four hand-offs
between the event loop and that thread (about 0.13 ms each here; a primary-key `get` about 1 ms). `OneHopCursor`
does the whole statement (cursor, execute, fetch, close) as one call in the worker thread, through aiosqlite's
own queue (`Connection._execute`), and keeps description, row count and last row id for SQLAlchemy to read.
Same thread, same order, same transaction: only the number of hand-offs changes.

A transaction's BEGIN rides with its first statement the same way (`begin_with_next_statement`, called by
`db.engine`'s begin event): it is run first in that statement's call, so a session's transaction costs no hop of
its own, and one that ends before running anything (a commit or rollback with nothing done) costs none at all.
SQLite takes no lock and no snapshot at a deferred BEGIN, and an IMMEDIATE one waits for the write lock in the
worker thread exactly as before, just before the statement that follows it: the transaction is the same.

A SELECT (or a WITH query that only reads) takes no hop at all: it runs on the event loop's own thread
(`_run_inline`), as a hop costs a hundred times what SQLite needs for the small reads a request makes (0.1 ms
against 1-20 µs here). Two guards keep a read from holding the loop: it runs with no busy wait (SQLite's busy
timeout is 0 for it: a read that would wait for a lock goes to the worker thread instead, where it waits as long
as ever), and with a budget (`INLINE_BUDGET_SECONDS` of the loop thread's CPU time, checked by SQLite's progress
handler): a read that runs longer is interrupted (a read changes nothing, so it is simply run again) and finished
in the worker thread, and its SQL goes to the worker thread from then on. CPU time, not the clock: on a busy
machine the OS may pause the thread in the middle of a read of a few microseconds, and that read, taken for a
slow one, was sent to the worker thread for good (a hop, and a turn in the loop's queue, for every chat reply's
history read, seen in bench/chat.py). A rollback runs on the loop: in WAL mode it discards pages in memory.

No busy wait is the connection's state at rest (`PRAGMA busy_timeout=0`, set by `adopt`); a statement sent
to the worker thread sets a wait of `BUSY_TIMEOUT_MS` for as long as it runs (`_waiting`). A PRAGMA is prepared
again every time it runs (about 20 µs of the loop's CPU here, under load): the other way round, a wait at rest
lifted for each statement on the loop, cost the loop two of them per inline read and per BEGIN IMMEDIATE, some
0.1 ms per story move.

A writer's transaction takes no hop for its small writes either, once it holds the write lock. Its BEGIN
IMMEDIATE is first tried on the loop's thread with no busy wait (`_begin_inline`): with the lock free (the usual
case) it is taken at once; with another writer holding it, BEGIN goes to the worker thread with its statement and
waits there, trying again every few milliseconds (`_begin_waiting`). Holding the lock, a write cannot wait for
anyone, so a write of bounded size runs on the loop too (`_small_write`): an INSERT of values (up to
`INLINE_ROWS` rows, `INLINE_PARAMETERS` values), an UPDATE of one row by its primary key (what the ORM's unit of
work writes, or that and conditions that only narrow it further, as a job's claim), up to `INLINE_WRITES` of
them per transaction. Any other write (a bulk UPDATE, a DELETE, whose cascades may be large, an INSERT from a SELECT, a
multi-row INSERT past those bounds) keeps its hop. A write is never given a time budget: SQLite rolls the whole
transaction back when a write is interrupted. The COMMIT of a transaction
that made small writes only runs on the loop as well: it appends a few pages to the WAL, and never checkpoints
(connections run with `wal_autocheckpoint=0`; `db.checkpoint.WalCheckpointer` checkpoints in a thread); once
in a while, when the WAL starts over after a checkpoint, it syncs the WAL's header (one small fsync). A
transaction that made a write in the worker thread commits there.

The statement itself is `execute` (and `executemany`), which `db.prepared` also calls, for a hot path's statement
compiled once and run without SQLAlchemy's execution around it.

`adopt(connection)` switches a new pooled connection to it (`db.engine`'s connect event); the connection must
be opened with `check_same_thread=False`, since reads run on the loop's thread and the rest in aiosqlite's (never
both at once: a session's statements run one after the other). It relies on two names of aiosqlite's
(`Connection._execute`, `Connection._conn`), stable since 0.17; `tests/db` checks them.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor

from sceneintruder.db.base import Base

# The BEGIN waiting for a connection's next statement, kept on aiosqlite's Connection (SQLAlchemy's adapter has
# fixed slots): set by the begin event, taken by the next statement, dropped by a commit, rollback or reset.
_PENDING_BEGIN = "_sceneintruder_pending_begin"
_IMMEDIATE = "BEGIN IMMEDIATE"


def begin_with_next_statement(dbapi_connection: Any, statement: str) -> None:
    """Run `statement` (BEGIN, BEGIN IMMEDIATE) in the same worker-thread call as the connection's next one."""
    setattr(dbapi_connection.driver_connection, _PENDING_BEGIN, statement)


def _take_pending_begin(driver_connection: Any) -> str | None:
    pending: str | None = driver_connection.__dict__.pop(_PENDING_BEGIN, None)
    return pending


def drop_pending_begin(dbapi_connection: Any) -> bool:
    """Forget a BEGIN no statement has run yet (the transaction never started); True if there was one. The
    transaction is over either way: its write lock, if it took one, is no longer counted on."""
    _forget_write_lock(dbapi_connection.driver_connection)
    return _take_pending_begin(dbapi_connection.driver_connection) is not None


INLINE_BUDGET_SECONDS = 0.002  # a read using more CPU than this on the loop's thread is finished in the worker
_PROGRESS_STEPS = 1000  # SQLite virtual-machine steps between two looks at the budget
_SLOW_STATEMENTS_KEPT = 512
_slow_statements: set[str] = set()  # SELECTs that overran the budget once: the worker thread runs them
BUSY_TIMEOUT_MS = 30_000  # how long a statement in the worker thread waits for a lock (at rest: no wait, 0)
BEGIN_POLL_SECONDS = 0.002  # a BEGIN that waits for the write lock in the worker thread tries again this often
_T = TypeVar("_T")


INLINE_ROWS = 64  # an INSERT of more rows than this (executemany) goes to the worker thread
INLINE_PARAMETERS = 999  # likewise an INSERT of one statement with more values than this (a multi-row VALUES)
INLINE_WRITES = 64  # a transaction's writes past this many go to the worker thread, and so does its COMMIT
# Where a transaction that holds the write lock (BEGIN IMMEDIATE ran) keeps its `_Writer`, on aiosqlite's
# Connection: set where the BEGIN ran, dropped by commit, rollback and reset.
_WRITE_LOCK = "_sceneintruder_write_lock"
# An UPDATE whose WHERE starts with `table.column = ?`, then perhaps more conditions joined by AND (`rest`).
_ONE_ROW_UPDATE = re.compile(r"UPDATE (\w+) SET .+? WHERE (\w+)\.(\w+) = \?(?P<rest> AND .+)?", re.DOTALL)


_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _is_read(operation: str) -> bool:
    """A SELECT, or a WITH query that is one (a recursive walk, say): in SQLite a WITH may also lead to a write,
    so one whose SQL names any write is taken for a write. Values are bound parameters, never in the SQL."""
    head = operation.lstrip()[:6].upper()
    if head == "SELECT":
        return True
    return head[:4] == "WITH" and _WRITE_WORD.search(operation) is None


def _inline_eligible(operation: str, begin: str | None) -> bool:
    return (begin is None or begin == "BEGIN") and _is_read(operation)


@dataclasses.dataclass
class _Writer:
    """A transaction that holds the write lock: the writes it made on the loop, and whether one went to the thread."""

    inline_writes: int = 0
    bulk: bool = False


def _writer(driver_connection: Any) -> _Writer | None:
    writer: _Writer | None = driver_connection.__dict__.get(_WRITE_LOCK)
    return writer


def _took_write_lock(driver_connection: Any, *, bulk: bool = False) -> None:
    driver_connection.__dict__[_WRITE_LOCK] = _Writer(bulk=bulk)


def _forget_write_lock(driver_connection: Any) -> None:
    driver_connection.__dict__.pop(_WRITE_LOCK, None)


@functools.lru_cache(maxsize=1024)
def _small_write(operation: str) -> bool:
    """An INSERT of values, or an UPDATE of one row by its table's primary key (as the ORM writes them), which
    may add conditions that only narrow it further (`WHERE job.id = ? AND job.status = ? AND (...)`: a job's
    claim, which otherwise held the write lock across a hop and kept every other writer waiting)."""
    head = operation.lstrip()[:7].upper()
    if head == "INSERT ":
        return " SELECT " not in operation.upper()
    if head != "UPDATE ":
        return False
    match = _ONE_ROW_UPDATE.fullmatch(operation.strip())
    if match is None or match[1] != match[2] or not _only_narrows(match["rest"] or ""):
        return False
    table = Base.metadata.tables.get(match[1])
    return table is not None and [column.name for column in table.primary_key.columns] == [match[3]]


def _only_narrows(conditions: str) -> bool:
    """`AND ...` conditions that can only narrow the row the key picked: no subquery (it could read a lot), and no
    OR outside parentheses (`id = ? AND a = ? OR b = ?` is `(id = ? AND a = ?) OR b = ?`: any number of rows)."""
    upper = conditions.upper()
    if "SELECT" in upper:
        return False
    depth = 0
    for position, character in enumerate(upper):
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif depth == 0 and upper.startswith(" OR ", position):
            return False
    return True


def _begin_inline(driver_connection: Any, begin: str) -> bool:
    """Take the write lock on the loop's thread if it is free (no busy wait); False if another writer has it."""
    connection: sqlite3.Connection = driver_connection._conn
    try:
        connection.execute(begin)
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            return False
        raise
    _took_write_lock(driver_connection)
    return True


def _is_busy(error: sqlite3.OperationalError) -> bool:
    message = str(error)
    return "locked" in message or "busy" in message


def _waiting(connection: sqlite3.Connection, run: Callable[[], _T], begin: str | None) -> Callable[[], _T]:
    """`run` as the worker thread runs it, after the pending `begin` (`_begin_waiting`): waiting up to
    `BUSY_TIMEOUT_MS` for a lock, and the connection left with no busy wait again afterwards (as it rests, for
    the loop's thread)."""

    def waiting() -> _T:
        if begin is not None:
            _begin_waiting(connection, begin)
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            return run()
        finally:
            connection.execute("PRAGMA busy_timeout=0")

    return waiting


def _begin_waiting(connection: sqlite3.Connection, begin: str) -> None:
    """`begin` in the worker thread, tried again every `BEGIN_POLL_SECONDS` (at most) while another writer holds
    the lock. SQLite's own busy wait sleeps 1, 2, 5, 10, 15, 20, 25 ms... between its tries: a writer that found
    the lock taken, even for 3 ms (the checkpointer's RESTART, `db.checkpoint`), slept past its release, and each
    of the writers queued behind it longer still (stores of 10-40 ms in bench/story.py part 4, where they take 1)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = BEGIN_POLL_SECONDS / 8
    while True:
        try:
            connection.execute(begin)  # with no busy wait: the connection's at rest
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, BEGIN_POLL_SECONDS)


class _NotInline(Exception):
    """The read could not finish on the loop's thread (a lock to wait for, or the budget spent)."""


def _run_inline(driver_connection: Any, run: Callable[[], Any]) -> Any:
    """`run()` on the loop's thread, with no busy wait (the connection's, at rest) and within the budget;
    `_NotInline` if it cannot finish."""
    connection: sqlite3.Connection = driver_connection._conn
    deadline = time.thread_time() + INLINE_BUDGET_SECONDS
    # Installed for this read only: a handler left on would take the GIL from the worker thread every few steps.
    connection.set_progress_handler(lambda: time.thread_time() > deadline, _PROGRESS_STEPS)
    try:
        return run()
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            raise _NotInline("budget") from error
        if _is_busy(error):
            raise _NotInline("busy") from error
        raise
    finally:
        connection.set_progress_handler(None, 0)


def _after_hop(driver_connection: Any, operation: str, took_lock: bool) -> None:
    """After a statement ran in the worker thread: note the write lock it took, or that a write of its own (not a
    small one, or past the transaction's inline ones) went there, so that its COMMIT goes there too."""
    wrote = not _is_read(operation)
    if took_lock:
        _took_write_lock(driver_connection, bulk=wrote)
        return
    writer = _writer(driver_connection)
    if writer is not None and wrote:
        writer.bulk = True


def _pending_begin_left(driver_connection: Any, mutex: Any) -> str | None:
    """The BEGIN the next statement must run first in the worker thread: none if there is none pending, or if it
    is a BEGIN IMMEDIATE just taken on the loop's thread."""
    begin = _take_pending_begin(driver_connection)
    if begin == _IMMEDIATE and not mutex.locked() and _begin_inline(driver_connection, begin):
        return None
    return begin


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
        description, rows, lastrowid, rowcount = await execute(self._adapt_connection, operation, parameters)
        self._description, self._lastrowid, self._rowcount = description, lastrowid, rowcount
        self._rows = collections.deque(rows) if rows is not None else collections.deque()
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._lastrowid, self._rowcount = await executemany(self._adapt_connection, operation, seq_of_parameters)
        self._description = None
        return None


Outcome = tuple[Any, list[Any] | None, int | None, int]  # description, rows (None: not a query), last row id, count


async def execute(adapt_connection: Any, operation: str, parameters: Any) -> Outcome:
    """One statement on a connection `adopt` switched (its pending BEGIN first), on the loop's thread or in one hop
    to the worker thread as said above. Raises the driver's own errors (the cursor's caller adapts them)."""
    connection = adapt_connection._connection
    mutex = adapt_connection._execute_mutex
    begin = _pending_begin_left(connection, mutex)
    taking_lock = begin == _IMMEDIATE

    def run() -> Outcome:
        nonlocal begin
        if begin is not None:
            connection._conn.execute(begin)
            begin = None  # begun: a read finished in the worker thread does not begin again
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

    result = None
    writer = _writer(connection) if begin is None and not mutex.locked() else None
    if (
        writer is not None
        and writer.inline_writes < INLINE_WRITES
        and len(parameters or ()) <= INLINE_PARAMETERS
        and _small_write(operation)
    ):
        writer.inline_writes += 1
        result = run()
    elif operation not in _slow_statements and not mutex.locked() and _inline_eligible(operation, begin):
        try:
            result = _run_inline(connection, run)
        except _NotInline as reason:
            if str(reason) == "budget":
                if len(_slow_statements) >= _SLOW_STATEMENTS_KEPT:
                    _slow_statements.clear()
                _slow_statements.add(operation)
    if result is None:
        first, begin = begin, None  # run first by the worker thread, which waits for the lock if it must
        async with mutex:
            result = await connection._execute(_waiting(connection._conn, run, first))
        _after_hop(connection, operation, taking_lock)
    return result


async def executemany(
    adapt_connection: Any, operation: str, seq_of_parameters: Sequence[Any]
) -> tuple[int | None, int]:
    """`execute` for one statement run with each of `seq_of_parameters`: (last row id, row count)."""
    connection = adapt_connection._connection
    mutex = adapt_connection._execute_mutex
    begin = _pending_begin_left(connection, mutex)

    def run() -> tuple[int | None, int]:
        cursor = connection._conn.cursor()
        try:
            cursor.executemany(operation, seq_of_parameters)
            return cursor.lastrowid, cursor.rowcount
        finally:
            cursor.close()

    writer = _writer(connection) if begin is None and not mutex.locked() else None
    if (
        writer is not None
        and writer.inline_writes < INLINE_WRITES
        and len(seq_of_parameters) <= INLINE_ROWS
        and _small_write(operation)
    ):
        writer.inline_writes += 1
        return run()
    async with mutex:
        outcome: tuple[int | None, int] = await connection._execute(_waiting(connection._conn, run, begin))
    _after_hop(connection, operation, begin == _IMMEDIATE)
    return outcome


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def commit(self) -> None:
        writer = _writer(self._connection)
        _forget_write_lock(self._connection)
        if writer is not None and not writer.bulk and not self._execute_mutex.locked():
            try:  # small writes only: a few pages appended to the WAL (no checkpoint here: `db.checkpoint`)
                self._connection._conn.commit()
            except Exception as error:
                self._handle_exception(error)
            return
        if not drop_pending_begin(self):  # else nothing ran since BEGIN: there is no transaction to commit
            super().commit()

    def rollback(self) -> None:
        """On the loop's thread (WAL mode: nothing to undo on disk), unless a statement is still running."""
        _forget_write_lock(self._connection)
        if drop_pending_begin(self):
            return
        if self._execute_mutex.locked():
            super().rollback()
            return
        try:
            self._connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)


def adopt(dbapi_connection: Any) -> None:
    """Switch SQLAlchemy's aiosqlite connection adapter to one hop per statement (same object, same state)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
        # At rest, no busy wait (see above). Just opened, the connection runs nothing in its worker thread.
        dbapi_connection.driver_connection._conn.execute("PRAGMA busy_timeout=0")

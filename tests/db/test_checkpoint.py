"""A SQLite file's WAL is checkpointed by the server in a thread (db.checkpoint), never inside a commit: the
app's connections run with wal_autocheckpoint=0, and the lifespan runs the checkpointer."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from sceneintruder.app import create_app
from sceneintruder.db.checkpoint import WalCheckpointer
from sceneintruder.db.engine import create_engine, prepare_sqlite_file

pytestmark = pytest.mark.sqlite_only


def _wal_frames(path: Path) -> int:
    size = path.with_name(path.name + "-wal").stat().st_size
    return 0 if size == 0 else (size - 32) // (4096 + 24)


async def test_commits_leave_the_wal_to_the_checkpointer_which_copies_it_all(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    url = f"sqlite+aiosqlite:///{path}"
    prepare_sqlite_file(url)
    engine = create_engine(url)
    checkpointer = WalCheckpointer(path)
    try:
        async with engine.begin() as connection:
            assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
        for _ in range(30):  # some 1,200 pages: past SQLite's default autocheckpoint of 1,000
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t (body) VALUES (:b)"), [{"b": "x" * 4000}] * 40)
        assert _wal_frames(path) > 1000  # nothing checkpointed it inside a commit
        busy, frames, copied = await checkpointer.checkpoint()
        assert busy == 0 and frames > 1000 and copied == frames
        async with engine.begin() as connection:  # the next writer starts the WAL over
            await connection.execute(text("INSERT INTO t (body) VALUES ('y')"))
        assert (await checkpointer.checkpoint())[1] < 10
        reader = sqlite3.connect(path)
        assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 1201
        reader.close()
    finally:
        await checkpointer.aclose()
        await engine.dispose()


async def test_the_server_runs_a_checkpointer_while_it_serves(make_settings) -> None:
    app = create_app(make_settings())
    async with LifespanManager(app):
        checkpointer = app.state.checkpointer
        assert isinstance(checkpointer, WalCheckpointer) and checkpointer._task is not None
        assert not checkpointer._task.done()
        assert (await checkpointer.checkpoint())[0] == 0
    assert checkpointer._task is None and checkpointer._connection is None


async def test_closing_waits_for_a_checkpoint_under_way_and_no_two_ever_overlap(tmp_path: Path) -> None:
    """The loop's task is cancelled while its checkpoint runs in a thread: the thread goes on, and the last
    checkpoint and the connection's close wait for it (closing under it crashed SQLite)."""
    import asyncio
    import threading

    path = tmp_path / "k.db"
    prepare_sqlite_file(f"sqlite+aiosqlite:///{path}")
    checkpointer = WalCheckpointer(path, interval=0.01)
    real = checkpointer._checkpoint
    inside: list[int] = []
    most = [0]
    started = threading.Event()

    def slow() -> tuple[int, int, int]:
        inside.append(1)
        most[0] = max(most[0], len(inside))
        started.set()
        try:
            time.sleep(0.2)
            return real()  # on a connection closed meanwhile: sqlite3.ProgrammingError (or worse)
        finally:
            inside.pop()

    checkpointer._checkpoint = slow  # type: ignore[method-assign]
    checkpointer.start()
    await asyncio.to_thread(started.wait)
    await checkpointer.aclose()  # cancels the loop's task mid-checkpoint
    assert most[0] == 1 and inside == []


async def test_a_long_wal_starts_over_though_writes_never_pause(tmp_path: Path) -> None:
    """A writer that commits without pause (a thread here) lands a commit during nearly every PASSIVE checkpoint,
    so no writer finds the WAL all copied and it only grows; past `restart_frames` the checkpointer follows with a
    RESTART checkpoint, and the WAL starts over while the writes go on."""
    path = tmp_path / "w.db"
    url = f"sqlite+aiosqlite:///{path}"
    prepare_sqlite_file(url)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
    await engine.dispose()
    stop = threading.Event()
    written = [0]

    def write() -> None:
        writer = sqlite3.connect(path, timeout=30, isolation_level=None)
        writer.execute("PRAGMA wal_autocheckpoint=0")
        while not stop.is_set():
            writer.execute("INSERT INTO t (body) VALUES (?)", ("x" * 3000,))
            written[0] += 1
        writer.close()

    checkpointer = WalCheckpointer(path, restart_frames=400)
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    seen: list[int] = []
    try:
        for _ in range(2000):
            seen.append((await checkpointer.checkpoint())[1])
            if max(seen) >= 400 and _wal_frames(path) > 0 and seen[-1] < 200:
                break
            await asyncio.sleep(0.005)
    finally:
        stop.set()
        thread.join(timeout=10)
        await checkpointer.aclose()
    assert max(seen) >= 400 and seen[-1] < 200, seen[-20:]  # grew past the mark, then started over
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == written[0]
    reader.close()


def _wal_salts(path: Path) -> bytes:
    """The WAL header's salts: new each time the WAL starts over."""
    with path.with_name(path.name + "-wal").open("rb") as wal:
        return wal.read(32)[16:24]


async def test_the_checkpointer_starts_the_wal_over_itself_so_no_writer_syncs_its_header(tmp_path: Path) -> None:
    """After a RESTART, the first writer writes the new WAL's header and syncs it: the checkpointer is that writer
    (a write of the user version, unchanged), so the next request's commit appends to a WAL already begun."""
    path = tmp_path / "s.db"
    url = f"sqlite+aiosqlite:///{path}"
    prepare_sqlite_file(url)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("PRAGMA user_version=7")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    for _ in range(300):
        writer.execute("INSERT INTO t (body) VALUES (?)", ("x" * 3000,))
    before = _wal_salts(path)
    checkpointer = WalCheckpointer(path, restart_frames=100)
    try:
        busy, frames, _ = await checkpointer.checkpoint()
        assert busy == 0 and frames >= 100  # copied, and made to start over
        begun = _wal_salts(path)
        assert begun != before  # started over already, by the checkpointer's own write
        writer.execute("INSERT INTO t (body) VALUES ('after')")
        assert _wal_salts(path) == begun  # the writer appended to it
    finally:
        await checkpointer.aclose()
    assert writer.execute("PRAGMA user_version").fetchone()[0] == 7
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 301
    writer.close()

"""The WAL of a SQLite database checkpointed in the background, off the event loop.

Connections run with `wal_autocheckpoint=0` (db.engine), so that no commit copies the WAL back into the database
file (and syncs it) inside a request: a small commit runs on the event loop's thread (db.sqlite_cursor). Instead
the server checkpoints every `interval` seconds in a worker thread, on a connection of its own: a PASSIVE
checkpoint, which never waits for readers or writers and copies what it can; what it cannot (pages a reader
still needs) is copied by a later one. Every process that serves runs one (several on one file take turns);
a short-lived one (the CLI) needs none: SQLite checkpoints when a file's last connection closes.

A WAL starts over only when a writer begins while every frame has been copied and no reader still uses one. Under
writes that never pause (a story choice commits twice, 20 players at once: some 400 commits a second), a commit
always lands during a PASSIVE checkpoint, so the WAL never started over and grew without bound (68,809 frames,
some 280 MB, in 25 s of bench/story.py). Past `restart_frames` (64 MiB of 4 KiB pages), a RESTART checkpoint
follows the PASSIVE one: it takes the write lock for as long as copying the few frames committed meanwhile and
syncing takes (0.1-5 ms measured), makes sure no reader uses the WAL, and the next writer starts it over: this
thread, at once (`_start_over`), so that the sync of the new WAL's header is not a request's. With no busy wait
of its own: a writer or a reader in the way makes it give up until the next turn. Writers that come meanwhile
wait for the lock as they would for another writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_SECONDS = 1.0
RESTART_FRAMES = 16_384  # a WAL this long (64 MiB of 4 KiB pages) is made to start over
SCHEMA_READ_TIMEOUT_SECONDS = 5.0


class WalCheckpointer:
    def __init__(
        self, path: Path, *, interval: float = CHECKPOINT_INTERVAL_SECONDS, restart_frames: int = RESTART_FRAMES
    ) -> None:
        self._path = path
        self._interval = interval
        self._restart_frames = restart_frames
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[tuple[int, int, int]] | None = None  # the checkpoint a thread is running

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sqlite-wal-checkpoint")

    async def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint now (and a RESTART one if the WAL is past `restart_frames`): (1 if it could not
        run at all, frames in the WAL, frames copied), of the last one run.

        One at a time, and never abandoned: a caller cancelled while its checkpoint runs (the loop's task when the
        server stops) leaves the thread running, so the next caller, and `aclose` before it closes the connection,
        waits for that thread first. Closing the connection under a running checkpoint crashed the process (a
        segfault in SQLite, once, at a test's shutdown)."""
        while self._running is not None and not self._running.done():
            await asyncio.wait([self._running])
        self._running = asyncio.ensure_future(asyncio.to_thread(self._checkpoint))
        return await asyncio.shield(self._running)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(sqlite3.Error):
            await self.checkpoint()  # what the last requests wrote, before the engine closes (after any under way)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.checkpoint()
            except sqlite3.Error as error:  # a full disk, a file gone: said, and tried again at the next turn
                log.warning("WAL checkpoint of %s failed: %s", self._path, error)

    def _checkpoint(self) -> tuple[int, int, int]:
        if self._connection is None:
            self._connection = _connect(self._path)
        busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if not busy and frames >= self._restart_frames:
            busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            log.debug("WAL of %s made to start over after %d frames: %s", self._path, frames, "no" if busy else "yes")
            if not busy:
                _start_over(self._connection)
        return int(busy), int(frames), int(copied)


def _connect(path: Path) -> sqlite3.Connection:
    """The checkpointer's connection, used from one worker thread at a time (to_thread), never two: the checks are
    the caller's. Its first statement reads the schema, which may find a writer starting the WAL over: it waits
    for that (the busy timeout of `connect`); then, no busy wait (the checkpoint must never wait, see above)."""
    connection = sqlite3.connect(path, timeout=SCHEMA_READ_TIMEOUT_SECONDS, check_same_thread=False)
    connection.isolation_level = None
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connection.execute("PRAGMA busy_timeout=0")
    except BaseException:
        connection.close()
        raise
    return connection


def _start_over(connection: sqlite3.Connection) -> None:
    """Be the first writer of the WAL a RESTART emptied: that writer writes the WAL's new header and syncs it
    (SQLite's guard against out-of-order writes), an fsync that took 20-80 ms under bench/story.py's writes, in
    whichever request came first, holding the write lock, with every other writer waiting. Here it is this
    thread's, with a write that changes nothing (the header's user version, set to itself). If another writer
    holds the lock (no busy wait: timeout 0), that one starts the WAL over, as before."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        connection.execute(f"PRAGMA user_version={int(version)}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise

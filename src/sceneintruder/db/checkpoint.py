"""The WAL of a SQLite database checkpointed in the background, off the event loop.

Connections run with `wal_autocheckpoint=0` (db.engine), so that no commit copies the WAL back into the database
file (and syncs it) inside a request: a small commit runs on the event loop's thread (db.sqlite_cursor). Instead
the server checkpoints every `interval` seconds in a worker thread, on a connection of its own: a PASSIVE
checkpoint, which never waits for readers or writers and copies what it can; what it cannot (pages a reader
still needs) is copied by a later one. Every process that serves runs one (several on one file take turns);
a short-lived one (the CLI) needs none: SQLite checkpoints when a file's last connection closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_SECONDS = 1.0


class WalCheckpointer:
    def __init__(self, path: Path, *, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        self._path = path
        self._interval = interval
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[tuple[int, int, int]] | None = None  # the checkpoint a thread is running

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sqlite-wal-checkpoint")

    async def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint now: (1 if it could not run at all, frames in the WAL, frames copied).

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
            # Used from one worker thread at a time (to_thread), never two: the checks are the caller's.
            self._connection = sqlite3.connect(self._path, timeout=0, check_same_thread=False, isolation_level=None)
        busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(frames), int(copied)

"""One asyncio lock per key (e.g. per scene): read-modify-write of one scene's story or message tree runs one at a
time in this process, while other scenes proceed. With SQLite's BEGIN IMMEDIATE writers (db.session) this gives
"every mutation is one transaction under a per-scene lock". Locks are dropped when nobody holds or waits for them.

Never hold one across a provider call: take it for the short transaction before, and again for the one after.
With several workers, `cluster.locks.RedisKeyedLocks` gives the same `hold` across processes (`SceneLocks`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class SceneLocks(Protocol):
    def hold(self, key: Hashable) -> AbstractAsyncContextManager[None]: ...


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)

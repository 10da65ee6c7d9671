"""Per-scene locks held across processes: a Redis lock per key (`REDIS_URL` set), behind the in-process
`KeyedLocks` of each process, so contenders of one process queue on the loop and only one of them at a time
asks Redis.

A lock has a timeout (LOCK_TIMEOUT_SECONDS): a process that dies holding one cannot block the scene for longer.
Locks guard short transactions (never a provider call), so the timeout is a safety net, not a budget; a holder
that overruns it is logged when it finds its lock gone. A caller that cannot get the lock within
LOCK_WAIT_SECONDS gets `SceneBusy` (503 with Retry-After). Framework-free.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import LockError

from sceneintruder.core.errors import SceneBusy
from sceneintruder.core.locks import KeyedLocks

log = logging.getLogger("sceneintruder.cluster")

POLL_SECONDS = 0.005  # how often a waiting process asks Redis again


class RedisKeyedLocks:
    def __init__(self, redis: Redis, *, namespace: str, timeout_seconds: float, wait_seconds: float) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:lock:"
        self._timeout = timeout_seconds
        self._wait = wait_seconds
        self._local = KeyedLocks()

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        async with self._local.hold(key):
            lock = self._redis.lock(
                f"{self._prefix}{key}", timeout=self._timeout, sleep=POLL_SECONDS, blocking_timeout=self._wait
            )
            if not await lock.acquire():
                raise SceneBusy(details={"key": str(key)}, retry_after=max(1, round(self._wait)))
            try:
                yield
            finally:
                try:
                    await lock.release()
                except LockError:
                    log.warning("lock %s expired before its holder released it (over %.0f s)", key, self._timeout)

    def __len__(self) -> int:
        return len(self._local)

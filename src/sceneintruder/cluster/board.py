"""`StatusBoard`: where each worker posts a snapshot of what it holds (its WebSocket connections), so any worker
can report the whole cluster. A snapshot is replaced every few seconds and ignored once older than its TTL (a
worker that died drops out by itself).
"""

from __future__ import annotations

import time
from typing import Protocol

import orjson
from redis.asyncio import Redis


class StatusBoard(Protocol):
    distributed: bool

    async def post(self, worker_id: str, snapshot: object, ttl_seconds: float) -> None: ...

    async def others(self, worker_id: str) -> list[object]: ...


class LocalBoard:
    """One process: there are no other workers."""

    distributed = False

    async def post(self, worker_id: str, snapshot: object, ttl_seconds: float) -> None:
        return None

    async def others(self, worker_id: str) -> list[object]:
        return []


class RedisBoard:
    """One Redis hash per board (`<namespace>:board:<name>`): a field per worker, `[expires_at, snapshot]`."""

    distributed = True

    def __init__(self, redis: Redis, *, namespace: str, name: str) -> None:
        self._redis = redis
        self._key = f"{namespace}:board:{name}"

    async def post(self, worker_id: str, snapshot: object, ttl_seconds: float) -> None:
        await self._redis.hset(self._key, worker_id, orjson.dumps([time.time() + ttl_seconds, snapshot]))

    async def others(self, worker_id: str) -> list[object]:
        now = time.time()
        found: list[object] = []
        stale: list[str] = []
        for field, raw in (await self._redis.hgetall(self._key)).items():
            name = field.decode() if isinstance(field, bytes) else field
            expires_at, snapshot = orjson.loads(raw)
            if expires_at < now:
                stale.append(name)
            elif name != worker_id:
                found.append(snapshot)
        if stale:
            await self._redis.hdel(self._key, *stale)
        return found

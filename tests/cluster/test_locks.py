"""Scene locks across processes on a real Redis: one holder at a time, a bounded wait (503 SCENE_BUSY), and a
lock whose holder died released by its timeout."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from sceneintruder.cluster.locks import RedisKeyedLocks
from sceneintruder.core.errors import SceneBusy


def _locks(client: Redis, namespace: str, *, timeout: float = 30, wait: float = 5) -> RedisKeyedLocks:
    return RedisKeyedLocks(client, namespace=namespace, timeout_seconds=timeout, wait_seconds=wait)


async def test_two_processes_never_hold_one_scene_at_once(redis_url: str) -> None:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    processes = [_locks(client, namespace) for client in clients]
    inside = 0
    most = 0
    entries = 0

    async def change(locks: RedisKeyedLocks) -> None:
        nonlocal inside, most, entries
        async with locks.hold("scene_1"):
            inside += 1
            most = max(most, inside)
            entries += 1
            await asyncio.sleep(0.002)
            inside -= 1

    try:
        await asyncio.gather(*(change(processes[n % 2]) for n in range(60)))
        assert (most, entries) == (1, 60)
        # another scene is not held up by this one
        async with processes[0].hold("scene_1"):
            async with asyncio.timeout(2):
                async with processes[1].hold("scene_2"):
                    pass
    finally:
        for client in clients:
            await client.aclose()


async def test_waiting_too_long_is_scene_busy_and_a_dead_holder_expires(redis_url: str) -> None:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        holder = _locks(first, namespace, timeout=1.0)
        waiter = _locks(second, namespace, wait=0.3)
        async with holder.hold("scene_1"):
            with pytest.raises(SceneBusy) as refused:
                async with waiter.hold("scene_1"):
                    pass
            assert (refused.value.status_code, refused.value.code) == (503, "SCENE_BUSY")
            assert refused.value.headers["Retry-After"] == "1"
        # A holder that never releases (its process died): Redis lets the lock go after its timeout.
        dead = first.lock(f"{namespace}:lock:scene_2", timeout=0.5)
        assert await dead.acquire()
        patient = _locks(second, namespace, wait=5)
        async with asyncio.timeout(3):
            async with patient.hold("scene_2"):
                pass
    finally:
        await first.aclose()
        await second.aclose()

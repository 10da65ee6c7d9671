"""TTLCache: expiry, LRU bound, single-flight loading, invalidation during a load."""

from __future__ import annotations

import asyncio

import pytest

from sceneintruder.core.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_and_the_oldest_are_evicted() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(max_entries=2, ttl_seconds=10, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    clock.now = 10
    assert cache.get("a") is None and len(cache) == 1


def test_zero_ttl_stores_nothing() -> None:
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=0)
    cache.put("a", 1)
    assert cache.get("a") is None


async def test_concurrent_misses_load_once() -> None:
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=60)
    calls = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    waiters = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiters) == [42] * 20
    assert calls == 1
    assert cache.get("k") == 42


async def test_a_failed_load_is_not_cached_and_reaches_every_waiter() -> None:
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=60)

    async def load() -> int:
        await asyncio.sleep(0)
        raise LookupError("gone")

    results = await asyncio.gather(*(cache.get_or_load("k", load) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    assert cache.get("k") is None


async def test_invalidate_during_a_load_keeps_the_stale_value_out() -> None:
    cache: TTLCache[str, str] = TTLCache(max_entries=10, ttl_seconds=60)
    release = asyncio.Event()

    async def load() -> str:
        await release.wait()
        return "old"

    task = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    cache.invalidate("k")  # a write landed while the read was in flight
    release.set()
    assert await task == "old"
    assert cache.get("k") is None


async def test_a_cancelled_waiter_does_not_cancel_the_shared_load() -> None:
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=60)
    release = asyncio.Event()

    async def load() -> int:
        await release.wait()
        return 7

    first = asyncio.create_task(cache.get_or_load("k", load))
    second = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == 7

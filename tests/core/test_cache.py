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


def test_get_many_answers_as_get_does_key_by_key() -> None:
    """Values in the keys' order, None for a missing or expired key (dropped as `get` drops it), and each entry
    found becomes the most recent, as with `get`."""
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(max_entries=3, ttl_seconds=10, clock=clock)
    cache.put("a", 1)
    clock.now = 5
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get_many(["c", "missing", "a", "c"]) == [3, None, 1, 3]
    cache.put("d", 4)  # evicts the least recent: b, since a and c were just read
    assert cache.get_many(["a", "b", "c", "d"]) == [1, None, 3, 4]
    clock.now = 10  # a expires (put at 0); c and d (put at 5) have not
    assert cache.get_many(["a", "c", "d"]) == [None, 3, 4]
    assert len(cache) == 2
    assert cache.get_many([]) == []


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


class Loads:
    """A load that returns 1, 2, 3... one per call, each held until `release` is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> int:
        self.calls += 1
        number = self.calls
        await self.release.wait()
        return number


async def test_a_read_late_in_an_entrys_life_answers_at_once_and_reloads_it_in_the_background() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=10, refresh_after=0.8, clock=clock)
    load = Loads()
    load.release.set()
    assert await cache.get_or_load("k", load) == 1
    clock.now = 7.9  # before the refresh point: no reload
    assert await cache.get_or_load("k", load) == 1 and load.calls == 1

    load.release.clear()
    clock.now = 8.0
    # answered from the entry while the reload is held: the caller did not wait for it
    assert await asyncio.wait_for(cache.get_or_load("k", load), timeout=1) == 1
    assert await cache.get_or_load("k", load) == 1 and load.calls == 2  # one reload, however many reads
    assert len(cache._refreshing) == 1  # held by the cache: the loop keeps only a weak reference to a task
    load.release.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert cache.get("k") == 2 and not cache._refreshing
    clock.now = 17.9  # the reloaded entry lives a full TTL from its reload
    assert cache.get("k") == 2


async def test_an_entry_is_never_served_past_its_ttl_while_its_refresh_is_running() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=10, refresh_after=0.5, clock=clock)
    load = Loads()
    load.release.set()
    await cache.get_or_load("k", load)
    load.release.clear()
    clock.now = 6
    assert await cache.get_or_load("k", load) == 1  # starts the refresh
    clock.now = 10  # expired before the refresh landed: the reader waits for it
    waiting = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    assert not waiting.done()
    load.release.set()
    assert await waiting == 2 and load.calls == 2


async def test_a_refresh_running_when_the_key_is_invalidated_is_not_stored() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=10, clock=clock)
    load = Loads()
    load.release.set()
    await cache.get_or_load("k", load)
    load.release.clear()
    clock.now = 9
    assert await cache.get_or_load("k", load) == 1  # the background refresh reads the row...
    cache.invalidate("k")  # ...and a write lands meanwhile
    load.release.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert cache.get("k") is None
    assert await cache.get_or_load("k", load) == 3  # the next reader loads what was written


async def test_a_failed_refresh_leaves_the_entry_to_expire_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=10, clock=clock)

    async def fails() -> int:
        raise LookupError("database gone")

    cache.put("k", 1)
    clock.now = 9
    assert await cache.get_or_load("k", fails) == 1
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert cache.get("k") == 1
    assert "a cache refresh failed: LookupError('database gone')" in caplog.text
    clock.now = 10
    with pytest.raises(LookupError):
        await cache.get_or_load("k", fails)


async def test_a_miss_is_loaded_in_the_callers_own_task_not_queued_behind_others() -> None:
    cache: TTLCache[str, object] = TTLCache(max_entries=10, ttl_seconds=60)

    async def load() -> object:
        return asyncio.current_task()

    caller = asyncio.create_task(cache.get_or_load("k", load))
    assert await caller is caller


async def test_when_the_loading_caller_is_cancelled_a_waiter_loads_the_key_itself() -> None:
    cache: TTLCache[str, int] = TTLCache(max_entries=10, ttl_seconds=60)
    load = Loads()
    loader = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    loader.cancel()
    await asyncio.sleep(0)
    load.release.set()
    with pytest.raises(asyncio.CancelledError):
        await loader
    assert await waiter == 2  # the waiter's own load: the cancelled one never finished
    assert cache.get("k") == 2 and load.calls == 2

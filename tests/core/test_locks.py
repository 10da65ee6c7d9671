"""KeyedLocks: one holder per key at a time, other keys free, nothing left behind."""

from __future__ import annotations

import asyncio
import contextlib

from sceneintruder.core.locks import KeyedLocks


async def test_same_key_serialises_other_keys_do_not_and_locks_are_dropped() -> None:
    locks = KeyedLocks()
    inside: dict[str, int] = {"a": 0, "b": 0}
    peak: dict[str, int] = {"a": 0, "b": 0}

    async def work(key: str) -> None:
        async with locks.hold(key):
            inside[key] += 1
            peak[key] = max(peak[key], inside[key])
            await asyncio.sleep(0.001)
            inside[key] -= 1

    await asyncio.gather(*(work("a") for _ in range(10)), *(work("b") for _ in range(10)))
    assert peak == {"a": 1, "b": 1}
    assert len(locks) == 0


async def test_a_failing_holder_releases_the_lock() -> None:
    locks = KeyedLocks()

    async def fail() -> None:
        async with locks.hold("k"):
            raise ValueError("boom")

    for _ in range(2):
        with contextlib.suppress(ValueError):
            await fail()
    async with locks.hold("k"):
        pass
    assert len(locks) == 0

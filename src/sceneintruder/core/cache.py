"""A small in-process read cache: LRU with a time-to-live, and single-flight loading.

A cache that is invalidated on every write made through the services stays coherent in its process; with several
processes, `attach` gives it a callback that announces what it drops (cluster.coherence carries it to the other
processes, which call `drop_remote`). The TTL bounds how long a write made elsewhere (the CLI, a lost message)
can go unseen.

`get_or_load` lets one caller load a missing key while concurrent callers for the same key wait for that load,
so an expiring hot entry costs one database read, not one per waiting request. A load that started before an
`invalidate` of its key is returned to its callers but not stored.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    def __init__(self, *, max_entries: int, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._loading: dict[K, asyncio.Future[V]] = {}
        self._stale: set[K] = set()  # keys invalidated while their load was running
        self._max = max_entries
        self._ttl = ttl_seconds
        self._clock = clock
        self._announce: Callable[[Sequence[Any] | None], None] | None = None

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self._ttl <= 0:
            return
        self._entries[key] = (self._clock() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        value = self.get(key)
        if value is not None:
            return value
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._load(key, load))
            self._loading[key] = pending
        # shield: a caller that goes away must not cancel the load the others are waiting for
        return await asyncio.shield(pending)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await load()
            if key not in self._stale:  # not invalidated while loading
                self.put(key, value)
            return value
        finally:
            self._loading.pop(key, None)
            self._stale.discard(key)

    def invalidate(self, key: K) -> None:
        self._drop(key)
        if self._announce is not None:
            self._announce([key])

    def clear(self) -> None:
        self._drop_all()
        if self._announce is not None:
            self._announce(None)

    def attach(self, announce: Callable[[Sequence[Any] | None], None]) -> None:
        self._announce = announce

    def drop_remote(self, keys: Sequence[Any] | None) -> None:
        if keys is None:
            self._drop_all()
        else:
            for key in keys:
                self._drop(key)

    def _drop(self, key: K) -> None:
        self._entries.pop(key, None)
        if key in self._loading:
            self._stale.add(key)

    def _drop_all(self) -> None:
        self._entries.clear()
        self._stale.update(self._loading)

    def __len__(self) -> int:
        return len(self._entries)

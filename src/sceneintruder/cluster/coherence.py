"""Read caches kept coherent across processes: an invalidation here is announced on the bus, and every other
process drops the same keys (`cache` topic: the cache's name, the keys or "everything", and who sent it).

With the embedded `LocalBus` there is no other process: nothing is announced. A lost message (Redis down) leaves
an entry stale for at most the cache's TTL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import orjson

from sceneintruder.cluster.bus import Bus

TOPIC = "cache"

Announce = Callable[[Sequence[str] | None], None]
"""The keys a cache dropped (None: everything); set on a shared cache by `CacheCoherence.share`."""


class SharedCache(Protocol):
    def attach(self, announce: Announce) -> None:
        """From now on, call `announce` with what this cache drops by itself."""

    def drop_remote(self, keys: Sequence[str] | None) -> None:
        """Drop what another process dropped (None: everything), without announcing it again."""


class CacheCoherence:
    def __init__(self, bus: Bus, *, node_id: str) -> None:
        self._bus = bus
        self._node = node_id
        self._caches: dict[str, SharedCache] = {}
        if bus.distributed:
            bus.subscribe(TOPIC, self._on_message)

    def share(self, name: str, cache: SharedCache) -> None:
        if name in self._caches:
            raise ValueError(f"a cache named {name!r} is already shared")
        self._caches[name] = cache
        if self._bus.distributed:
            cache.attach(lambda keys: self._announce(name, keys))

    def _announce(self, name: str, keys: Sequence[str] | None) -> None:
        self._bus.publish(TOPIC, orjson.dumps([self._node, name, None if keys is None else list(keys)]))

    def _on_message(self, message: bytes) -> None:
        node, name, keys = orjson.loads(message)
        if node == self._node:
            return
        cache = self._caches.get(name)
        if cache is not None:
            cache.drop_remote(keys)

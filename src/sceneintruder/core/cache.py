"""A small in-process read cache: LRU with a time-to-live, and single-flight loading.

A cache that is invalidated on every write made through the services stays coherent in its process; with several
processes, `attach` gives it a callback that announces what it drops (cluster.coherence carries it to the other
processes, which call `drop_remote`). The TTL bounds how long a write made elsewhere (the CLI, a lost message)
can go unseen.

`get_or_load` lets one caller load a missing key while concurrent callers for the same key wait for that load,
so an expiring hot entry costs one database read, not one per waiting request. A load that started before an
`invalidate` of its key is returned to its callers but not stored.

The load runs in the task of the caller that missed, not in a task of its own: a new task waits its turn behind
everything the loop has queued, and in a burst of requests so did every request waiting for the load (the first
requests of a burst of 20 on one token waited 4-7 ms for their principal, timed inside the server under
`bench/llm_overhead.py`).

Refresh ahead: a `get_or_load` in the last part of an entry's life (after `refresh_after` of its TTL) is answered
from the entry at once and starts that one load in the background, so a key read steadily is reloaded before it
expires and no request waits for its reload. What is served is still never older than the TTL: an entry that
expires before its refresh lands is a miss, as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

log = logging.getLogger(__name__)
REFRESH_AFTER = 0.8  # of the TTL: a read later in an entry's life also reloads it in the background


class TTLCache(Generic[K, V]):
    def __init__(
        self,
        *,
        max_entries: int,
        ttl_seconds: float,
        refresh_after: float = REFRESH_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[K, tuple[float, float, V]] = OrderedDict()  # refresh at, expires at, value
        self._loading: dict[K, asyncio.Future[V]] = {}
        self._stale: set[K] = set()  # keys invalidated while their load was running
        self._refreshing: set[asyncio.Future[V]] = set()  # background refreshes under way
        self._max = max_entries
        self._ttl = ttl_seconds
        self._refresh_after = refresh_after * ttl_seconds
        self._clock = clock
        self._announce: Callable[[Sequence[Any] | None], None] | None = None

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        _, expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def get_many(self, keys: Sequence[K]) -> list[V | None]:
        """`get` of each key (None for a missing or expired one), reading the clock once."""
        now = self._clock()
        entries = self._entries
        found: list[V | None] = []
        for key in keys:
            entry = entries.get(key)
            if entry is None:
                found.append(None)
            elif now >= entry[1]:
                del entries[key]
                found.append(None)
            else:
                entries.move_to_end(key)
                found.append(entry[2])
        return found

    def put(self, key: K, value: V) -> None:
        if self._ttl <= 0:
            return
        now = self._clock()
        self._entries[key] = (now + self._refresh_after, now + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        while True:
            entry = self._entries.get(key)
            if entry is not None:
                refresh_at, expires, value = entry
                now = self._clock()
                if now < expires:
                    self._entries.move_to_end(key)
                    if now >= refresh_at and key not in self._loading:
                        refresh = asyncio.ensure_future(self._load(key, load, self._announced_load(key)))
                        self._refreshing.add(refresh)  # the loop keeps only a weak reference to a task
                        refresh.add_done_callback(self._refreshing.discard)
                        refresh.add_done_callback(_log_failed_refresh)
                    return value
                del self._entries[key]
            pending = self._loading.get(key)
            if pending is None:
                return await self._load(key, load, self._announced_load(key))
            try:
                # shield: a waiter that goes away must not cancel the load the others are waiting for
                return await asyncio.shield(pending)
            except _LoaderGone:
                continue  # the caller that was loading went away, and its load with it: load again

    def _announced_load(self, key: K) -> asyncio.Future[V]:
        """The future the callers that come while `key` loads wait for."""
        pending: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = pending
        return pending

    async def _load(self, key: K, load: Callable[[], Awaitable[V]], pending: asyncio.Future[V]) -> V:
        """Load `key` in the caller's own task, and hand the outcome to those who came meanwhile. In a task of its
        own, the load would wait its turn behind everything the loop had queued (in a burst of requests, each of
        the burst's requests), and so would every request waiting for it."""
        try:
            value = await load()
        except asyncio.CancelledError:
            _settle(pending, error=_LoaderGone())
            raise
        except BaseException as error:
            _settle(pending, error=error)
            raise
        else:
            if key not in self._stale:  # not invalidated while loading
                self.put(key, value)
            _settle(pending, value=value)
            return value
        finally:
            if self._loading.get(key) is pending:
                del self._loading[key]
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


class _LoaderGone(Exception):
    """The caller loading a key was cancelled: those waiting for its load load the key themselves."""


def _settle(pending: asyncio.Future[Any], *, value: Any = None, error: BaseException | None = None) -> None:
    if error is None:
        pending.set_result(value)
        return
    pending.set_exception(error)
    pending.exception()  # marked as seen: a load nobody else waited for is the loader's error alone


def _log_failed_refresh(refresh: asyncio.Future[Any]) -> None:
    """A background refresh that failed leaves the entry to expire; a caller after that loads it again."""
    if not refresh.cancelled() and (error := refresh.exception()) is not None:
        log.warning("a cache refresh failed: %r", error)

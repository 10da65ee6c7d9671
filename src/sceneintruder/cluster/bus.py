"""`Bus`: fire-and-forget messages between the server processes (WebSocket rooms, job events and cancels, cache
invalidations, socket closes), on one topic per purpose.

- `LocalBus` (the embedded default: one process): a message goes straight to this process's handlers.
- `RedisBus` (`REDIS_URL` set): Redis pub/sub, one channel per topic under the namespace. Every process, the
  sender included, gets every message of a topic in the order Redis received it, so a room sees one order on
  every worker. Sends are queued and pipelined by one sender task (`publish` never waits for Redis); one reader
  task hands messages to the handlers in order. A lost connection is retried with backoff; messages sent while it
  is down are lost (pub/sub keeps nothing), which every user of the bus tolerates: job subscribers re-read the
  database on their idle timeout, cancels are also a database flag, caches have a TTL.

Handlers are plain functions, called in order on the event loop; they must not block (they queue, set an event,
or cancel a task). Framework-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("sceneintruder.cluster")

Handler = Callable[[bytes], None]

OUTBOX_LIMIT = 100_000  # messages waiting for Redis; beyond this the oldest are dropped (Redis is down)
SEND_BATCH = 512  # messages per pipeline
RECONNECT_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)


class Bus(Protocol):
    distributed: bool  # True when other processes hear what this one publishes

    def subscribe(self, topic: str, handler: Handler) -> None: ...

    def publish(self, topic: str, message: bytes) -> None: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


class LocalBus:
    """This process only: `publish` calls the topic's handlers at once."""

    distributed = False

    def __init__(self) -> None:
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def publish(self, topic: str, message: bytes) -> None:
        _dispatch(self._handlers.get(topic, ()), topic, message)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class RedisBus:
    """Redis pub/sub, one channel per topic (`<namespace>:bus:<topic>`)."""

    distributed = True

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:bus:"
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)
        self._outbox: deque[tuple[bytes, bytes]] = deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._sending = False  # a batch is on its way to Redis
        self._drained = asyncio.Event()  # set while nothing waits to be sent
        self._drained.set()
        self.dropped = 0  # messages dropped because the outbox was full

    def subscribe(self, topic: str, handler: Handler) -> None:
        if self._tasks:
            raise RuntimeError("subscribe before the bus starts")
        self._handlers[topic].append(handler)

    def publish(self, topic: str, message: bytes) -> None:
        if len(self._outbox) >= OUTBOX_LIMIT:
            self._outbox.popleft()
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("bus outbox full (Redis unreachable?): %d message(s) dropped so far", self.dropped)
        self._outbox.append(((self._prefix + topic).encode(), message))
        self._drained.clear()
        self._wake.set()

    async def start(self) -> None:
        """Subscribe every topic, and return once Redis has confirmed it (so nothing sent after is missed)."""
        self._tasks = [
            asyncio.create_task(self._read(), name="bus-reader"),
            asyncio.create_task(self._send(), name="bus-sender"),
        ]
        await asyncio.wait_for(self._subscribed.wait(), timeout=30)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._drain(), timeout=2)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _drain(self) -> None:
        await self._drained.wait()

    async def _send(self) -> None:
        failures = 0
        while True:
            if not self._outbox:
                self._drained.set()
                self._wake.clear()
                await self._wake.wait()
            batch = [self._outbox.popleft() for _ in range(min(SEND_BATCH, len(self._outbox)))]
            self._sending = True
            try:
                if len(batch) == 1:
                    await self._redis.publish(*batch[0])
                else:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for channel, message in batch:
                            pipe.publish(channel, message)
                        await pipe.execute()
            except (RedisError, OSError) as exc:
                self._outbox.extendleft(reversed(batch))  # sent again, in order, once Redis is back
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("bus: publishing failed (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            finally:
                self._sending = False
            failures = 0

    async def _read(self) -> None:
        channels = [(self._prefix + topic).encode() for topic in self._handlers]
        handlers = {(self._prefix + topic).encode(): list(found) for topic, found in self._handlers.items()}
        failures = 0
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=False)
            try:
                if not channels:
                    self._subscribed.set()
                    await asyncio.Event().wait()  # nothing to hear
                await pubsub.subscribe(*channels)
                confirmed = 0
                while True:
                    message = await pubsub.get_message(timeout=30.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        confirmed += 1
                        if confirmed == len(channels):
                            self._subscribed.set()
                            failures = 0
                        continue
                    if message["type"] != "message":
                        continue
                    channel = message["channel"]
                    _dispatch(handlers.get(channel, ()), channel, message["data"])
            except (RedisError, OSError) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("bus: subscription lost (%s); reconnecting in %.2f s", exc, delay)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


def _dispatch(handlers: list[Handler] | tuple[()], topic: str | bytes, message: bytes) -> None:
    for handler in handlers:
        try:
            handler(message)
        except Exception:
            log.exception("bus handler for %r failed", topic)

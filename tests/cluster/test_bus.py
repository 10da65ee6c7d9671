"""The cluster bus on a real Redis: every process, the sender included, hears every message of a topic in one
order; the embedded bus delivers at once; a bus that loses Redis reconnects by itself."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from sceneintruder.cluster.bus import LocalBus, RedisBus


async def _until(condition, seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


def test_the_local_bus_calls_the_handlers_of_the_topic_at_once() -> None:
    bus = LocalBus()
    heard: list[tuple[str, bytes]] = []
    bus.subscribe("a", lambda message: heard.append(("a", message)))
    bus.subscribe("b", lambda message: heard.append(("b", message)))
    bus.publish("a", b"1")
    bus.publish("c", b"nobody")
    bus.publish("b", b"2")
    assert heard == [("a", b"1"), ("b", b"2")]


async def test_two_processes_hear_every_message_of_both_in_the_same_order(redis_url: str) -> None:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    clients = [Redis.from_url(redis_url), Redis.from_url(redis_url)]
    buses = [RedisBus(client, namespace=namespace) for client in clients]
    heard: list[list[bytes]] = [[], []]
    for bus, log in zip(buses, heard, strict=True):
        bus.subscribe("rooms", log.append)
        bus.subscribe("other", lambda message: None)
    for bus in buses:
        await bus.start()
    try:
        for n in range(300):
            buses[n % 2].publish("rooms", f"{n % 2}:{n}".encode())
        await _until(lambda: all(len(log) == 300 for log in heard))
        assert heard[0] == heard[1]  # one order for everyone
        for sender in ("0", "1"):  # and each sender's own messages in the order it sent them
            mine = [int(m.split(b":")[1]) for m in heard[0] if m.startswith(sender.encode())]
            assert mine == sorted(mine) and len(mine) == 150
    finally:
        for bus in buses:
            await bus.aclose()
        for client in clients:
            await client.aclose()


async def test_topics_and_namespaces_are_kept_apart(redis_url: str) -> None:
    ours, theirs = Redis.from_url(redis_url), Redis.from_url(redis_url)
    bus = RedisBus(ours, namespace="alpha")
    other = RedisBus(theirs, namespace="beta")
    rooms: list[bytes] = []
    cache: list[bytes] = []
    bus.subscribe("rooms", rooms.append)
    bus.subscribe("cache", cache.append)
    other.subscribe("rooms", lambda message: None)
    await bus.start()
    await other.start()
    try:
        other.publish("rooms", b"another deployment")
        bus.publish("cache", b"c")
        bus.publish("rooms", b"r")
        await _until(lambda: rooms and cache)
        await asyncio.sleep(0.1)
        assert (rooms, cache) == ([b"r"], [b"c"])
    finally:
        await bus.aclose()
        await other.aclose()
        await ours.aclose()
        await theirs.aclose()


async def test_a_subscription_cut_by_the_server_comes_back(redis_url: str) -> None:
    client, admin = Redis.from_url(redis_url), Redis.from_url(redis_url)
    bus = RedisBus(client, namespace=f"t{uuid.uuid4().hex[:8]}")
    heard: list[bytes] = []
    bus.subscribe("rooms", heard.append)
    await bus.start()
    try:
        bus.publish("rooms", b"before")
        await _until(lambda: heard == [b"before"])
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")  # what a Redis restart does to it
        async with asyncio.timeout(10):
            while b"after" not in heard:
                bus.publish("rooms", b"after")
                await asyncio.sleep(0.2)
    finally:
        await bus.aclose()
        await client.aclose()
        await admin.aclose()

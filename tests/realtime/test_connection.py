"""Connection's send path without a server: sends that never wait run at once, a send that waits is finished by a
writer task with what queued up behind it in order, and an overflow cancels the waiting send and closes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sceneintruder.core.principal import Principal
from sceneintruder.realtime.connection import Connection


class GatedSocket:
    """A socket whose sends wait while `open` is clear (a client that stopped reading)."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.sent: list[str] = []
        self.interrupted: list[str] = []
        self.closed: list[tuple[int, str]] = []
        self.activity = asyncio.Event()  # set on every completed send and close

    async def until(self, done) -> None:
        async with asyncio.timeout(5):
            while not done():
                await self.activity.wait()
                self.activity.clear()

    async def receive(self) -> str | None:
        await asyncio.Event().wait()
        return None

    async def send_text(self, text: str) -> None:
        try:
            await self.open.wait()
        except asyncio.CancelledError:
            self.interrupted.append(text)
            raise
        self.sent.append(text)
        self.activity.set()

    async def close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))
        self.activity.set()


def _connection(socket: GatedSocket, stopped: list[Connection], queue_size: int = 8) -> Connection:
    return Connection(
        socket,
        principal=Principal.guest(),
        user_id="u",
        scene_id="s",
        room="scene:s",
        queue_size=queue_size,
        now=datetime.now(UTC),
        on_stop=stopped.append,
    )


async def test_a_send_that_does_not_wait_is_done_before_offer_returns() -> None:
    socket, stopped = GatedSocket(), []
    connection = _connection(socket, stopped)
    assert connection.offer("a") and connection.offer("b")
    assert socket.sent == ["a", "b"]  # no task, no await in between


async def test_a_waiting_send_finishes_first_then_what_queued_behind_it() -> None:
    socket, stopped = GatedSocket(), []
    connection = _connection(socket, stopped)
    socket.open.clear()
    assert connection.offer("a") and connection.offer("b") and connection.offer("c")
    await asyncio.sleep(0)
    assert socket.sent == [] and connection.sending_since is not None
    socket.open.set()
    await socket.until(lambda: len(socket.sent) == 3)
    assert socket.sent == ["a", "b", "c"] and connection.sending_since is None and not stopped


async def test_an_overflow_cancels_the_waiting_send_and_closes_with_1013() -> None:
    socket, stopped = GatedSocket(), []
    connection = _connection(socket, stopped, queue_size=2)
    socket.open.clear()
    assert connection.offer("a")  # in flight, waiting
    await asyncio.sleep(0)
    assert connection.offer("b") and connection.offer("c")
    assert not connection.offer("d")  # the outbox is full
    assert stopped == [connection] and not connection.offer("e")
    await asyncio.sleep(0)
    assert socket.interrupted == ["a"]  # the cancellation reached the send the writer was finishing
    socket.open.set()
    await socket.until(lambda: socket.closed)
    assert socket.closed == [(1013, "send queue overflow: the client does not read fast enough")]
    assert socket.sent == []

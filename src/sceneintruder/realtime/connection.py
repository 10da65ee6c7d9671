"""One WebSocket connection: a bounded outbox drained by one writer task, and a reader task.

Broadcasts only ever `offer` a message (a non-blocking put), so a client that does not read delays no one: its
outbox fills, and the next offer closes it with 1013 ("try again later") and takes it out of its room at once.
The reader hands each frame to the hub, which answers quick messages itself and runs slow handlers as tasks,
so the reader is never stuck behind an LLM call.

Framework-free: the socket is anything with `receive`, `send_text` and `close` (`realtime/router.py` adapts
Starlette's WebSocket), so the hub and this module can be driven without a server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sceneintruder.core.principal import Principal

log = logging.getLogger("sceneintruder.realtime")

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_TIMEOUT_SECONDS = 10.0  # how long a close frame may wait behind a client that does not read


class Socket(Protocol):
    async def receive(self) -> str | bytes | None:
        """The next frame; None once the client has gone."""
        ...

    async def send_text(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


FrameHandler = Callable[["Connection", str | bytes], Awaitable[None]]


class Connection:
    """A client in a room. `room` is the hub's key ("scene:<id>" or "user:<id>")."""

    __slots__ = (
        "_connected_mono",
        "_on_stop",
        "_outbox",
        "_socket",
        "_stop",
        "closing",
        "connected_at",
        "last_seen_mono",
        "pending_handlers",
        "principal",
        "room",
        "scene_id",
        "sending_since",
        "user_id",
    )

    def __init__(
        self,
        socket: Socket,
        *,
        principal: Principal,
        user_id: str,
        scene_id: str | None,
        room: str,
        queue_size: int,
        now: datetime,
        on_stop: Callable[[Connection], None],
    ) -> None:
        self._socket = socket
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue(maxsize=queue_size)
        self._stop: asyncio.Future[_Close | None] = asyncio.get_running_loop().create_future()
        self._on_stop = on_stop
        self.principal = principal
        self.user_id = user_id  # shown to others: the account id, or a guest's `?user_id=`
        self.scene_id = scene_id
        self.room = room
        self.connected_at = now
        self._connected_mono = asyncio.get_running_loop().time()
        self.last_seen_mono = self._connected_mono  # loop time of the client's last frame
        self.sending_since: float | None = None  # loop time the writer began its current send
        self.pending_handlers = 0
        self.closing = False

    @property
    def stopped(self) -> bool:
        return self._stop.done()

    @property
    def last_seen(self) -> datetime:
        """When the client last sent a frame (or connected): the reference's `last_ping`."""
        return self.connected_at + timedelta(seconds=self.last_seen_mono - self._connected_mono)

    def offer(self, text: str) -> bool:
        """Queue a message without waiting. A full outbox means the client cannot keep up: it is closed."""
        if self.closing or self._stop.done():
            return False
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            self.abort(CLOSE_TRY_AGAIN_LATER, "send queue overflow: the client does not read fast enough")
            return False
        return True

    def close_soon(self, code: int, reason: str) -> None:
        """Close after the messages already queued have been sent."""
        if self.closing or self._stop.done():
            return
        self.closing = True
        try:
            self._outbox.put_nowait(_Close(code, reason))
        except asyncio.QueueFull:
            self.abort(code, reason)

    def abort(self, code: int, reason: str) -> None:
        """Close now, dropping whatever is still queued; the connection leaves its room immediately."""
        self._finish(_Close(code, reason))

    def _finish(self, close: _Close | None) -> None:
        if not self._stop.done():
            self._stop.set_result(close)
            self._on_stop(self)

    async def run(self, on_frame: FrameHandler) -> None:
        """Serve the connection until the client leaves or it is closed."""
        writer = asyncio.create_task(self._write())
        reader = asyncio.create_task(self._read(on_frame))
        try:
            await asyncio.wait({writer, reader, self._stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            writer.cancel()
            for outcome in await asyncio.gather(reader, writer, return_exceptions=True):
                if isinstance(outcome, Exception):  # mostly a send to a client that has just gone
                    log.debug("websocket %s in %s ended: %r", self.user_id, self.room, outcome)
            close = self._stop.result() if self._stop.done() else None
            self._finish(None)
            if close is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                        await self._socket.close(close.code, close.reason)

    async def _read(self, on_frame: FrameHandler) -> None:
        loop = asyncio.get_running_loop()
        while (frame := await self._socket.receive()) is not None:
            self.last_seen_mono = loop.time()
            await on_frame(self, frame)

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await self._outbox.get()
            if isinstance(item, _Close):
                self._finish(item)  # run() sends the close frame
                return
            self.sending_since = loop.time()
            await self._socket.send_text(item)
            self.sending_since = None

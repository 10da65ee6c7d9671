"""One WebSocket connection: its send path, its bounded outbox, and the loop that reads its frames.

Broadcasts only ever `offer` a message, which never waits: when the client keeps up the message is written at
once, right there, with no task; when the socket's write buffer is full, the send is finished by a writer task
and later messages wait in a bounded outbox behind it. A client that does not read therefore delays no one: its
outbox fills, and the next offer closes it with 1013 ("try again later") and takes it out of its room at once.
The reading loop runs in the connection's own (server-owned) task and hands each frame to the hub, which answers
quick messages itself and runs slow handlers as tasks, so the reader is never stuck behind an LLM call.

An idle connection holds no task and no queue of its own (the outbox is a plain deque, made when needed and
dropped once sent): thousands of idle sockets are the common case, and an asyncio.Queue or a Task costs
kilobytes each.

Framework-free: the socket is anything with `receive`, `send_text` and `close` (`realtime/router.py` adapts
Starlette's WebSocket), so the hub and this module can be driven without a server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sceneintruder.core.principal import Principal
from sceneintruder.core.resumed import Resumed
from sceneintruder.core.token_bucket import TokenBucket

log = logging.getLogger("sceneintruder.realtime")

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_TIMEOUT_SECONDS = 10.0  # how long a close frame may wait behind a client that does not read


class Socket(Protocol):
    async def receive(self) -> str | bytes | None:
        """The next frame; None once the client has gone (or the close handshake is done)."""
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
        "_close",
        "_connected_mono",
        "_inbound",
        "_on_stop",
        "_outbox",
        "_queue_size",
        "_socket",
        "_stopped",
        "_writer",
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
        inbound: TokenBucket | None = None,
    ) -> None:
        self._socket = socket
        self._outbox: deque[str] | None = None  # made on the first message, dropped once drained
        self._queue_size = queue_size
        self._writer: asyncio.Task[None] | None = None  # sending, or closing; None while idle
        self._close: _Close | None = None  # set once a close is decided
        self._stopped = False  # out of its room: takes no more messages
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
        self._inbound = inbound  # the client's message budget (None: unlimited)

    def within_budget(self, now: float) -> bool:
        """Spend one message of the client's budget; False once it is exhausted."""
        return self._inbound is None or self._inbound.take(now)

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def closing(self) -> bool:
        """A close has been decided (it may still be waiting behind queued messages)."""
        return self._close is not None

    @property
    def last_seen(self) -> datetime:
        """When the client last sent a frame (or connected): the reference's `last_ping`."""
        return self.connected_at + timedelta(seconds=self.last_seen_mono - self._connected_mono)

    def offer(self, text: str) -> bool:
        """Queue a message without waiting. A full outbox means the client cannot keep up: it is closed."""
        if self._stopped or self._close is not None:
            return False
        if self._writer is None:
            return self._send_now(text)
        if self._outbox is None:
            self._outbox = deque()
        elif len(self._outbox) >= self._queue_size:
            self.abort(CLOSE_TRY_AGAIN_LATER, "send queue overflow: the client does not read fast enough")
            return False
        self._outbox.append(text)
        return True

    def _send_now(self, text: str) -> bool:
        """Nothing is in flight: run the send right here, up to its first wait.

        A send to a client that keeps up never waits (the server only waits when the socket's write buffer is
        full), so it completes at once, without a task: a broadcast to a thousand sockets then costs no task and
        leaves no garbage per socket. If it does wait, a writer task finishes it, then sends whatever queued up
        behind it meanwhile.
        """
        sending = self._socket.send_text(text)
        try:
            waiting_on = sending.send(None)
        except StopIteration:
            return True
        except Exception as exc:  # mostly a send to a client that has just gone
            log.debug("websocket %s in %s: send failed: %r", self.user_id, self.room, exc)
            self._stop()
            return False
        self.sending_since = asyncio.get_running_loop().time()
        self._writer = asyncio.create_task(self._drain(Resumed(sending, waiting_on)))
        return True

    def close_soon(self, code: int, reason: str) -> None:
        """Close after the messages already queued have been sent."""
        if self._stopped or self._close is not None:
            return
        self._close = _Close(code, reason)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(None))

    def abort(self, code: int, reason: str) -> None:
        """Close now, dropping whatever is still queued; the connection leaves its room immediately."""
        if self._stopped:
            return
        self._close = _Close(code, reason)
        self._outbox = None
        self._stop()
        if self._writer is not None:
            self._writer.cancel()  # most likely stuck sending to this very client
        self._writer = asyncio.create_task(self._send_close(self._close))

    def _stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._on_stop(self)

    async def serve(self, on_frame: FrameHandler) -> None:
        """Read frames until the client leaves or the close handshake ends (run in the connection's task)."""
        loop = asyncio.get_running_loop()
        try:
            while (frame := await self._socket.receive()) is not None:
                if self._stopped:
                    continue  # closing: wait for the handshake to finish, ignore the rest
                self.last_seen_mono = loop.time()
                await on_frame(self, frame)
        finally:
            self._stop()
            if self._writer is not None and self._close is None:
                self._writer.cancel()  # the client has gone; nothing left to deliver

    async def _drain(self, in_flight: Resumed | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            if in_flight is not None:
                await in_flight
                self.sending_since = None
            while self._outbox:
                text = self._outbox.popleft()
                self.sending_since = loop.time()
                await self._socket.send_text(text)
                self.sending_since = None
            self._outbox = None
            if self._close is not None:
                self._stop()
                await self._send_close(self._close)
        except Exception as exc:  # mostly a send to a client that has just gone
            log.debug("websocket %s in %s: send failed: %r", self.user_id, self.room, exc)
            self._stop()
        finally:
            if self._writer is asyncio.current_task():
                self._writer = None

    async def _send_close(self, close: _Close) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                await self._socket.close(close.code, close.reason)

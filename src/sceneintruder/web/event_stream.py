"""`EventStream`: a Server-Sent Events response for the short streams of the hot path (a chat reply), which costs
one task besides the response's own and nothing per event but its write.

Why not sse-starlette's `EventSourceResponse` (which the jobs' long-lived progress streams keep: it also ends
streams when the server shuts down): it runs four tasks in an anyio task group per response and opens a cancel
scope for every event. At 20 chat replies at once (bench/chat.py) that was 0.5 ms of the server's 4 ms of CPU per
reply, its largest single part, and more turns in the loop's queue before the first token went out.

What is kept: its wire format (`event:` and `data:` lines ending in CRLF, a blank line after each event), its
headers, a `: ping` comment when nothing was sent for `ping_seconds` (proxies close idle connections), and its
promise that a client that goes away stops the producer at once (a model call is cancelled, nothing is stored):
- the events are written by the response's own task as the producer yields them;
- a watcher task waits for the client's `http.disconnect` and cancels the response's task: the cancellation
  ends the producer where it waits, and is then absorbed (`Task.uncancel`), so a client leaving is not an error;
- a timer, not a task, looks once per ping interval at whether anything was sent, and only then starts a ping.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from sceneintruder.core.jsoncodec import dumps

PING_SECONDS = 15.0
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def encode_event(event: str, data: str) -> bytes:
    """One event: `event: <name>`, a `data:` line per line of `data`, and the blank line that ends it."""
    if "\n" not in data and "\r" not in data:
        return f"event: {event}\r\ndata: {data}\r\n\r\n".encode()
    lines = "".join(f"data: {line}\r\n" for line in _LINE_BREAK.split(data))
    return f"event: {event}\r\n{lines}\r\n".encode()


def json_event(event: str, value: Any) -> bytes:
    """One event whose data is `value` as JSON: one `data:` line (JSON text never holds a raw line break)."""
    return b"event: %s\r\ndata: %s\r\n\r\n" % (event.encode(), dumps(value))


def _ping() -> bytes:
    return f": ping - {datetime.now(UTC)}\r\n\r\n".encode()


class EventStream(Response):
    """`events`: each one already encoded (`encode_event`), written as it comes."""

    media_type = "text/event-stream"

    def __init__(
        self,
        events: AsyncIterable[bytes],
        *,
        headers: Mapping[str, str] | None = None,
        ping_seconds: float = PING_SECONDS,
    ) -> None:
        self.status_code = 200
        self.background = None
        self._events = events
        self._ping_seconds = ping_seconds
        self.init_headers({**(headers or {}), "Connection": "keep-alive", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        stream = _Stream(task, send, self._ping_seconds)
        watcher = asyncio.ensure_future(stream.watch(receive))
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async for chunk in self._events:
                await stream.write(chunk)
            await stream.finish()
        except asyncio.CancelledError:
            # ours, from the watcher: the client went away, and the producer has stopped; anyone else's goes on
            if not stream.client_left or task.uncancel() > 0:
                raise
        finally:
            stream.stop()
            watcher.cancel()
            events = self._events
            if isinstance(events, AsyncIterator) and hasattr(events, "aclose"):
                await events.aclose()


class _Stream:
    """The writing side of one response: who may still write (the events, a due ping), and the client's fate."""

    def __init__(self, task: asyncio.Task[object], send: Send, ping_seconds: float) -> None:
        self._task = task
        self._send = send
        self._lock = asyncio.Lock()  # a ping never slips between the last event and the end of the body
        self._loop = asyncio.get_running_loop()
        self._ping_seconds = ping_seconds
        self._sent_at = self._loop.time()
        self._timer = self._loop.call_later(ping_seconds, self._ping_due) if ping_seconds > 0 else None
        self._pinging: asyncio.Task[None] | None = None
        self.client_left = False
        self.ending = False  # the end of the body is being written, or the response is over

    async def write(self, chunk: bytes) -> None:
        self._sent_at = self._loop.time()
        async with self._lock:
            await self._send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def finish(self) -> None:
        async with self._lock:
            self.ending = True
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    def stop(self) -> None:
        self.ending = True
        if self._timer is not None:
            self._timer.cancel()
        if self._pinging is not None:
            self._pinging.cancel()

    async def watch(self, receive: Receive) -> None:
        """Cancel the response's task when the client goes away (not when the response has simply ended: the
        server then answers `http.disconnect` too)."""
        message: Message = {}
        while message.get("type") != "http.disconnect":
            message = await receive()
        if not self.ending:
            self.client_left = True
            self._task.cancel()

    def _ping_due(self) -> None:
        idle = self._loop.time() - self._sent_at
        if self.ending:
            return
        if idle >= self._ping_seconds and (self._pinging is None or self._pinging.done()):
            self._pinging = asyncio.ensure_future(self._send_ping())
            idle = 0.0
        self._timer = self._loop.call_later(self._ping_seconds - idle, self._ping_due)

    async def _send_ping(self) -> None:
        async with self._lock:
            if not self.ending:
                self._sent_at = self._loop.time()
                await self._send({"type": "http.response.body", "body": _ping(), "more_body": True})

"""`web.event_stream.EventStream`, driven as an ASGI server drives it: the SSE wire format and headers, pings
while the producer is silent, a client that goes away stopping the producer at once (and the response ending
without an error), a finished response never taken for a client leaving, and anyone else's cancellation kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sceneintruder.web.event_stream import EventStream, encode_event, json_event

SCOPE = {"type": "http", "method": "POST", "path": "/api/chat", "headers": []}


class FakeServer:
    """What uvicorn gives the app: `send` records, `receive` answers `http.disconnect` once the client has gone
    (`client_leaves`) or the response is complete, as uvicorn does."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self._gone = asyncio.Event()

    async def send(self, message: dict) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self._gone.set()
            await asyncio.sleep(0.01)  # as a write that waits for the socket: the watcher runs meanwhile

    async def receive(self) -> dict:
        await self._gone.wait()
        return {"type": "http.disconnect"}

    def client_leaves(self) -> None:
        self._gone.set()

    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")

    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


async def _events(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def test_events_are_written_as_sse_with_the_stream_headers() -> None:
    server = FakeServer()
    response = EventStream(
        _events(json_event("delta", {"delta": "Hé"}), json_event("done", {"ok": True})),
        headers={"Cache-Control": "no-cache"},
    )
    await response(SCOPE, server.receive, server.send)
    assert server.sent[0]["status"] == 200
    headers = server.headers()
    assert headers[b"content-type"] == b"text/event-stream; charset=utf-8"
    assert headers[b"cache-control"] == b"no-cache"
    assert headers[b"x-accel-buffering"] == b"no" and headers[b"connection"] == b"keep-alive"
    assert server.body() == (
        b'event: delta\r\ndata: {"delta":"H\xc3\xa9"}\r\n\r\nevent: done\r\ndata: {"ok":true}\r\n\r\n'
    )
    assert server.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def test_text_data_with_line_breaks_takes_one_data_line_each() -> None:
    assert encode_event("note", "one\ntwo\r\nthree") == (
        b"event: note\r\ndata: one\r\ndata: two\r\ndata: three\r\n\r\n"
    )
    assert encode_event("note", "") == b"event: note\r\ndata: \r\n\r\n"


async def test_a_silent_producer_gets_pings_and_a_busy_one_none() -> None:
    async def slow() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.35)
        yield json_event("delta", {"delta": "late"})

    server = FakeServer()
    await EventStream(slow(), ping_seconds=0.1)(SCOPE, server.receive, server.send)
    body = server.body().decode()
    assert body.count(": ping - ") >= 2 and body.endswith('event: delta\r\ndata: {"delta":"late"}\r\n\r\n')

    async def busy() -> AsyncIterator[bytes]:
        for n in range(8):
            await asyncio.sleep(0.03)
            yield json_event("delta", {"delta": n})

    server = FakeServer()
    await EventStream(busy(), ping_seconds=0.1)(SCOPE, server.receive, server.send)
    assert ": ping" not in server.body().decode()


async def test_a_client_that_goes_away_stops_the_producer_where_it_waits() -> None:
    stopped = asyncio.Event()
    started = asyncio.Event()

    async def waiting_for_the_model() -> AsyncIterator[bytes]:
        try:
            yield json_event("delta", {"delta": "first"})
            started.set()
            await asyncio.Event().wait()  # a model that never answers
            yield json_event("delta", {"delta": "never"})
        finally:
            stopped.set()

    server = FakeServer()
    response = asyncio.ensure_future(EventStream(waiting_for_the_model())(SCOPE, server.receive, server.send))
    await started.wait()
    server.client_leaves()
    await asyncio.wait_for(response, 5)  # ends, without an error
    assert stopped.is_set() and not response.cancelled()
    assert b"never" not in server.body()


async def test_a_finished_response_is_not_taken_for_a_client_leaving() -> None:
    server = FakeServer()
    task = asyncio.ensure_future(
        EventStream(_events(b"event: done\r\ndata: {}\r\n\r\n"))(SCOPE, server.receive, server.send)
    )
    await task
    await asyncio.sleep(0.05)  # the watcher saw `http.disconnect` after the end, and cancelled nothing
    assert task.done() and not task.cancelled() and task.exception() is None
    assert asyncio.current_task().cancelling() == 0


async def test_a_cancellation_from_elsewhere_is_not_absorbed() -> None:
    started = asyncio.Event()

    async def waiting() -> AsyncIterator[bytes]:
        started.set()
        await asyncio.Event().wait()
        yield b""

    server = FakeServer()
    task = asyncio.ensure_future(EventStream(waiting())(SCOPE, server.receive, server.send))
    await started.wait()
    task.cancel()  # the server shutting down, say: not the client
    with pytest.raises(asyncio.CancelledError):
        await task

"""What every fake vendor shares: a request log, a script of behaviours, and the canned failure modes.

A test queues behaviours with `fake.plan("429", "ok")` (one per incoming request, FIFO; "ok" when the plan
is empty) and reply texts with `fake.replies.append(...)`. Behaviours:

    ok          a normal answer (streamed when the request asked for a stream)
    401 429 500 the vendor's own error body for that status (429 carries `Retry-After: <retry_after>`)
    context     the vendor's "context window exceeded" refusal (400)
    hang        no answer until the test ends (past any tiny read timeout)
    malformed   a 200 whose body (or first stream event) is not JSON
    cut         a stream that breaks off mid-way (the connection dies after two deltas)
    truncated   a stream that ends cleanly but without the vendor's terminal event
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tests.support.servers import run_uvicorn

API_KEY = "sk-test-0123456789abcdef"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


class StreamCut(Exception):
    """Raised inside a streaming body: uvicorn then drops the connection mid-response."""


class FakeVendor:
    def __init__(self, *, api_key: str = API_KEY, delay: float = 0.0) -> None:
        self.api_key = api_key
        self.delay = delay  # every answer waits this long first (the benchmark's "vendor time")
        self.requests: list[Seen] = []
        self.replies: deque[str] = deque()
        self.default_reply = "Hello from the fake vendor, nice to meet you."
        self.retry_after = "7"
        self._plan: deque[str] = deque()
        self._release = asyncio.Event()

    def plan(self, *behaviours: str) -> None:
        self._plan.extend(behaviours)

    def next_behaviour(self) -> str:
        return self._plan.popleft() if self._plan else "ok"

    def next_reply(self) -> str:
        return self.replies.popleft() if self.replies else self.default_reply

    async def record(self, request: Request) -> Seen:
        raw = await request.body()
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        seen = Seen(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
        )
        self.requests.append(seen)
        if self.delay:
            await asyncio.sleep(self.delay)
        return seen

    async def hang(self) -> Response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), 30)
        return Response(status_code=204)

    @contextlib.asynccontextmanager
    async def serving(self, app: Any) -> AsyncIterator[str]:
        async with run_uvicorn(app, lifespan="off") as base:
            try:
                yield base
            finally:
                self._release.set()


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json", headers=headers)


def words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts)]


def streaming(chunks: AsyncIterator[bytes], media_type: str = "text/event-stream") -> StreamingResponse:
    return StreamingResponse(chunks, media_type=media_type)


async def cut_after(chunks: list[bytes], keep: int) -> AsyncIterator[bytes]:
    for chunk in chunks[:keep]:
        yield chunk
        await asyncio.sleep(0)
    raise StreamCut("the fake vendor drops the connection")


async def emit(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
        await asyncio.sleep(0)


def sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else orjson.dumps(data).decode("utf-8")
    return f"{head}data: {payload}\n\n".encode()

"""Timeouts that don't pile up (issue 20, item 5): `timeout` in llm_config is the read timeout; a timed-out call
closes its connection before anything else is sent (a local server stops work on a closed connection); against
a local endpoint a timeout is retried at most once, so the same request is never in flight twice. The server
here watches its own connections: it counts requests in flight and notes when a client went away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from sceneintruder.providers.errors import ProviderTimeout
from sceneintruder.providers.http import RetryPolicy, build_http_client
from sceneintruder.providers.llm._common import read_timeout_of, retry_for
from sceneintruder.providers.llm.base import ProviderConfig
from sceneintruder.providers.llm.builtin import OfflineSkills
from sceneintruder.providers.registry import ProviderDeps, default_registry
from tests.providers.llm.conftest import collect, request
from tests.support.servers import run_uvicorn


@dataclass
class SlowServer:
    """Answers nothing until its client hangs up (or 5 s pass); streams one delta first when asked to stream."""

    in_flight: int = 0
    most_in_flight: int = 0
    arrived: list[float] = field(default_factory=list)
    hung_up: list[float] = field(default_factory=list)  # when the server saw each client close its connection

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.chat, methods=["POST"])])

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        self.arrived.append(time.monotonic())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if body.get("stream"):
            return StreamingResponse(self._stream(request), media_type="text/event-stream")
        await self._until_gone(request)
        return Response(status_code=204)

    async def _stream(self, request: Request) -> AsyncIterator[bytes]:
        yield b'data: {"choices":[{"index":0,"delta":{"content":"Once"}}]}\n\n'
        try:
            await asyncio.sleep(5)  # Starlette cancels a streaming body as soon as its client disconnects
        except asyncio.CancelledError:
            self.hung_up.append(time.monotonic())
            raise
        finally:
            self.in_flight -= 1

    async def _until_gone(self, request: Request) -> None:
        """The body is read: the next ASGI message is the client's disconnect, delivered when the socket closes."""
        try:
            message = await asyncio.wait_for(request.receive(), 5)
            if message["type"] == "http.disconnect":
                self.hung_up.append(time.monotonic())
        finally:
            self.in_flight -= 1


async def _provider(base: str, http: httpx.AsyncClient, sleeps: list[float], **options: str):
    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    config = ProviderConfig(name="openai_compatible", base_url=f"{base}/v1", default_model="local", options=options)
    policy = RetryPolicy(max_retries=2, sleep=no_wait, random=lambda: 0.5)
    return default_registry().build(config, ProviderDeps(http=http, retry=policy, skills=OfflineSkills()))


async def test_the_configured_timeout_is_the_read_timeout_and_a_local_timeout_is_retried_once_after_closing() -> None:
    server, sleeps = SlowServer(), []
    http = build_http_client(read_timeout=30.0)  # the app's default is long: only `timeout` can end this call
    async with run_uvicorn(server.app(), lifespan="off") as base:
        provider = await _provider(base, http, sleeps, timeout="0.3")
        started = time.monotonic()
        with pytest.raises(ProviderTimeout):
            await provider.complete(request("local"))
        took = time.monotonic() - started
        await asyncio.sleep(0.1)  # let the server notice the second hang-up
    await http.aclose()
    assert len(server.arrived) == 2 and sleeps == [0.25]  # a local timeout is retried once, not twice
    assert took < 5  # ended by the 0.3 s `timeout`, not by the server's 5 s or the client's 30 s
    assert server.most_in_flight == 1  # never the same request twice at once
    assert len(server.hung_up) == 2 and server.hung_up[0] <= server.arrived[1]  # closed before it was re-sent


async def test_a_streamed_call_that_stalls_times_out_and_closes_its_stream() -> None:
    server, sleeps = SlowServer(), []
    http = build_http_client(read_timeout=30.0)
    async with run_uvicorn(server.app(), lifespan="off") as base:
        provider = await _provider(base, http, sleeps, timeout="0.3")
        with pytest.raises(ProviderTimeout):
            await collect(provider, request("local"))
        await asyncio.sleep(0.1)
        in_flight_after = server.in_flight  # before the server shuts down (which would end it anyway)
    await http.aclose()
    assert len(server.arrived) == 1 and sleeps == []  # a stream that started is never re-sent
    assert len(server.hung_up) == 1 and in_flight_after == 0  # the server saw the stream closed and stopped


def test_timeouts_are_retried_as_other_errors_against_a_vendor_and_once_against_a_local_server() -> None:
    policy = RetryPolicy(max_retries=2)
    assert retry_for("https://api.openai.com/v1", policy) is policy
    local = retry_for("http://192.168.1.20:11434", policy)
    timeout = ProviderTimeout(provider="ollama", model="m")
    assert local.delay_for(timeout, 1) is not None and local.delay_for(timeout, 2) is None
    assert policy.delay_for(timeout, 2) is not None


@pytest.mark.parametrize(
    ("value", "seconds"), [("45", 45.0), ("2.5", 2.5), ("", None), ("0", None), ("-3", None), ("soon", None)]
)
def test_the_timeout_setting_reads_seconds_and_ignores_what_is_not(value: str, seconds: float | None) -> None:
    assert read_timeout_of({"timeout": value}) == seconds

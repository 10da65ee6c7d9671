"""The vendors' transport (aiohttp's pool under httpx): what a vendor's socket does reaches the adapters as the
error it is, and kept-alive connections are reused. Raw asyncio servers on loopback play the vendor."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import httpx
import pytest

from sceneintruder.providers.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from sceneintruder.providers.http import RetryPolicy, build_http_client, open_stream, post_json
from sceneintruder.providers.transport import translated

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK_BODY = b'{"ok": true}'


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """A server on a free port; yields its URL and a list that grows by one per accepted connection."""
    connections: list[int] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}/v1/call", connections


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
    )
    await reader.readexactly(length)


def response(body: bytes, *, length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (size, body)


async def call(url: str, *, read_timeout: float | None = None) -> object:
    http = build_http_client(read_timeout=5.0)
    try:
        return await post_json(
            http, url, payload={"q": 1}, headers={}, error_for=lambda *_: ProviderError(), provider="fake",
            model="m", retry=RetryPolicy(max_retries=0), read_timeout=read_timeout,
        )  # fmt: skip
    finally:
        await http.aclose()


async def hang_up(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
    await read_request(reader)


async def cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(response(b'{"ok": tr', length=40))
    await writer.drain()


async def stay_silent(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await asyncio.sleep(5)


@pytest.mark.parametrize(
    ("handler", "error", "cause"),
    [
        (hang_up, ProviderUnavailable, httpx.RemoteProtocolError),  # closed before any answer: not a timeout
        (cut_short, ProviderUnavailable, httpx.ReadError),
        (stay_silent, ProviderTimeout, httpx.ReadTimeout),
    ],
)
async def test_what_the_vendors_socket_does_is_the_error_the_adapter_sees(
    handler: Handler, error: type[ProviderError], cause: type[httpx.TransportError]
) -> None:
    async with raw_server(handler) as (url, _):
        with pytest.raises(error) as caught:
            await call(url, read_timeout=0.2)
    assert type(caught.value.__cause__) is cause


async def test_a_refused_connection_is_unavailable() -> None:
    async with raw_server(read_request) as (url, _):
        pass  # the port is closed again
    with pytest.raises(ProviderUnavailable) as caught:
        await call(url)
    assert type(caught.value.__cause__) is httpx.ConnectError


async def test_a_stream_reset_mid_way_is_unavailable_after_its_first_lines() -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 500\r\n\r\ndata: one\n\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.transport.abort()

    http = build_http_client(read_timeout=5.0)
    lines: list[str] = []
    async with raw_server(reset) as (url, _):
        with pytest.raises(ProviderUnavailable):
            async with open_stream(
                http, url, payload={}, headers={}, error_for=lambda *_: ProviderError(), provider="fake", model="m",
                retry=RetryPolicy(max_retries=0),
            ) as stream:  # fmt: skip
                async for line in stream:
                    lines.append(line)
    await http.aclose()
    assert lines[0] == "data: one"


async def test_kept_alive_connections_are_reused() -> None:
    async def serve_many(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await read_request(reader)
                writer.write(response(OK_BODY))
                await writer.drain()

    http = build_http_client(read_timeout=5.0)
    async with raw_server(serve_many) as (url, connections):
        for _ in range(5):
            answer = await post_json(
                http, url, payload={}, headers={}, error_for=lambda *_: ProviderError(), provider="fake", model="m",
                retry=RetryPolicy(max_retries=0),
            )  # fmt: skip
            assert answer == {"ok": True}
        await http.aclose()
    assert len(connections) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("cut"), httpx.ReadError),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.NetworkError),
        (aiohttp.InvalidURL("nope://x"), httpx.UnsupportedProtocol),
    ],
)
def test_each_aiohttp_error_is_the_httpx_error_it_is(error: aiohttp.ClientError, expected: type) -> None:
    mapped = translated(error)
    assert type(mapped) is expected
    assert isinstance(mapped, httpx.TimeoutException) == isinstance(error, TimeoutError)

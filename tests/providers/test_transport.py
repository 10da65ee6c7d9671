"""The vendors' transport (aiohttp's pool under httpx): what a vendor's socket does reaches the adapters as the
error it is, and kept-alive connections are reused. Raw asyncio servers on loopback play the vendor."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import aiohttp
import httpx
import pytest

from sceneintruder.providers.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from sceneintruder.providers.http import RetryPolicy, build_http_client, open_stream, post_json
from sceneintruder.providers.transport import LineSplitter, VendorClient, translated

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


def direct_only_client() -> tuple[VendorClient, list[httpx.Request]]:
    """The vendors' client, with a list of the requests its httpx layer was asked for (a direct call asks none)."""
    http = build_http_client(read_timeout=5.0)
    assert isinstance(http, VendorClient)
    asked: list[httpx.Request] = []
    original = http.vendor_transport.handle_async_request

    async def through_httpx(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return await original(request)

    http.vendor_transport.handle_async_request = through_httpx  # type: ignore[method-assign]
    return http, asked


def recording_mapper(header: str) -> tuple[list[tuple[int, bytes, str | None]], Callable[..., ProviderError]]:
    """An adapter's error mapper that notes each error's status, body and `header`."""
    mapped: list[tuple[int, bytes, str | None]] = []

    def error_for(status: int, body: bytes, headers: httpx.Headers) -> ProviderError:
        mapped.append((status, body, headers.get(header)))
        return ProviderError(provider="fake")

    return mapped, error_for


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


async def test_a_model_call_goes_straight_to_aiohttp_and_sends_and_reads_what_httpx_would() -> None:
    """post_json on the vendors' client skips httpx's client layer (its transport is never asked) and still sends
    the URL with its query, the headers and the body, and hands an error's status, body and headers (Retry-After)
    to the adapter's error mapper."""
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-l"))
                seen.append(head + await reader.readexactly(length))
                if b"limited" in head.split(b"\r\n")[0]:
                    body = b'{"error": "slow down"}'
                    writer.write(
                        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(body), body)
                    )
                else:
                    writer.write(response(OK_BODY))
                await writer.drain()

    mapped, error_for = recording_mapper("retry-after")
    http, asked = direct_only_client()
    async with raw_server(record) as (url, _):
        answer = await post_json(
            http, url, payload={"q": "é"}, headers={"Authorization": "Bearer k"}, error_for=error_for,
            provider="fake", model="m", retry=RetryPolicy(max_retries=0), params={"key": "a b"},
        )  # fmt: skip
        with pytest.raises(ProviderError):
            await post_json(
                http, url.replace("/call", "/limited"), payload={}, headers={}, error_for=error_for,
                provider="fake", model="m", retry=RetryPolicy(max_retries=0),
            )  # fmt: skip
    await http.aclose()
    assert answer == {"ok": True} and asked == []
    request_line, *header_lines = seen[0].split(b"\r\n\r\n")[0].split(b"\r\n")
    assert request_line == b"POST /v1/call?key=a+b HTTP/1.1"
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(b":") for line in header_lines)}
    assert headers[b"authorization"] == b"Bearer k" and headers[b"content-type"] == b"application/json"
    assert seen[0].endswith('{"q":"é"}'.encode())
    assert mapped == [(429, b'{"error": "slow down"}', "7")]


async def test_a_url_an_environment_proxy_covers_goes_through_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY/NO_PROXY are honoured with our transport too (httpx leaves them out when given one): a proxied
    URL goes to the proxy, through httpx; the others go straight to aiohttp."""
    request_lines: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_lines.append(head.split(b"\r\n")[0])
        length = next(int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-l"))
        await reader.readexactly(length)
        writer.write(response(OK_BODY))
        await writer.drain()

    async with raw_server(proxy) as (proxy_url, _):
        monkeypatch.setenv("HTTP_PROXY", proxy_url.removesuffix("/v1/call"))
        monkeypatch.setenv("NO_PROXY", "localhost")
        http = build_http_client(read_timeout=5.0)
        assert isinstance(http, VendorClient)
        try:
            assert http.direct_for("http://vendor.example/v1") is None  # the proxy's transport serves it
            assert http.direct_for("http://localhost:8080/v1") is http.vendor_transport
            answer = await post_json(
                http, "http://vendor.example/v1/call", payload={}, headers={},
                error_for=lambda *_: ProviderError(provider="fake"), provider="fake", model="m",
                retry=RetryPolicy(max_retries=0),
            )  # fmt: skip
            http.cookies.set("session", "x")  # a client with state of its own: httpx adds it, so httpx sends
            assert http.direct_for("http://localhost:8080/v1") is None
        finally:
            await http.aclose()
    assert answer == {"ok": True}
    assert request_lines == [b"POST http://vendor.example/v1/call HTTP/1.1"]


async def test_a_streamed_call_goes_straight_to_aiohttp_and_reads_the_lines_httpx_would() -> None:
    """open_stream on the vendors' client reads the body from aiohttp as it arrives (httpx's transport is never
    asked), cut into the same lines httpx's `aiter_lines` makes, whatever the chunks; an error status reaches the
    adapter's mapper with its body and headers."""
    pieces = [b"data: caf\xc3", b"\xa9\r", b"\n\r\ndata: two\n", b"\ndata: \xe2\x80", b"\xa6 three\r\r\n: c", b"omment"]

    async def stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-l"))
                await reader.readexactly(length)
                if b"refused" in head.split(b"\r\n")[0]:
                    body = b'{"error": "no"}'
                    writer.write(
                        b"HTTP/1.1 401 Unauthorized\r\nX-Why: key\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                    )
                    await writer.drain()
                    continue
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                )
                for piece in pieces:
                    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    await writer.drain()
                    await asyncio.sleep(0.01)  # each piece its own read
                writer.write(b"0\r\n\r\n")
                await writer.drain()

    mapped, error_for = recording_mapper("x-why")
    http, asked = direct_only_client()
    lines: list[str] = []
    async with raw_server(stream) as (url, _):
        async with open_stream(
            http, url, payload={}, headers={}, error_for=error_for, provider="fake", model="m",
            retry=RetryPolicy(max_retries=0),
        ) as opened:  # fmt: skip
            lines = [line async for line in opened]
        with pytest.raises(ProviderError):
            async with open_stream(
                http, url.replace("/call", "/refused"), payload={}, headers={}, error_for=error_for,
                provider="fake", model="m", retry=RetryPolicy(max_retries=0),
            ):  # fmt: skip
                pass
    await http.aclose()
    assert asked == []
    assert lines == ["data: café", "", "data: two", "", "data: … three", "", ": comment"]
    assert mapped == [(401, b'{"error": "no"}', "key")]


@pytest.mark.parametrize("seed", range(20))
def test_lines_are_cut_as_httpx_cuts_them_however_the_text_arrives(seed: int) -> None:
    import random

    rng = random.Random(seed)
    alphabet = ["a", "é", "\n", "\r", "\r\n", "\u2028", "data: x", " "]
    text = "".join(rng.choice(alphabet) for _ in range(60))
    cuts = sorted(rng.sample(range(1, len(text)), 8))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    ours, theirs = LineSplitter(), httpx._decoders.LineDecoder()
    mine = [line for piece in pieces for line in ours.feed(piece)] + ours.flush()
    expected = [line for piece in pieces for line in theirs.decode(piece)] + theirs.flush()
    assert mine == expected


@contextlib.contextmanager
def threaded_server() -> Iterator[tuple[str, list[float]]]:
    """A server in a thread of its own (not this event loop): yields its URL and the time each whole request
    arrived, however busy the test's loop is."""
    arrived: list[float] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection, connection.makefile("rb") as stream:
                while head := stream.readline():
                    length = 0
                    while (line := stream.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length"):
                            length = int(line.split(b":")[1])
                    stream.read(length)
                    arrived.append(time.monotonic())
                    assert head.startswith(b"POST ")
                    connection.sendall(response(OK_BODY))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1/call", arrived
    finally:
        listener.close()
        thread.join(timeout=5)


async def test_a_model_calls_request_goes_out_in_the_callers_step() -> None:
    """The request is written before the event loop runs anything else ready at that moment (aiohttp writes the
    body from a task of its own, which on Python 3.11 waited behind all of it: `EagerBodyRequest`)."""
    hog_ended: list[float] = []

    def hog() -> None:  # another request's work, ready in the same turn of the loop
        time.sleep(0.3)
        hog_ended.append(time.monotonic())

    http = build_http_client(read_timeout=5.0)
    with threaded_server() as (url, arrived):
        try:
            for _ in range(2):  # the second one on the connection the first opened: nothing to wait for
                calling = asyncio.ensure_future(
                    post_json(
                        http,
                        url,
                        payload={"q": 1},
                        headers={},
                        error_for=lambda *_: ProviderError(),
                        provider="fake",
                        model="m",
                        retry=RetryPolicy(max_retries=0),
                    )
                )
                asyncio.get_running_loop().call_soon(hog)
                assert await calling == {"ok": True}
        finally:
            await http.aclose()
    assert len(arrived) == 2 and arrived[1] < hog_ended[1]

"""The connection pool under the vendors' `httpx.AsyncClient`: aiohttp's, through httpx-aiohttp's transport.

Why: httpcore's pool walks every connection twice per request, asking each idle one whether its socket is readable
(a poll and an anyio attribute lookup each). Profiled under 20 concurrent model calls, that walk and the rest of
httpcore were half the server's CPU, and the queue it built was most of the call's added latency (`bench/
llm_overhead.py`). aiohttp's pool hands out a kept-alive connection in O(1) and its parser is compiled. The adapters
keep the httpx API (requests, streaming, timeouts, `httpx.Response`); only the transport changes.

What we add to httpx-aiohttp's transport (`AiohttpTransport`, used as it is):
- **Honest errors.** It maps every aiohttp connection error to `httpx.ConnectTimeout`, so a vendor that resets a
  connection or cuts a stream would read as a timeout, and lets some aiohttp errors through unmapped. Here every
  aiohttp error becomes the httpx error it is (`translated()`): a timeout only when aiohttp timed out, a cut or
  reset as a read or protocol error, a refused connection as a connect error.
- **The session we want**, made lazily inside the running loop: no cookie jar of aiohttp's own (httpx keeps the
  client's cookies, as before), and a keep-alive of 4 s: servers that close idle connections after 5 s (uvicorn,
  llama.cpp's server) must not close one while we hand it to a request. Proxies set in the environment are still
  httpx's: it mounts its own proxy transport for them, as before.
- Timeouts: httpx's connect, read and pool timeouts become aiohttp's (`sock_connect`, `sock_read`, `connect`); a
  write timeout has no aiohttp counterpart (request bodies here are a few kilobytes).
- **A direct POST** (`VendorClient.direct_for` and `VendorTransport.post`): a model call, the most frequent request,
  skips httpx's client layer (its Request, cookies, auth and Response objects: two thirds of the client's CPU per
  call, measured at 20 concurrent calls) and goes straight to the same aiohttp session, with the same timeouts and
  the same error translation. A URL an environment proxy covers still goes through httpx.
- **A direct stream** (`VendorTransport.stream`), likewise for a streamed model call (every chat reply): the body
  is read as it arrives and cut into lines here (`lines`), as httpx's `aiter_lines` does, without httpx's
  Response, decoders and per-chunk wrappers between aiohttp and the adapter.
"""

from __future__ import annotations

import codecs
import contextlib
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from sceneintruder.core.resumed import Resumed

KEEPALIVE_SECONDS = 4.0


def translated(exc: aiohttp.ClientError) -> httpx.TransportError:
    """The httpx transport error an aiohttp client error is."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, TimeoutError):  # aiohttp's socket-read and server timeouts
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(message)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.ClientPayloadError):  # a body cut short or malformed
        return httpx.ReadError(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message)
    return httpx.NetworkError(message)  # resets and other socket errors


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except httpx.TransportError as exc:
        if isinstance(exc.__cause__, aiohttp.ClientError):  # httpx-aiohttp's own mapping, made again
            raise translated(exc.__cause__) from exc.__cause__
        raise
    except aiohttp.ClientError as exc:
        raise translated(exc) from exc


class _TranslatedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _httpx_errors():
            await self._inner.aclose()


class EagerBodyRequest(aiohttp.ClientRequest):
    """A request whose body starts going out in the caller's own step, as aiohttp does on Python 3.12 and later.

    aiohttp writes a request's headers and body from a task of its own (`write_bytes`), started eagerly on 3.12+
    so that a small body is written at once. On 3.11 that task waits its turn in the event loop's queue, behind
    every callback ready at that moment: under 20 concurrent model calls (bench/story.py), the requests of all
    the story choices whose claims ran in one turn of the loop went out together at its end, so their answers
    came back together 50 ms later and each waited for the others' stores. Here the write starts in the
    caller's step (`core.resumed`): a body that fits the socket's buffer is written whole there; one that has to
    wait for the socket (never a model call's few kilobytes) is finished by aiohttp's task, as before.
    """

    def write_bytes(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, None]:
        writing = super().write_bytes(*args, **kwargs)
        try:
            waiting_on = writing.send(None)
        except StopIteration:
            return _written()
        except BaseException as error:  # raised in aiohttp's task, as it would have been
            return _failed(error)
        return _rest_of(Resumed(writing, waiting_on))


async def _written() -> None:
    return None


async def _failed(error: BaseException) -> None:
    raise error


async def _rest_of(rest: Resumed) -> None:
    await rest


# aiohttp starts the body's task eagerly itself from Python 3.12 on
_REQUEST_CLASS: type[aiohttp.ClientRequest] = EagerBodyRequest if sys.version_info < (3, 12) else aiohttp.ClientRequest


class VendorTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over aiohttp's pool, with aiohttp's errors made httpx's."""

    def __init__(self, *, max_connections: int) -> None:
        context = httpx.create_ssl_context()

        def session() -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=KEEPALIVE_SECONDS, ssl=context)
            return aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), request_class=_REQUEST_CLASS
            )

        self._inner = AiohttpTransport(client=session)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _httpx_errors():
            response = await self._inner.handle_async_request(request)
        response.stream = _TranslatedStream(cast(httpx.AsyncByteStream, response.stream))
        return response

    def _session(self) -> aiohttp.ClientSession:
        inner = self._inner
        if not isinstance(inner.client, aiohttp.ClientSession):  # made in the running loop, on first use
            inner.client = inner.get_client()
        return inner.client

    async def post(
        self, url: str, *, content: bytes, headers: Mapping[str, str], limits: httpx.Timeout
    ) -> DirectResponse:
        """POST `content` and read the whole answer, on aiohttp directly; errors are httpx's, as for any request.
        `limits`: httpx's timeouts, made aiohttp's as for any request (write has no counterpart)."""
        timeout = aiohttp.ClientTimeout(sock_connect=limits.connect, sock_read=limits.read, connect=limits.pool)
        with _httpx_errors():
            async with self._session().post(
                url, data=content, headers=headers, allow_redirects=False, timeout=timeout
            ) as response:
                body = await response.read()
        return DirectResponse(response.status, body, response.raw_headers)

    @contextlib.asynccontextmanager
    async def stream(
        self, url: str, *, content: bytes, headers: Mapping[str, str], limits: httpx.Timeout
    ) -> AsyncIterator[DirectStream]:
        """POST `content` and hold the answer open for reading as it arrives; errors are httpx's."""
        timeout = aiohttp.ClientTimeout(sock_connect=limits.connect, sock_read=limits.read, connect=limits.pool)
        with _httpx_errors():
            async with self._session().post(
                url, data=content, headers=headers, allow_redirects=False, timeout=timeout
            ) as response:
                yield DirectStream(response)

    async def aclose(self) -> None:
        await self._inner.aclose()


class DirectStream:
    """A streamed answer read straight from aiohttp: its status and headers, then its body whole or by lines."""

    __slots__ = ("_response", "status_code")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status

    @property
    def headers(self) -> httpx.Headers:
        return httpx.Headers(list(self._response.raw_headers))

    async def read(self) -> bytes:
        with _httpx_errors():
            return await self._response.read()

    async def lines(self) -> AsyncIterator[str]:
        """The body as text lines, without their line endings, split as httpx's `aiter_lines` splits them."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        splitter = LineSplitter()
        with _httpx_errors():
            async for chunk in self._response.content.iter_any():
                for line in splitter.feed(decoder.decode(chunk)):
                    yield line
        for line in splitter.feed(decoder.decode(b"", final=True)) + splitter.flush():
            yield line


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines breaks at


class LineSplitter:
    """Text arriving in pieces, cut into lines as `str.splitlines` cuts a whole text (httpx's LineDecoder rules):
    a line is held until its break arrives, and a CR ending a piece waits to see whether a LF follows it."""

    __slots__ = ("_held", "_trailing_cr")

    def __init__(self) -> None:
        self._held: list[str] = []
        self._trailing_cr = False

    def feed(self, text: str) -> list[str]:
        if self._trailing_cr:
            text = "\r" + text
            self._trailing_cr = False
        if text.endswith("\r"):
            self._trailing_cr = True
            text = text[:-1]
        if not text:
            return []
        broken = text[-1] in _LINE_BREAKS
        lines = text.splitlines()
        if len(lines) == 1 and not broken:
            self._held.append(lines[0])
            return []
        if self._held:
            lines[0] = "".join(self._held) + lines[0]
            self._held = []
        if not broken:
            self._held = [lines.pop()]
        return lines

    def flush(self) -> list[str]:
        """What is left when the text ends: a last line with no break after it."""
        if not self._held and not self._trailing_cr:
            return []
        line = "".join(self._held)
        self._held = []
        self._trailing_cr = False
        return [line]


@dataclass(frozen=True, slots=True)
class DirectResponse:
    status_code: int
    content: bytes
    raw_headers: Any  # aiohttp's (name, value) byte pairs: made httpx.Headers only for an error's mapper

    @property
    def headers(self) -> httpx.Headers:
        return httpx.Headers(list(self.raw_headers))


class VendorClient(httpx.AsyncClient):
    """The vendors' httpx client over `VendorTransport`, which `providers.http.post_json` may also use directly."""

    def __init__(self, *, transport: VendorTransport, **kwargs: Any) -> None:
        super().__init__(transport=transport, **kwargs)
        self.vendor_transport = transport

    def direct_for(self, url: str) -> VendorTransport | None:
        """The transport, when it is what would serve `url` (not an environment proxy's), and the client adds
        nothing of its own to a request (no default headers beyond httpx's, no cookies, auth or hooks)."""
        if self.cookies or self.auth is not None or any(self.event_hooks.values()):
            return None
        if self._mounts and self._transport_for_url(httpx.URL(url)) is not self.vendor_transport:
            return None
        return self.vendor_transport

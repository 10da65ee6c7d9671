"""A lean HTTP/1.1 client for timing streamed answers: one kept-alive connection, a JSON POST, the answer read
to its end (chunked or sized), and the time at which its body first shows a given marker.

Why not httpx: driving 20 concurrent streams (and as many raw ones to compare with), httpx used close to half a
core of the two this machine has (2.8 ms of CPU per pair of streams, bench/chat.py), taken from the server and
the fake vendor it measures; this one parses only what it needs (a status line, two headers, chunk sizes) on
asyncio's streams. Both sides of a comparison go through it, the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

Marker = Callable[[bytes], bool]  # True for the first body bytes that count as the answer's first token


class StreamClient:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self._reader, self._writer

    async def post(self, path: str, body: bytes, headers: dict[str, str], marker: Marker) -> tuple[int, float | None]:
        """POST `body` (JSON) and read the whole answer: (status, ms from sending until the marker was seen, or
        None if it never was)."""
        status, seen, _total, _body = await self.exchange(path, body, headers, marker)
        return status, seen

    async def exchange(
        self, path: str, body: bytes, headers: dict[str, str], marker: Marker | None = None
    ) -> tuple[int, float | None, float, bytes]:
        """As `post`, and also the ms until the answer had been read whole, and its body."""
        reader, writer = await self._connection()
        head = [f"POST {self._prefix}{path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}", "", ""]
        started = time.perf_counter()
        writer.write("\r\n".join(head).encode() + body)
        status, chunked, length, close = _head(await reader.readuntil(b"\r\n\r\n"))
        seen: float | None = None
        tail = b""
        parts: list[bytes] = []
        while True:
            if chunked:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")  # no trailers: the empty line that ends the body
                    break
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                if length == 0:
                    break
                data = await reader.readexactly(length)
                length = 0
            parts.append(data)
            if seen is None and marker is not None and marker(tail + data):
                seen = (time.perf_counter() - started) * 1000
            tail = data[-64:]  # a marker split across two chunks is still found
        total = (time.perf_counter() - started) * 1000
        if close:
            await self.aclose()
        return status, seen, total, b"".join(parts)

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
        self._reader = self._writer = None


def _head(raw: bytes) -> tuple[int, bool, int, bool]:
    """(status, chunked, content length, connection closes) of a response head."""
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    chunked, length, close = False, 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "content-length":
            length = int(value)
        elif name == "connection" and "close" in value:
            close = True
    return status, chunked, length, close


@contextlib.asynccontextmanager
async def side_by_side(server_url: str, vendor_url: str) -> AsyncIterator[tuple[StreamClient, StreamClient]]:
    """A client for the server measured and one for the fake vendor it is compared with, closed together."""
    server, vendor = StreamClient(server_url), StreamClient(vendor_url)
    try:
        yield server, vendor
    finally:
        await server.aclose()
        await vendor.aclose()

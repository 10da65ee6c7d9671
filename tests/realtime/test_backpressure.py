"""A client that stops reading delays no one's broadcast, and is closed: when its send queue overflows, or by the
cleanup once its writer has been stuck longer than the ping timeout.

The stalled client is a real `websockets` client that never reads after the greeting, on a socket with a small
receive buffer, so the kernel buffers, then uvicorn's, then its send queue fill up. Each broadcast waits until the
reading client has it: were the hub to wait for the stalled client, the reading one would never get the next.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from sceneintruder.core.principal import Principal, Role
from tests.support.builders import bearer, make_user, token_for
from tests.support.live import Live, serve_demo
from tests.support.state import hub_of
from tests.support.ws import receive, ws_connect

PAD = "x" * 16_000
ADMIN = Principal(user_id="root", role=Role.ADMIN, authenticated=True)


def _small_buffer_socket(live: Live) -> socket.socket:
    url = urlsplit(live.base)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((url.hostname, url.port))
    sock.setblocking(False)
    return sock


async def _clients_in(live: Live, scene_id: str) -> int:
    return (await hub_of(live.app).status(ADMIN))["scenes"].get(scene_id, {}).get("client_count", 0)


async def _flood_until_dropped(live: Live, reader, *, cleanup_headers: dict[str, str] | None = None) -> int:
    """Broadcast to scene_a, one message at a time, until the hub has dropped the stalled client."""
    hub = hub_of(live.app)
    for n in range(5000):
        await hub.publish("scene_a", {"type": "flood", "n": n, "pad": PAD})
        message = await receive(reader)
        assert (message["type"], message["n"]) == ("flood", n)
        if cleanup_headers is not None and n % 20 == 19:
            response = await live.client.post("/api/ws/cleanup", headers=cleanup_headers)
            assert response.status_code == 200
        if await _clients_in(live, "scene_a") == 1:
            return n + 1
    raise AssertionError("the stalled client was never dropped")


async def _closed_with(stalled) -> tuple[int, str, int]:
    """Read what the stalled client was sent, up to the close frame: (code, reason, messages read)."""
    count = 0
    try:
        while True:
            await receive(stalled)
            count += 1
    except ConnectionClosed as closed:
        return closed.rcvd.code, closed.rcvd.reason, count


@asynccontextmanager
async def _reader_and_stalled(live: Live) -> AsyncIterator[tuple[ClientConnection, ClientConnection]]:
    """Two clients in scene_a, greeted: one reads, the other stops reading from now on."""
    async with (
        ws_connect(live.ws, "/ws/scene/scene_a?user_id=reader") as reader,
        ws_connect(
            live.ws, "/ws/scene/scene_a?user_id=stalled", sock=_small_buffer_socket(live), max_queue=1
        ) as stalled,
    ):
        await receive(reader)
        await receive(stalled)
        assert await _clients_in(live, "scene_a") == 2
        yield reader, stalled


async def test_a_stalled_client_delays_no_one_and_is_closed_when_its_queue_overflows(make_settings) -> None:
    async with serve_demo(make_settings(ws_send_queue_size=8)) as live:
        async with _reader_and_stalled(live) as (reader, stalled):
            sent = await _flood_until_dropped(live, reader)
            await hub_of(live.app).publish("scene_a", {"type": "after"})
            assert await receive(reader) == {"type": "after"}  # the reader carries on
            code, reason, read = await _closed_with(stalled)
        assert (code, reason) == (1013, "send queue overflow: the client does not read fast enough")
        assert read < sent  # it was dropped, not served: the rest of the flood never reached it


async def test_cleanup_drops_a_client_whose_writer_is_stuck_past_the_ping_timeout(make_settings) -> None:
    async with serve_demo(make_settings(ws_send_queue_size=100_000, ws_ping_timeout_seconds=0.05)) as live:
        await make_user(live.app, "root", role=Role.ADMIN)
        admin = bearer(token_for(live.app, "root"))
        async with _reader_and_stalled(live) as (reader, stalled):
            await _flood_until_dropped(live, reader, cleanup_headers=admin)
            code, reason, _ = await _closed_with(stalled)
        assert (code, reason) == (1013, "the client stopped reading")

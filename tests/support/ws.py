"""WebSocket helpers for tests: connect to the live server with `websockets`, read JSON messages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


def ws_connect(base: str, path: str, **kwargs: Any) -> connect:
    """`async with ws_connect(live.ws, "/ws/scene/s1?user_id=x") as ws:` (no keepalive pings, no compression)."""
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("compression", None)
    kwargs.setdefault("open_timeout", 10)
    return connect(base + path, **kwargs)


async def receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(10):  # a missing message fails the test instead of hanging it
        return json.loads(await ws.recv())


async def receive_type(ws: ClientConnection, message_type: str) -> dict[str, Any]:
    """The next message of `message_type`, skipping others (heartbeats, presence)."""
    while (message := await receive(ws))["type"] != message_type:
        pass
    return message

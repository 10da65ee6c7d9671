"""A small Server-Sent Events reader over an httpx stream (what a browser's EventSource does, minus reconnecting)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SseEvent:
    event: str
    id: str | None
    data: Any  # parsed JSON


async def sse_events(response: httpx.Response) -> AsyncIterator[SseEvent]:
    fields: dict[str, list[str]] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                ids = fields.get("id")
                yield SseEvent(
                    fields.get("event", ["message"])[-1],
                    ids[-1] if ids else None,
                    json.loads("\n".join(fields["data"])),
                )
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)


async def read_stream(client: httpx.AsyncClient, url: str, **kwargs: Any) -> list[SseEvent]:
    """Every event until the server ends the stream."""
    async with client.stream("GET", url, **kwargs) as response:
        assert response.status_code == 200, await response.aread()
        return [event async for event in sse_events(response)]

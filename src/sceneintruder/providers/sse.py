"""Server-sent events, parsed from a stream of lines (the WHATWG rules the vendors' streams follow).

Each event is `(event, data)`: `event` is the `event:` field ("" when absent) and `data` the `data:` lines
joined by newlines. Comment lines (`: ping`) and unknown fields are skipped; an event ends at a blank line,
and a last event not followed by one is still delivered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SSEEvent:
    event: str
    data: str


async def iter_sse(lines: AsyncIterator[str]) -> AsyncIterator[SSEEvent]:
    event = ""
    data: list[str] = []
    async for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield SSEEvent(event, "\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
    if data:
        yield SSEEvent(event, "\n".join(data))

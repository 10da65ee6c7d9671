"""The events of `GET /api/progress/:id` (reference spec §7.2); the router serves them as Server-Sent Events.

    id: 0            event: connected   data: {"message":"连接已建立"}
    id: <seq>        event: progress    data: {"progress", "message", "status", "event_type", "task_id", ...}
    id: <last seq>   event: heartbeat   data: {"time": <unix seconds>}      (after every quiet interval)

Beyond the reference: every event has an `id:` (a job event's sequence number; `connected` and `heartbeat` repeat
the last one sent, so a browser's `lastEventId` only ever moves forward), `Last-Event-ID` replays what the client
missed, and the final event carries `task_id` with `result` or `error`. The stream ends after the final event.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from sceneintruder.jobs.errors import TASK_NOT_FOUND_MESSAGE
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.jobs.schemas import MESSAGE_CONNECTED, EventType


class StreamEvent(NamedTuple):
    name: str  # the SSE `event:`
    data: dict[str, Any]  # its `data:`, as JSON
    id: int  # its `id:`


def _event(name: str, data: dict[str, Any], event_id: int) -> StreamEvent:
    return StreamEvent(name, data, event_id)


async def job_events(
    jobs: JobRegistry, task_id: str, *, last_event_id: int | None, heartbeat_seconds: float
) -> AsyncIterator[StreamEvent]:
    cursor = last_event_id or 0
    yield _event("connected", {"message": MESSAGE_CONNECTED}, cursor)
    async for event in jobs.subscribe(task_id, after=last_event_id, idle_timeout=heartbeat_seconds):
        if event is None:
            yield _event("heartbeat", {"time": int(time.time())}, cursor)
            continue
        cursor = event.seq
        yield _event("progress", event.wire(), event.seq)


async def not_found_events(task_id: str) -> AsyncIterator[StreamEvent]:
    """What an SSE client asking for an unknown (or someone else's) task gets: one failed event, then the end."""
    data = {
        "progress": 0,
        "message": f"{TASK_NOT_FOUND_MESSAGE}，请重新发起任务",
        "status": "failed",
        "event_type": EventType.TASK_NOT_FOUND.value,
        "task_id": task_id,
    }
    yield _event("progress", data, 0)

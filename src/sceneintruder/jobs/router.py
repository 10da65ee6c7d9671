"""`GET /api/progress/:id` (SSE), `POST /api/cancel/:id` (reference spec §7.2, §7.3) and `GET /api/tasks/:id` (ours).

Access. Browsers' EventSource cannot send an Authorization header, so on `/api/progress` the task id (156
random bits) is the capability; a request that does carry a token sees only its own tasks (an admin: all), and
anyone else's task is reported as unknown. `/api/tasks` and `/api/cancel` are for the task's owner or an admin;
everyone else gets 404 TASK_NOT_FOUND, never a 403 that would confirm the id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from sceneintruder.core.errors import BadRequest
from sceneintruder.jobs.dependencies import JobsDep
from sceneintruder.jobs.errors import TaskNotFound
from sceneintruder.jobs.registry import CancelOutcome
from sceneintruder.jobs.schemas import TaskRead
from sceneintruder.jobs.stream import StreamEvent, job_events, not_found_events
from sceneintruder.web.dependencies import OptionalPrincipalDep, PrincipalDep, SettingsDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, ok

router = APIRouter(tags=["jobs"])

_CANCEL_MESSAGES = {
    CancelOutcome.CANCELLED: "任务已取消",
    CancelOutcome.MARKED: "任务已标记为取消",
    CancelOutcome.ALREADY_FINISHED: "任务已结束，无需取消",
}


MAX_EVENT_ID = 2**63 - 1
# Reference headers (no-cache rather than sse-starlette's no-store); sse-starlette adds keep-alive and
# X-Accel-Buffering: no, so proxies do not hold events back.
_SSE_HEADERS = {"Cache-Control": "no-cache"}


def _sse(events: AsyncIterator[StreamEvent]) -> EventSourceResponse:
    async def encoded() -> AsyncIterator[ServerSentEvent]:
        async for event in events:
            yield ServerSentEvent(data=orjson.dumps(event.data).decode(), event=event.name, id=str(event.id))

    # ping=0: our named `heartbeat` events keep the connection alive; sse-starlette's comment pings would be noise.
    return EventSourceResponse(encoded(), headers=_SSE_HEADERS, ping=0)  # event sequence numbers are 64-bit columns


def _event_id(header: str | None, query: int | None) -> int | None:
    """Where to resume: the `Last-Event-ID` header (sent by a reconnecting EventSource), else `?last_event_id=`.
    A header that is not a sequence number is ignored, as the SSE spec has clients do with unknown ids; one too
    large to be ours is a 400, answered before the stream starts."""
    if header is not None and header.strip().isdigit():
        value = int(header.strip())
        if value > MAX_EVENT_ID:
            raise BadRequest(
                details=[{"field": "Last-Event-ID", "message": f"at most {MAX_EVENT_ID}", "type": "less_than_equal"}]
            )
        return value
    return query


@router.get(
    "/progress/{task_id}",
    response_model=None,
    responses={
        200: {
            "description": "Server-Sent Events: `connected`, `progress`... (with `id:`s), `heartbeat` when idle",
            "content": {"text/event-stream": {}},
        }
    },
)
async def stream_progress(
    task_id: str,
    jobs: JobsDep,
    principal: OptionalPrincipalDep,
    settings: SettingsDep,
    accept: Annotated[str, Header()] = "",
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=32)] = None,
    last_event_id: Annotated[int | None, Query(ge=0, le=MAX_EVENT_ID)] = None,
) -> Response:
    job = await jobs.get(task_id)
    visible = job is not None and (principal is None or principal.is_admin or principal.user_id == job.owner_id)
    if not visible:
        if "text/event-stream" in accept:
            return _sse(not_found_events(task_id))
        raise TaskNotFound(details=task_id)
    after = _event_id(last_event_id_header, last_event_id)
    return _sse(job_events(jobs, task_id, last_event_id=after, heartbeat_seconds=settings.sse_heartbeat_seconds))


@router.post("/cancel/{task_id}", response_model=Envelope[None])
async def cancel_task(task_id: str, jobs: JobsDep, principal: PrincipalDep) -> EnvelopeResponse:
    outcome = await jobs.cancel(task_id, principal)
    return ok(None, _CANCEL_MESSAGES[outcome])


@router.get("/tasks/{task_id}", response_model=Envelope[TaskRead])
async def get_task(task_id: str, jobs: JobsDep, principal: PrincipalDep) -> EnvelopeResponse:
    return ok(TaskRead.of(await jobs.get_for(task_id, principal)), "任务状态获取成功")

"""`JobContext`: what a running job is handed, instead of an untyped `ctx` dict."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sceneintruder.db.session import Database

ProgressReporter = Callable[[float, str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobContext:
    """Who and what the job is (with its `payload`, the JSON it was started with), a progress reporter, and the
    database. It may run in any worker process: everything it needs is in the payload or the database.

    Open one short session per step (`async with ctx.db.writer() as session: ...`), never one held across a
    provider call. Cancellation is real: the job's coroutine gets `CancelledError` at its next `await`, so
    `try/finally` is the place for cleanup; there is no flag to poll.
    """

    job_id: str
    owner_id: str
    kind: str
    db: Database
    _report: ProgressReporter
    payload: dict[str, Any] = field(default_factory=dict)

    async def progress(self, percent: float, message: str, **extra: Any) -> None:
        """Record and broadcast one progress event. `percent` is clamped to 0-100 and never goes down.

        `extra` adds JSON values to the event (the reference's `frame_id`, `phase`, `stage_index`, ...); it may not
        replace `progress`, `message`, `status`, `task_id`, `result` or `error`. `event_type` may name one of the
        step events (`schemas.STEP_EVENTS`: `image_written`, `frame_failed`), else the event is `progress`.
        """
        await self._report(percent, message, extra)

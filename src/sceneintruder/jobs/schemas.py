"""Job states, events and snapshots, and how they look on the wire.

Statuses. The database keeps five (`JobStatus`). The SSE wire keeps the reference's three (spec §7.2): `running`,
`completed`, `failed`. A queued job is `running` at progress 0 with `event_type: "queued"` (the reference has no
queue, and a client that only knows the three statuses just sees a job that has not moved yet); when it gets a
slot it emits `event_type: "progress"` with the reference's first message. A cancelled job is `failed` with
`event_type: "cancelled"`. `GET /api/tasks/:id` (ours) shows the full five.

Every event carries `task_id`; the final one also carries `result` (completed) or `error` (failed or cancelled).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, field_serializer

from sceneintruder.core.schemas import WireModel
from sceneintruder.jobs.models import JobEventRecord, JobRecord

MESSAGE_QUEUED = "任务排队中..."
MESSAGE_STARTED = "任务初始化中..."
MESSAGE_COMPLETED = "任务已完成"
MESSAGE_CANCELLED = "任务失败: 用户取消了任务"
MESSAGE_INTERRUPTED = "interrupted by restart"
MESSAGE_WORKER_LOST = "interrupted: the server process running it stopped"
MESSAGE_CONNECTED = "连接已建立"
FAILED_PREFIX = "任务失败: "

# Keys a progress event always has; a job's `progress(**extra)` may not replace them.
RESERVED_EVENT_KEYS = frozenset({"progress", "message", "status", "event_type", "task_id", "result", "error"})


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for a slot of its kind
    RUNNING = "running"  # its coroutine is running
    COMPLETED = "completed"  # returned; `result` holds what it returned
    FAILED = "failed"  # raised, timed out, or the server stopped under it; `error` says which
    CANCELLED = "cancelled"  # its owner or an admin cancelled it; the coroutine was cancelled

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def wire(self) -> str:
        """The reference's three values."""
        return _WIRE[self]


_FINAL = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
_WIRE = {
    JobStatus.QUEUED: "running",
    JobStatus.RUNNING: "running",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}


class EventType(StrEnum):
    QUEUED = "queued"  # ours: created, waiting for a slot
    PROGRESS = "progress"  # started, or reported progress
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TASK_NOT_FOUND = "task_not_found"  # only ever sent to an SSE client asking for an unknown task
    IMAGE_WRITTEN = "image_written"  # a comic job stored a frame's image (`frame_id`)
    FRAME_FAILED = "frame_failed"  # a comic job could not draw a frame (`frame_id`)
    VIDEO_VALIDATE = "video_validate"  # a video job's stages (`phase`, `stage_index`, `stage_total`, ...)
    VIDEO_TIMELINE_BUILD = "video_timeline_build"
    VIDEO_CLIP_GENERATE = "video_clip_generate"  # one clip (`frame_id`, `provider_task_id`, `provider_status`)
    VIDEO_RENDER_COMPOSE = "video_render_compose"  # composing the film (`render_percent`)


STEP_EVENTS = frozenset(
    {
        EventType.IMAGE_WRITTEN,
        EventType.FRAME_FAILED,
        EventType.VIDEO_VALIDATE,
        EventType.VIDEO_TIMELINE_BUILD,
        EventType.VIDEO_CLIP_GENERATE,
        EventType.VIDEO_RENDER_COMPOSE,
    }
)
"""Event types a running job may report through `progress(..., event_type=...)` (still a running step)."""


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One stored progress event; `seq` counts from 1 per job and is the SSE `id:`."""

    job_id: str
    seq: int
    event_type: EventType
    status: JobStatus
    progress: float
    message: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status.is_final

    def wire(self) -> dict[str, Any]:
        """The `data:` of an `event: progress` (reference keys first, then ours, then the job's extras)."""
        return {
            "progress": _number(self.progress),
            "message": self.message,
            "status": self.status.wire,
            "event_type": self.event_type.value,
            "task_id": self.job_id,
            **self.extra,
        }

    @classmethod
    def of(cls, row: JobEventRecord) -> JobEvent:
        return cls(
            job_id=row.job_id,
            seq=row.seq,
            event_type=EventType(row.event_type),
            status=JobStatus(row.status),
            progress=row.progress,
            message=row.message,
            extra=dict(row.extra or {}),
        )


@dataclass(frozen=True, slots=True)
class JobSnapshot:
    """A job's state at one moment (a row, frozen)."""

    id: str
    kind: str
    owner_id: str
    status: JobStatus
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    idempotency_key: str | None
    last_seq: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: JobRecord) -> JobSnapshot:
        return cls(
            id=row.id,
            kind=row.kind,
            owner_id=row.owner_id,
            status=JobStatus(row.status),
            progress=row.progress,
            message=row.message,
            result=row.result,
            error=row.error,
            idempotency_key=row.idempotency_key,
            last_seq=row.last_seq,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            updated_at=row.updated_at,
        )


class TaskRead(WireModel):
    """`GET /api/tasks/:id`: the job for clients that poll instead of streaming."""

    model_config = ConfigDict(from_attributes=True)

    task_id: str = Field(validation_alias="id")
    kind: str
    status: JobStatus
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @field_serializer("progress")
    def _whole_percent_as_int(self, progress: float) -> float | int:
        return _number(progress)

    @classmethod
    def of(cls, job: JobSnapshot) -> TaskRead:
        return cls.model_validate(job)

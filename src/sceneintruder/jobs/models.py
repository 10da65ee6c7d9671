"""ORM rows: a `job` per background task, a `job_event` per progress event it emitted, a `job_worker` per live
server process that runs jobs.

The job row is the current state (what `GET /api/tasks/:id` shows) and its input (`payload`, JSON the worker
that runs it reads); the events are the history, numbered from 1 by `seq`, which is also the SSE `id:` (so
`Last-Event-ID` replay is a range query). Both survive restarts. A job is claimed by one worker (`worker_id`),
which keeps renewing its lease (`lease_expires_at`); a lease that runs out means the worker is gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base
from sceneintruder.db.ownership import OwnedMixin


class JobRecord(OwnedMixin, Base):
    __tablename__ = "job"
    __table_args__ = (UniqueConstraint("owner_id", "idempotency_key", name="uq_job_owner_id_idempotency_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # a JobStatus value
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(64))  # an ErrorCode value when failed or cancelled
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the job's input, as its kind defines it
    worker_id: Mapped[str | None] = mapped_column(String(200), index=True)  # who claimed it (or dispatched it here)
    lease_expires_at: Mapped[datetime | None] = mapped_column(index=True)  # renewed by its worker while it holds it
    dispatched_at: Mapped[datetime | None]  # last handed to the queue (handed again if nobody claims it)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class JobEventRecord(Base):
    __tablename__ = "job_event"

    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # frame_id, phase, ...; result when final
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobWorkerRecord(Base):
    """A server process that runs jobs, while it lives: `heartbeat_at` is renewed with its leases."""

    __tablename__ = "job_worker"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # "<host>/<slot>", see cluster.identity
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

"""The job tables, read and written in short sessions (one per step; never held across a job's own work).

Appending an event and updating the job row happen in one writer transaction, so the row's `last_seq` and the
event log never disagree, and a row that is already final takes no further event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import Clock
from sceneintruder.db.session import Database
from sceneintruder.jobs.models import JobEventRecord, JobRecord
from sceneintruder.jobs.schemas import EventType, JobEvent, JobSnapshot, JobStatus

_UNFINISHED = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


@dataclass(frozen=True, slots=True)
class Change:
    """One step of a job: the event to append and what it does to the row.

    `progress=None` keeps the row's progress; a lower value than the row's is ignored (progress is monotonic).
    """

    event_type: EventType
    status: JobStatus
    message: str
    progress: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None


class JobStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self, *, job_id: str, kind: str, owner_id: str, idempotency_key: str | None, first: Change
    ) -> tuple[JobSnapshot, JobEvent]:
        """Insert the job with its first event (seq 1). A reused idempotency key raises IntegrityError."""
        now = self._clock.now()
        row = JobRecord(
            id=job_id,
            kind=kind,
            owner_id=owner_id,
            status=first.status.value,
            progress=first.progress or 0.0,
            message=first.message,
            idempotency_key=idempotency_key,
            last_seq=0,
            created_at=now,
            started_at=now if first.status is JobStatus.RUNNING else None,
            updated_at=now,
        )
        async with self._db.writer() as session:
            session.add(row)
            await session.flush()  # the row before its event (no relationship() tells the flush their order)
            event = self._apply(row, first, now, session)
            await session.commit()
        return JobSnapshot.of(row), event

    async def append(self, job_id: str, change: Change) -> JobEvent | None:
        """Record one step; None when the job is unknown or already final (a final state is never replaced)."""
        async with self._db.writer() as session:
            row = await session.get(JobRecord, job_id)
            if row is None or JobStatus(row.status).is_final:
                return None
            event = self._apply(row, change, self._clock.now(), session)
            await session.commit()
        return event

    def _apply(self, row: JobRecord, change: Change, now: datetime, session: AsyncSession) -> JobEvent:
        progress = row.progress if change.progress is None else max(row.progress, min(100.0, change.progress))
        if change.status is JobStatus.RUNNING and row.started_at is None:
            row.started_at = now
        if change.status.is_final:
            row.finished_at = now
            row.result = change.result
            row.error = change.error
        row.status = change.status.value
        row.progress = progress
        row.message = change.message
        row.updated_at = now
        row.last_seq += 1
        extra = dict(change.extra)
        if change.result is not None:
            extra["result"] = change.result
        if change.error is not None:
            extra["error"] = change.error
        session.add(
            JobEventRecord(
                job_id=row.id,
                seq=row.last_seq,
                event_type=change.event_type.value,
                status=change.status.value,
                progress=progress,
                message=change.message,
                extra=extra,
                created_at=now,
            )
        )
        return JobEvent(row.id, row.last_seq, change.event_type, change.status, progress, change.message, extra)

    async def get(self, job_id: str) -> JobSnapshot | None:
        async with self._db.reader() as session:
            row = await session.get(JobRecord, job_id)
            return JobSnapshot.of(row) if row is not None else None

    async def find_by_key(self, owner_id: str, idempotency_key: str) -> JobSnapshot | None:
        async with self._db.reader() as session:
            row = await session.scalar(
                select(JobRecord).where(JobRecord.owner_id == owner_id, JobRecord.idempotency_key == idempotency_key)
            )
            return JobSnapshot.of(row) if row is not None else None

    async def events_after(self, job_id: str, seq: int) -> list[JobEvent]:
        async with self._db.reader() as session:
            rows = await session.scalars(
                select(JobEventRecord)
                .where(JobEventRecord.job_id == job_id, JobEventRecord.seq > seq)
                .order_by(JobEventRecord.seq)
            )
            return [JobEvent.of(row) for row in rows]

    async def latest_event(self, job_id: str) -> JobEvent | None:
        async with self._db.reader() as session:
            row = await session.scalar(
                select(JobEventRecord)
                .where(JobEventRecord.job_id == job_id)
                .order_by(JobEventRecord.seq.desc())
                .limit(1)
            )
            return JobEvent.of(row) if row is not None else None

    async def finish_unfinished(self, change: Change) -> list[str]:
        """Give every queued or running job `change` (a final one): what a process that died left behind."""
        now = self._clock.now()
        async with self._db.writer() as session:
            rows = (await session.scalars(select(JobRecord).where(JobRecord.status.in_(_UNFINISHED)))).all()
            for row in rows:
                self._apply(row, change, now, session)
            await session.commit()
        return [row.id for row in rows]

    async def purge_finished_before(self, moment: datetime) -> int:
        """Delete jobs (and their events) that finished before `moment`."""
        old = select(JobRecord.id).where(JobRecord.finished_at < moment)
        async with self._db.writer() as session:
            await session.execute(delete(JobEventRecord).where(JobEventRecord.job_id.in_(old)))
            deleted = await session.execute(delete(JobRecord).where(JobRecord.finished_at < moment))
            await session.commit()
        return int(getattr(deleted, "rowcount", 0) or 0)  # a CursorResult for a DELETE

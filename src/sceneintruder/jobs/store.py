"""The job tables, read and written in short sessions (one per step; never held across a job's own work).

Appending an event and updating the job row happen in one writer transaction, so the row's `last_seq` and the
event log never disagree, and a row that is already final takes no further event. Claiming a job is one
conditional UPDATE, so of two workers handed the same job (a redelivery) exactly one gets it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import Clock
from sceneintruder.db.advisory import serialize_on
from sceneintruder.db.session import Database
from sceneintruder.jobs.errors import QueueFull
from sceneintruder.jobs.models import JobEventRecord, JobRecord, JobWorkerRecord
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
        self,
        *,
        job_id: str,
        kind: str,
        owner_id: str,
        idempotency_key: str | None,
        payload: Mapping[str, Any] | None,
        first: Change,
        admission: Admission,
        dispatched_by: str | None,
    ) -> tuple[JobSnapshot, JobEvent]:
        """Insert the job (queued) with its first event (seq 1), if its kind has room: fewer unfinished jobs of the
        kind than `admission` allows, counted in the same transaction (serialised per kind), else QueueFull.
        A reused idempotency key raises IntegrityError. `dispatched_by`: the worker that will run it, when the
        queue is this process's own (in memory), so a restart of that worker knows the job was its own."""
        now = self._clock.now()
        row = JobRecord(
            id=job_id,
            kind=kind,
            owner_id=owner_id,
            status=first.status.value,
            progress=first.progress or 0.0,
            message=first.message,
            idempotency_key=idempotency_key,
            payload=dict(payload) if payload is not None else None,
            worker_id=dispatched_by,
            dispatched_at=now,
            last_seq=0,
            created_at=now,
            updated_at=now,
        )
        async with self._db.writer() as session:
            await serialize_on(session, f"job-admission:{kind}")
            unfinished = await session.scalar(
                select(func.count()).select_from(JobRecord).where(JobRecord.kind == kind, _is_unfinished())
            )
            workers = await self._live_workers(session, now, admission.lease)
            capacity = admission.concurrency * max(1, workers) + admission.queue_size
            if (unfinished or 0) >= capacity:
                raise QueueFull(kind, admission.retry_after())
            session.add(row)
            await session.flush()  # the row before its event (no relationship() tells the flush their order)
            event = self._apply(row, first, now, session)
            await session.commit()
        return JobSnapshot.of(row), event

    async def payload(self, job_id: str) -> dict[str, Any] | None:
        async with self._db.reader() as session:
            return await session.scalar(select(JobRecord.payload).where(JobRecord.id == job_id))

    # --- claims and leases -----------------------------------------------------------------------------------

    async def claim(
        self, job_id: str, worker_id: str, lease: timedelta, first: Change
    ) -> tuple[JobSnapshot, JobEvent] | None:
        """Take a queued job for `worker_id` and record `first` (its start); None when it is not queued any more
        (claimed by another worker, cancelled, finished) or was dispatched to another worker's own queue."""
        now = self._clock.now()
        async with self._db.writer() as session:
            claimed = await session.execute(
                update(JobRecord)
                .where(
                    JobRecord.id == job_id,
                    JobRecord.status == JobStatus.QUEUED.value,
                    or_(JobRecord.worker_id.is_(None), JobRecord.worker_id == worker_id),
                )
                .values(worker_id=worker_id, lease_expires_at=now + lease)
                .execution_options(synchronize_session=False)
            )
            if _rowcount(claimed) != 1:
                await session.rollback()
                return None
            row = await session.get(JobRecord, job_id)
            assert row is not None
            event = self._apply(row, first, now, session)
            await session.commit()
            return JobSnapshot.of(row), event

    async def renew(self, worker_id: str, job_ids: Sequence[str], lease: timedelta) -> set[str]:
        """Extend the leases of this worker's jobs and its own heartbeat; returns the ids whose cancellation has
        been asked for (by a request that reached another worker)."""
        now = self._clock.now()
        async with self._db.writer() as session:
            await self._beat(session, worker_id, now)
            cancelled: set[str] = set()
            if job_ids:
                await session.execute(
                    update(JobRecord)
                    .where(JobRecord.id.in_(job_ids), JobRecord.worker_id == worker_id, _is_unfinished())
                    .values(lease_expires_at=now + lease)
                    .execution_options(synchronize_session=False)
                )
                cancelled = set(
                    await session.scalars(
                        select(JobRecord.id).where(JobRecord.id.in_(job_ids), JobRecord.cancel_requested)
                    )
                )
            await session.commit()
        return cancelled

    async def register_worker(self, worker_id: str) -> None:
        now = self._clock.now()
        async with self._db.writer() as session:
            row = await session.get(JobWorkerRecord, worker_id)
            if row is None:
                session.add(JobWorkerRecord(id=worker_id, pid=os.getpid(), started_at=now, heartbeat_at=now))
            else:
                row.pid, row.started_at, row.heartbeat_at = os.getpid(), now, now
            await session.commit()

    async def unregister_worker(self, worker_id: str) -> None:
        async with self._db.writer() as session:
            await session.execute(delete(JobWorkerRecord).where(JobWorkerRecord.id == worker_id))
            await session.commit()

    async def live_workers(self, lease: timedelta) -> int:
        async with self._db.reader() as session:
            return await self._live_workers(session, self._clock.now(), lease)

    async def holder_alive(self, job_id: str, lease: timedelta) -> bool:
        """Whether a live worker holds the job (its lease has not run out and its worker still beats)."""
        now = self._clock.now()
        async with self._db.reader() as session:
            row = await session.get(JobRecord, job_id)
            if row is None or row.worker_id is None or row.lease_expires_at is None or row.lease_expires_at < now:
                return False
            worker = await session.get(JobWorkerRecord, row.worker_id)
            return worker is not None and worker.heartbeat_at >= now - lease

    async def request_cancel(self, job_id: str) -> None:
        async with self._db.writer() as session:
            await session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, _is_unfinished())
                .values(cancel_requested=True)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def finish_expired(self, change: Change) -> list[JobEvent]:
        """Give `change` (a final one) to every running job whose lease has run out: its worker is gone."""
        now = self._clock.now()
        async with self._db.writer() as session:
            rows = (
                await session.scalars(
                    select(JobRecord).where(
                        JobRecord.status == JobStatus.RUNNING.value, JobRecord.lease_expires_at < now
                    )
                )
            ).all()
            events = [self._apply(row, change, now, session) for row in rows]
            await session.commit()
        return events

    async def finish_orphaned(self, change: Change, lease: timedelta) -> list[JobEvent]:
        """Give `change` (a final one) to queued jobs handed to a worker's own in-memory queue whose worker is gone
        (no heartbeat for a lease): nobody else can run them."""
        now = self._clock.now()
        live = select(JobWorkerRecord.id).where(JobWorkerRecord.heartbeat_at >= now - lease)
        async with self._db.writer() as session:
            rows = (
                await session.scalars(
                    select(JobRecord).where(
                        JobRecord.status == JobStatus.QUEUED.value,
                        JobRecord.worker_id.is_not(None),
                        JobRecord.worker_id.not_in(live),
                        JobRecord.dispatched_at < now - lease,
                    )
                )
            ).all()
            events = [self._apply(row, change, now, session) for row in rows]
            await session.commit()
        return events

    async def stale_dispatches(self, older_than: timedelta) -> list[tuple[str, str]]:
        """Queued jobs nobody claimed since they were handed to the shared queue `older_than` ago (the message was
        lost with a worker that died holding it): (id, kind) of each, marked handed again now."""
        now = self._clock.now()
        async with self._db.writer() as session:
            rows = (
                await session.scalars(
                    select(JobRecord).where(
                        JobRecord.status == JobStatus.QUEUED.value,
                        JobRecord.worker_id.is_(None),
                        JobRecord.dispatched_at < now - older_than,
                    )
                )
            ).all()
            for row in rows:
                row.dispatched_at = now
            await session.commit()
        return [(row.id, row.kind) for row in rows]

    async def _beat(self, session: AsyncSession, worker_id: str, now: datetime) -> None:
        beat = await session.execute(
            update(JobWorkerRecord)
            .where(JobWorkerRecord.id == worker_id)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(beat) == 0:
            session.add(JobWorkerRecord(id=worker_id, pid=os.getpid(), started_at=now, heartbeat_at=now))

    async def _live_workers(self, session: AsyncSession, now: datetime, lease: timedelta) -> int:
        count = await session.scalar(
            select(func.count()).select_from(JobWorkerRecord).where(JobWorkerRecord.heartbeat_at >= now - lease)
        )
        return int(count or 0)

    async def append(self, job_id: str, change: Change) -> JobEvent | None:
        """Record one step; None when the job is unknown or already final (a final state is never replaced)."""
        async with self._db.writer() as session:
            row = await session.get(JobRecord, job_id, with_for_update=True)
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

    async def cancel_if_queued(self, job_id: str, change: Change) -> JobEvent | None:
        """Give `change` (a cancellation) to the job if nobody has started it yet; None otherwise."""
        async with self._db.writer() as session:
            row = await session.get(JobRecord, job_id, with_for_update=True)
            if row is None or row.status != JobStatus.QUEUED.value:
                return None
            row.cancel_requested = True
            event = self._apply(row, change, self._clock.now(), session)
            await session.commit()
        return event

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

    async def finish_held_by(
        self, worker_id: str, change: Change, *, only: Sequence[str] | None = None
    ) -> list[JobEvent]:
        """Give `change` (a final one) to every unfinished job `worker_id` holds (or `only` those of them): what a
        previous life of this worker left behind, or what it drops at shutdown."""
        now = self._clock.now()
        held = select(JobRecord).where(JobRecord.worker_id == worker_id, _is_unfinished())
        if only is not None:
            held = held.where(JobRecord.id.in_(only))
        async with self._db.writer() as session:
            rows = (await session.scalars(held)).all()
            events = [self._apply(row, change, now, session) for row in rows]
            await session.commit()
        return events

    async def purge_finished_before(self, moment: datetime) -> int:
        """Delete jobs (and their events) that finished before `moment`."""
        old = select(JobRecord.id).where(JobRecord.finished_at < moment)
        async with self._db.writer() as session:
            await session.execute(delete(JobEventRecord).where(JobEventRecord.job_id.in_(old)))
            deleted = await session.execute(delete(JobRecord).where(JobRecord.finished_at < moment))
            await session.commit()
        return int(getattr(deleted, "rowcount", 0) or 0)  # a CursorResult for a DELETE


@dataclass(frozen=True, slots=True)
class Admission:
    """How many jobs of a kind may be unfinished at once: `concurrency` per live worker, plus `queue_size`."""

    concurrency: int
    queue_size: int
    lease: timedelta  # a worker whose heartbeat is older than this is not counted
    retry_after: Any  # () -> int, the Retry-After of a QueueFull


def _is_unfinished() -> Any:
    return JobRecord.status.in_(_UNFINISHED)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

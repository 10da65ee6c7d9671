"""`JobRegistry`: every long task of the app (analysis, story generation, comics, video, scripts) goes through here.

Built once in the app lifespan and kept in the app state's components. It is the facade domains and routes use;
the work is spread over:

- `kinds` (what each kind runs, its limits and slots), `store` (the rows), `dispatch` (taskiq: how a job reaches
  a worker, in this process or, with `REDIS_URL`, any worker of the cluster), `runner` (the worker side: claim,
  run, leases, reaping), `channel` (following a job's events from any worker, fed by the bus).
- Starting. `start(kind, owner_id, payload)` records the job (queued, with its payload) if its kind has room in
  the whole cluster (else QueueFull, 429 with Retry-After), then hands its id to the queue. The row exists from
  the moment `start` returns, and every progress event is a `job_event` row with its sequence number.
- Cancelling. A queued job is cancelled in its row at once (no worker will claim it). A running one gets a flag
  in its row and a message on the bus; the worker running it cancels its coroutine (at once on the bus message,
  else at its next lease renewal). A row whose worker is gone is marked directly. A cancelled job is never
  retried: its row is final.
- Following. `subscribe` replays from the rows (`Last-Event-ID`) and then follows the bus; `wait` waits for the end.

Framework-free: no FastAPI or Starlette here (import-linter checks).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError

from sceneintruder.cluster.bus import Bus
from sceneintruder.core.clock import Clock
from sceneintruder.core.errors import ServiceUnavailable
from sceneintruder.core.ids import is_valid_id, new_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.session import Database
from sceneintruder.jobs.channel import EVENTS_TOPIC, JobChannels
from sceneintruder.jobs.dispatch import TaskiqDispatcher
from sceneintruder.jobs.errors import IdempotencyKeyConflict, TaskNotFound
from sceneintruder.jobs.kinds import JobHandler, JobKind
from sceneintruder.jobs.runner import CANCELLED, JobRunner
from sceneintruder.jobs.schemas import MESSAGE_QUEUED, EventType, JobEvent, JobSnapshot, JobStatus
from sceneintruder.jobs.store import Admission, Change, JobStore

CANCEL_WAIT_SECONDS = 5.0  # how long `cancel` waits for the job's coroutine to unwind before answering
QUEUED = Change(EventType.QUEUED, JobStatus.QUEUED, MESSAGE_QUEUED, progress=0.0)
DISPATCH_FAILED = Change(
    EventType.FAILED, JobStatus.FAILED, "任务失败: 任务队列暂时不可用", error=ServiceUnavailable.code
)


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"  # it was queued, or its coroutine was cancelled (or is unwinding)
    MARKED = "marked"  # no live worker backs the row: the row alone was marked cancelled
    ALREADY_FINISHED = "already_finished"  # it had completed or failed; nothing changed


class JobRegistry:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        bus: Bus,
        dispatcher: TaskiqDispatcher,
        worker_id: str,
        default_concurrency: int,
        default_timeout_seconds: float,
        default_queue_size: int,
        lease_seconds: float,
        dispatch_timeout_seconds: float,
    ) -> None:
        self._store = JobStore(db, clock)
        self._clock = clock
        self._dispatcher = dispatcher
        self._defaults = (default_concurrency, default_timeout_seconds, default_queue_size)
        self._lease = timedelta(seconds=lease_seconds)
        self._kinds: dict[str, JobKind] = {}
        self._channels = JobChannels()
        bus.subscribe(EVENTS_TOPIC, self._channels.feed)
        self._runner = JobRunner(
            db=db,
            store=self._store,
            bus=bus,
            worker_id=worker_id,
            kinds=self._kinds,
            lease=self._lease,
            dispatch_timeout=timedelta(seconds=dispatch_timeout_seconds),
            redispatch=dispatcher.dispatch if dispatcher.shared else None,
        )

    # --- set-up and tear-down --------------------------------------------------------------------------------

    def register_kind(
        self,
        kind: str,
        handler: JobHandler,
        *,
        concurrency: int | None = None,
        timeout_seconds: float | None = None,
        queue_size: int | None = None,
    ) -> None:
        """Declare a kind of job and its body; unset limits come from settings (JOB_DEFAULT_CONCURRENCY, ...)."""
        if kind in self._kinds:
            raise ValueError(f"job kind {kind!r} is already registered")
        default_concurrency, default_timeout, default_queue = self._defaults
        spec = JobKind(
            name=kind,
            handler=handler,
            concurrency=default_concurrency if concurrency is None else concurrency,
            timeout_seconds=default_timeout if timeout_seconds is None else timeout_seconds,
            queue_size=default_queue if queue_size is None else queue_size,
        )
        if spec.concurrency < 1 or spec.timeout_seconds <= 0 or spec.queue_size < 0:
            raise ValueError(f"job kind {kind!r}: concurrency >= 1, timeout > 0 and queue size >= 0")
        self._kinds[kind] = spec
        self._dispatcher.add_kind(kind, spec.concurrency, self._runner.execute)

    async def start_worker(self, *, retention: timedelta) -> list[str]:
        """At start-up: recover what this worker's previous life left, delete jobs finished before `retention`,
        then take jobs from the queue; returns the ids of the jobs found interrupted."""
        interrupted = await self._runner.recover()
        await self._store.purge_finished_before(self._clock.now() - retention)
        await self._dispatcher.start()
        self._runner.start()
        return interrupted

    async def aclose(self) -> None:
        """At shutdown: stop taking jobs, cancel those running here (each records `failed`, "interrupted by
        restart"); the shared queue keeps what nobody has taken, for the other workers or the next start."""
        await self._dispatcher.aclose()
        await self._runner.aclose()

    @property
    def worker_id(self) -> str:
        return self._runner.worker_id

    # --- starting, reading, cancelling -----------------------------------------------------------------------

    async def start(
        self,
        kind: str,
        owner_id: str,
        payload: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> JobSnapshot:
        """Record a job of `kind` with its `payload` (JSON) and queue it.

        With an `idempotency_key`, the owner's earlier job with that key is returned instead (whatever its state).
        Raises QueueFull when the kind's slots and waiting line are full across the cluster, ServiceUnavailable
        when the queue does not take it (the job is then recorded as failed).
        """
        spec = self._kinds.get(kind)
        if spec is None:
            raise ValueError(f"unknown job kind {kind!r}; register_kind() it first")
        if self._runner.closing:
            raise RuntimeError("the job registry is closed")
        if payload is not None:
            orjson.dumps(payload)  # TypeError here, in the caller, not in a worker
        if idempotency_key is not None:
            existing = await self._store.find_by_key(owner_id, idempotency_key)
            if existing is not None:
                return _same_kind(existing, kind)
        admission = Admission(spec.concurrency, spec.queue_size, self._lease, spec.retry_after)
        job_id = new_id("task")
        try:
            job, first = await self._store.create(
                job_id=job_id,
                kind=kind,
                owner_id=owner_id,
                idempotency_key=idempotency_key,
                payload=payload,
                first=QUEUED,
                admission=admission,
                dispatched_by=None if self._dispatcher.shared else self._runner.worker_id,
            )
        except IntegrityError:
            if idempotency_key is not None:  # a concurrent start won the key
                existing = await self._store.find_by_key(owner_id, idempotency_key)
                if existing is not None:
                    return _same_kind(existing, kind)
            raise
        self._runner.announce(first)
        try:
            await self._dispatcher.dispatch(kind, job_id)
        except ServiceUnavailable:
            self._runner.announce(await self._store.append(job_id, DISPATCH_FAILED))
            raise
        return job

    async def get(self, job_id: str) -> JobSnapshot | None:
        return await self._store.get(job_id) if is_valid_id(job_id) else None

    async def get_for(self, job_id: str, principal: Principal) -> JobSnapshot:
        """The job if `principal` owns it or is an admin; otherwise TaskNotFound (never a 403 that confirms it)."""
        job = await self.get(job_id)
        if job is None or not (principal.is_admin or job.owner_id == principal.user_id):
            raise TaskNotFound(details=job_id)
        return job

    async def cancel(self, job_id: str, principal: Principal) -> CancelOutcome:
        """Cancel the owner's (or, for an admin, anyone's) job and wait briefly for its coroutine to unwind."""
        job = await self.get_for(job_id, principal)
        if job.status.is_final:
            return CancelOutcome.ALREADY_FINISHED
        queued = await self._store.cancel_if_queued(job_id, CANCELLED)
        if queued is not None:
            self._runner.announce(queued)
            self._runner.request_cancel_everywhere(job_id)  # a worker may hold it waiting for a slot
            return CancelOutcome.CANCELLED
        await self._store.request_cancel(job_id)
        if not self._runner.running_here(job_id) and not await self._store.holder_alive(job_id, self._lease):
            marked = await self._store.append(job_id, CANCELLED)
            self._runner.announce(marked)
            return CancelOutcome.MARKED if marked else CancelOutcome.ALREADY_FINISHED
        self._runner.request_cancel_everywhere(job_id)
        final = await self._final_within(job_id, CANCEL_WAIT_SECONDS)
        if final is not None and final.status in (JobStatus.COMPLETED, JobStatus.FAILED):
            return CancelOutcome.ALREADY_FINISHED
        return CancelOutcome.CANCELLED

    async def wait(self, job_id: str, *, poll_seconds: float = 1.0) -> JobSnapshot:
        """The job once it has finished (completed, failed or cancelled).

        Cancelling the waiter leaves the job running: a client that stops waiting does not stop the work.
        """
        async for event in self.subscribe(job_id, after=None, idle_timeout=poll_seconds):
            if event is not None and event.is_final:
                break
        job = await self._store.get(job_id)
        if job is None:
            raise TaskNotFound(details=job_id)
        return job

    async def subscribe(self, job_id: str, *, after: int | None, idle_timeout: float) -> AsyncIterator[JobEvent | None]:
        """The job's events in order, ending with its final one; None after every `idle_timeout` of silence.

        `after=None` starts from the latest event (the current state); `after=n` replays every event after
        sequence number n first. A client that already had the final event gets it once more, so it stops.
        Events come from the bus while they are fresh and from the rows otherwise (a gap, a late subscriber, a
        message the bus lost: each idle period re-reads the rows).
        """
        channel = self._channels.open(job_id)  # before reading the rows: nothing published meanwhile is missed
        try:
            cursor = after or 0
            if after is None:
                latest = await self._store.latest_event(job_id)
                if latest is None:
                    return
                yield latest
                if latest.is_final:
                    return
                cursor = latest.seq
            from_rows = True
            while True:
                fresh = None if from_rows else channel.after(cursor)
                if fresh is None:
                    fresh = await self._store.events_after(job_id, cursor)
                    if not fresh:
                        latest = await self._store.latest_event(job_id)
                        if latest is None:
                            return  # an unknown job: nothing will ever come
                        if latest.is_final:
                            yield latest  # the client had everything: the end once more, so it stops
                            return
                from_rows = False
                for event in fresh:
                    yield event
                    cursor = event.seq
                    if event.is_final:
                        return
                if fresh or channel.latest_seq > cursor:
                    continue
                if not await channel.wait(idle_timeout):
                    yield None
                    from_rows = True  # a quiet spell: look at the rows in case the bus lost a message
        finally:
            self._channels.close(job_id)

    async def _final_within(self, job_id: str, seconds: float) -> JobEvent | None:
        try:
            async with asyncio.timeout(seconds):
                async for event in self.subscribe(job_id, after=None, idle_timeout=0.5):
                    if event is not None and event.is_final:
                        return event
        except TimeoutError:
            return None
        return None


def _same_kind(job: JobSnapshot, kind: str) -> JobSnapshot:
    if job.kind != kind:
        raise IdempotencyKeyConflict(details=f"the key started a {job.kind} task")
    return job

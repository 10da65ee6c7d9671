"""`JobRegistry`: every long task of the app (analysis, story generation, comics, video, scripts) runs here.

Built once in the app lifespan and kept in the app state's components; it owns the asyncio tasks (strong
references), so a job is never garbage-collected mid-run, and `aclose()` at shutdown cancels whatever still runs.

- Kinds. Each kind (`register_kind`) has its own concurrency limit, waiting line and timeout. A job that finds no
  free slot waits, in order; when the line is full too, `start` raises `QueueFull` (429 with Retry-After).
- Rows. A job is a `job` row from the moment `start` returns, and every progress event is a `job_event` row with
  its sequence number, written in a short session of its own. At start-up, rows a dead process left queued or
  running become `failed` ("interrupted by restart"): never silently lost.
- Cancellation is real: the job's coroutine is cancelled. `CancelledError` is handled on its own path (it is a
  BaseException, so the broad `except Exception` that records `failed` never sees it).
- Subscribers (the SSE stream) read from the job's `JobChannel` while it runs, and from the rows otherwise.

Framework-free: no FastAPI or Starlette here (import-linter checks).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError

from sceneintruder.core.clock import Clock
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError
from sceneintruder.core.ids import is_valid_id, new_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.session import Database
from sceneintruder.jobs.channel import JobChannel
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.errors import IdempotencyKeyConflict, TaskNotFound
from sceneintruder.jobs.schemas import (
    FAILED_PREFIX,
    MESSAGE_CANCELLED,
    MESSAGE_COMPLETED,
    MESSAGE_INTERRUPTED,
    MESSAGE_QUEUED,
    MESSAGE_STARTED,
    RESERVED_EVENT_KEYS,
    EventType,
    JobEvent,
    JobSnapshot,
    JobStatus,
)
from sceneintruder.jobs.slots import KindSlots
from sceneintruder.jobs.store import Change, JobStore

log = logging.getLogger("sceneintruder.jobs")

JobRun = Callable[[JobContext], Awaitable[dict[str, Any] | None]]
"""A job: gets its context, returns its JSON result (a dict, or None)."""

CANCEL_WAIT_SECONDS = 5.0  # how long `cancel` waits for the coroutine to unwind before answering
SHUTDOWN_WAIT_SECONDS = 10.0  # how long `aclose` waits for cancelled jobs to record their end

CANCELLED = Change(EventType.CANCELLED, JobStatus.CANCELLED, MESSAGE_CANCELLED, error=ErrorCode.TASK_CANCELLED)
INTERRUPTED = Change(EventType.FAILED, JobStatus.FAILED, MESSAGE_INTERRUPTED, error=ErrorCode.TASK_INTERRUPTED)


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"  # its coroutine was cancelled (or is unwinding)
    MARKED = "marked"  # no coroutine in this process backs the row: the row alone was marked cancelled
    ALREADY_FINISHED = "already_finished"  # it had completed or failed; nothing changed


@dataclass
class _Live:
    """A job whose task runs in this process."""

    job_id: str
    owner_id: str
    kind: KindSlots
    channel: JobChannel = field(default_factory=JobChannel)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # orders its events
    task: asyncio.Task[None] | None = None
    turn: asyncio.Future[None] | None = None  # its place in line, while it waits for a slot
    steps: set[asyncio.Task[JobEvent | None]] = field(default_factory=set)  # progress writes being shielded
    entered: bool = False  # its task has started running
    holds_slot: bool = False
    started_at: float | None = None  # loop time when its coroutine started
    cancel_requested: bool = False
    finishing: bool = False  # its coroutine is done; its final event is being written


class JobRegistry:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        default_concurrency: int,
        default_timeout_seconds: float,
        default_queue_size: int,
    ) -> None:
        self._db = db
        self._store = JobStore(db, clock)
        self._clock = clock
        self._defaults = (default_concurrency, default_timeout_seconds, default_queue_size)
        self._kinds: dict[str, KindSlots] = {}
        self._live: dict[str, _Live] = {}
        self._closing = False

    # --- set-up and tear-down --------------------------------------------------------------------------------

    def register_kind(
        self,
        kind: str,
        *,
        concurrency: int | None = None,
        timeout_seconds: float | None = None,
        queue_size: int | None = None,
    ) -> None:
        """Declare a kind of job; unset limits come from settings (JOB_DEFAULT_CONCURRENCY, ...)."""
        if kind in self._kinds:
            raise ValueError(f"job kind {kind!r} is already registered")
        default_concurrency, default_timeout, default_queue = self._defaults
        spec = KindSlots(
            name=kind,
            concurrency=default_concurrency if concurrency is None else concurrency,
            timeout_seconds=default_timeout if timeout_seconds is None else timeout_seconds,
            queue_size=default_queue if queue_size is None else queue_size,
        )
        if spec.concurrency < 1 or spec.timeout_seconds <= 0 or spec.queue_size < 0:
            raise ValueError(f"job kind {kind!r}: concurrency >= 1, timeout > 0 and queue size >= 0")
        self._kinds[kind] = spec

    async def recover(self, *, retention: timedelta) -> list[str]:
        """At start-up: fail what a previous process left unfinished; delete jobs finished before `retention`."""
        interrupted = await self._store.finish_unfinished(INTERRUPTED)
        if interrupted:
            log.warning("%d job(s) interrupted by the restart: %s", len(interrupted), ", ".join(interrupted))
        await self._store.purge_finished_before(self._clock.now() - retention)
        return interrupted

    async def aclose(self) -> None:
        """At shutdown: cancel every job; each records `failed` ("interrupted by restart") before it ends."""
        self._closing = True
        lives = list(self._live.values())
        for live in lives:
            self._interrupt(live)
        tasks = [live.task for live in lives if live.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_WAIT_SECONDS)
            if pending:
                log.warning("%d job(s) did not stop in time; the next start marks them interrupted", len(pending))

    # --- starting, reading, cancelling -----------------------------------------------------------------------

    async def start(self, kind: str, owner_id: str, run: JobRun, *, idempotency_key: str | None = None) -> JobSnapshot:
        """Record a job and run `run` when a slot of `kind` is free.

        With an `idempotency_key`, the owner's earlier job with that key is returned instead (whatever its state).
        Raises QueueFull when every slot is busy and the waiting line is full.
        """
        spec = self._kinds.get(kind)
        if spec is None:
            raise ValueError(f"unknown job kind {kind!r}; register_kind() it first")
        if self._closing:
            raise RuntimeError("the job registry is closed")
        if idempotency_key is not None:
            existing = await self._store.find_by_key(owner_id, idempotency_key)
            if existing is not None:
                return _same_kind(existing, kind)
        # A slot or a turn in line, taken before the row is written (no await in between), so concurrent starts
        # cannot overbook and a slot freed meanwhile goes to this job's turn.
        turn = spec.reserve()
        has_slot = turn is None
        first = (
            Change(EventType.PROGRESS, JobStatus.RUNNING, MESSAGE_STARTED, progress=0.0)
            if has_slot
            else Change(EventType.QUEUED, JobStatus.QUEUED, MESSAGE_QUEUED, progress=0.0)
        )
        job_id = new_id("task")
        try:
            job, first_event = await self._store.create(
                job_id=job_id, kind=kind, owner_id=owner_id, idempotency_key=idempotency_key, first=first
            )
        except BaseException as exc:
            if turn is None:
                spec.release()
            else:
                spec.leave_line(turn)
            if isinstance(exc, IntegrityError) and idempotency_key is not None:  # a concurrent start won the key
                existing = await self._store.find_by_key(owner_id, idempotency_key)
                if existing is not None:
                    return _same_kind(existing, kind)
            raise
        live = _Live(job_id=job_id, owner_id=owner_id, kind=spec, holds_slot=has_slot, turn=turn)
        live.channel.publish(first_event)
        self._live[job_id] = live
        live.task = asyncio.create_task(self._run(live, run), name=f"job:{kind}:{job_id}")
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
        live = self._live.get(job_id)
        if live is None:
            marked = await self._store.append(job_id, CANCELLED)
            return CancelOutcome.MARKED if marked else CancelOutcome.ALREADY_FINISHED
        if not live.finishing:
            live.cancel_requested = True
            self._interrupt(live)
        assert live.task is not None
        await asyncio.wait({live.task}, timeout=CANCEL_WAIT_SECONDS)
        after = await self._store.get(job_id)
        finished_otherwise = after is not None and after.status in (JobStatus.COMPLETED, JobStatus.FAILED)
        return CancelOutcome.ALREADY_FINISHED if finished_otherwise else CancelOutcome.CANCELLED

    async def wait(self, job_id: str, *, poll_seconds: float = 1.0) -> JobSnapshot:
        """The job once it has finished (completed, failed or cancelled).

        Cancelling the waiter leaves the job running: a client that stops waiting does not stop the work.
        """
        live = self._live.get(job_id)
        if live is not None and live.task is not None:
            await asyncio.wait({live.task})
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
        """
        live = self._live.get(job_id)
        channel = live.channel if live is not None else None
        cursor = after or 0
        if after is None:
            latest = await self._store.latest_event(job_id)
            if latest is None:
                return
            yield latest
            if latest.is_final:
                return
            cursor = latest.seq
        while True:
            fresh = channel.after(cursor) if channel is not None else None
            if fresh is None:
                fresh = await self._store.events_after(job_id, cursor)
            for event in fresh:
                yield event
                cursor = event.seq
                if event.is_final:
                    return
            if fresh:
                continue
            if channel is None or channel.closed:
                latest = await self._store.latest_event(job_id)
                if latest is None:
                    return
                if latest.is_final:
                    yield latest
                    return
                # Unfinished, but not running here (another process has it): look again after a while.
                await asyncio.sleep(idle_timeout)
                yield None
            elif not await channel.wait(idle_timeout):
                yield None

    # --- running ---------------------------------------------------------------------------------------------

    async def _run(self, live: _Live, run: JobRun) -> None:
        live.entered = True
        if live.cancel_requested or self._closing:
            if live.turn is not None:
                live.kind.leave_line(live.turn)
            change = self._stopped(live)
        else:
            change = await self._execute(live, run)
        live.finishing = True
        try:
            await self._append(live, change)
        except Exception:
            log.exception("job %s: could not record its end (%s)", live.job_id, change.status)
        finally:
            if live.holds_slot:
                live.kind.release()
            if live.started_at is not None:
                live.kind.record_run(asyncio.get_running_loop().time() - live.started_at)
            self._live.pop(live.job_id, None)

    async def _execute(self, live: _Live, run: JobRun) -> Change:
        """Run the job's coroutine under its kind's timeout; say how it ended (never raises, except BaseExceptions
        other than cancellation)."""
        spec = live.kind
        deadline: asyncio.Timeout | None = None
        try:
            if live.turn is not None:
                await self._take_turn(live)
                await self._append_shielded(live, Change(EventType.PROGRESS, JobStatus.RUNNING, MESSAGE_STARTED))
            live.started_at = asyncio.get_running_loop().time()
            context = JobContext(live.job_id, live.owner_id, spec.name, self._db, self._reporter(live))
            async with asyncio.timeout(spec.timeout_seconds) as deadline:
                result = await run(context)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                task.uncancel()  # handled here: the job ends with its own final state
            return self._stopped(live)
        except TimeoutError as exc:
            if deadline is not None and deadline.expired():
                message = f"{FAILED_PREFIX}任务超时（超过 {spec.timeout_seconds:g} 秒）"
                return Change(EventType.FAILED, JobStatus.FAILED, message, error=ErrorCode.TASK_TIMEOUT)
            return self._failed(live, exc)
        except Exception as exc:  # the one broad catch: whatever a job raises ends it as `failed`
            return self._failed(live, exc)
        if live.cancel_requested or self._closing:  # it swallowed the cancellation
            return self._stopped(live)
        try:
            _check_result(result)
        except (TypeError, ValueError) as exc:
            return self._failed(live, exc)
        return Change(EventType.COMPLETED, JobStatus.COMPLETED, MESSAGE_COMPLETED, progress=100.0, result=result)

    def _stopped(self, live: _Live) -> Change:
        if live.cancel_requested:
            return CANCELLED
        if self._closing:
            return INTERRUPTED
        return Change(EventType.FAILED, JobStatus.FAILED, f"{FAILED_PREFIX}任务被中断", error=ErrorCode.INTERNAL_ERROR)

    def _failed(self, live: _Live, exc: Exception) -> Change:
        if isinstance(exc, AppError):
            log.info("job %s (%s) failed: %r", live.job_id, live.kind.name, exc)
            return Change(EventType.FAILED, JobStatus.FAILED, f"{FAILED_PREFIX}{exc.message}", error=exc.code)
        log.error("job %s (%s) failed", live.job_id, live.kind.name, exc_info=exc)
        message = f"{FAILED_PREFIX}服务器内部错误"  # the details are in the log, not on the wire
        return Change(EventType.FAILED, JobStatus.FAILED, message, error=ErrorCode.INTERNAL_ERROR)

    def _reporter(self, live: _Live) -> Callable[[float, str, dict[str, Any]], Awaitable[None]]:
        async def report(percent: float, message: str, extra: dict[str, Any]) -> None:
            if clash := RESERVED_EVENT_KEYS & extra.keys():
                raise ValueError(f"progress() may not set {sorted(clash)}")
            if not math.isfinite(percent):
                raise ValueError("progress percent must be a finite number")
            orjson.dumps(extra)  # TypeError now, in the job, rather than later in the database
            change = Change(EventType.PROGRESS, JobStatus.RUNNING, str(message), progress=float(percent), extra=extra)
            await self._append_shielded(live, change)

        return report

    async def _append_shielded(self, live: _Live, change: Change) -> None:
        """Record a step even if the job is cancelled meanwhile: a cancellation must not cut a write in half nor
        lose an event already reported (the final event waits for this one on the job's lock, so order holds)."""
        step = asyncio.ensure_future(self._append(live, change))
        live.steps.add(step)
        step.add_done_callback(live.steps.discard)
        await asyncio.shield(step)

    async def _append(self, live: _Live, change: Change) -> JobEvent | None:
        async with live.lock:
            event = await self._store.append(live.job_id, change)
            if event is not None:
                live.channel.publish(event)
            return event

    # --- slots -----------------------------------------------------------------------------------------------

    def _interrupt(self, live: _Live) -> None:
        """Cancel the job's task, unless it has not started yet (it then sees the flags as its first step) or is
        already writing its final event (which must not be cut short)."""
        if live.entered and not live.finishing and live.task is not None:
            live.task.cancel()

    async def _take_turn(self, live: _Live) -> None:
        """Wait in line until a slot is handed over."""
        turn = live.turn
        assert turn is not None
        try:
            await turn
        except asyncio.CancelledError:
            live.kind.leave_line(turn)
            raise
        finally:
            live.turn = None
        live.holds_slot = True


def _same_kind(job: JobSnapshot, kind: str) -> JobSnapshot:
    if job.kind != kind:
        raise IdempotencyKeyConflict(details=f"the key started a {job.kind} task")
    return job


def _check_result(result: object) -> None:
    if result is not None and not isinstance(result, dict):
        raise TypeError(f"a job returns a dict or None, not {type(result).__name__}")
    orjson.dumps(result)

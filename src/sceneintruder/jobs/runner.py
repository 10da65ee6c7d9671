"""`JobRunner`: the worker side. Runs the jobs the queue hands this process, keeps their leases, and reaps the
jobs of workers that died.

- Claim. A job handed here waits for a slot of its kind, then claims its row (queued -> running, one conditional
  UPDATE): a job handed twice, or cancelled meanwhile, is not run again.
- Run. Its body runs in a task of ours under the kind's timeout; every event is appended to the database and
  published on the bus, so subscribers on any worker follow it.
- Leases. Every JOB_LEASE_SECONDS / 3 the worker renews the leases of what it holds and its own heartbeat; the
  same write returns the jobs whose cancellation was asked for on another worker (the bus says so at once; this
  is the fallback when a bus message is lost).
- Reaping. Every JOB_LEASE_SECONDS / 2, each worker fails running jobs whose lease ran out (their worker died:
  "failed, never half-written") and jobs left in a dead worker's own in-memory queue, and hands again to the
  shared queue the jobs nobody claimed within JOB_DISPATCH_TIMEOUT_SECONDS (a message lost with a worker).
- Restart. A worker's identity survives its restarts (cluster.identity), so at start-up it fails what its
  previous life held at once, without waiting for the leases, and touches nothing of the other workers.

Framework-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson

from sceneintruder.cluster.bus import Bus
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError
from sceneintruder.db.session import Database
from sceneintruder.jobs.channel import EVENTS_TOPIC, encode_event
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobKind
from sceneintruder.jobs.schemas import (
    FAILED_PREFIX,
    MESSAGE_CANCELLED,
    MESSAGE_COMPLETED,
    MESSAGE_INTERRUPTED,
    MESSAGE_STARTED,
    MESSAGE_WORKER_LOST,
    RESERVED_EVENT_KEYS,
    STEP_EVENTS,
    EventType,
    JobEvent,
    JobStatus,
)
from sceneintruder.jobs.store import Change, JobStore

log = logging.getLogger("sceneintruder.jobs")

CANCEL_TOPIC = "jobs.cancel"
SHUTDOWN_WAIT_SECONDS = 10.0  # how long `aclose` waits for cancelled jobs to record their end

STARTED = Change(EventType.PROGRESS, JobStatus.RUNNING, MESSAGE_STARTED, progress=0.0)
CANCELLED = Change(EventType.CANCELLED, JobStatus.CANCELLED, MESSAGE_CANCELLED, error=ErrorCode.TASK_CANCELLED)
INTERRUPTED = Change(EventType.FAILED, JobStatus.FAILED, MESSAGE_INTERRUPTED, error=ErrorCode.TASK_INTERRUPTED)
WORKER_LOST = Change(EventType.FAILED, JobStatus.FAILED, MESSAGE_WORKER_LOST, error=ErrorCode.TASK_INTERRUPTED)


@dataclass
class _Live:
    """A job handed to this process: waiting for a slot, or running."""

    job_id: str
    kind: JobKind
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # orders its events
    task: asyncio.Task[None] | None = None
    owner_id: str = ""  # known once claimed
    started: bool = False  # claimed: its body runs (or is about to)
    started_at: float | None = None
    cancel_requested: bool = False
    finishing: bool = False  # its body is done; its final event is being written


class JobRunner:
    def __init__(
        self,
        *,
        db: Database,
        store: JobStore,
        bus: Bus,
        worker_id: str,
        kinds: dict[str, JobKind],
        lease: timedelta,
        dispatch_timeout: timedelta,
        redispatch: Callable[[str, str], Awaitable[None]] | None,
    ) -> None:
        self._db = db
        self._store = store
        self._bus = bus
        self.worker_id = worker_id
        self._kinds = kinds
        self._lease = lease
        self._dispatch_timeout = dispatch_timeout
        self._redispatch = redispatch  # None: the queue is this process's own (nothing to hand again)
        self._live: dict[str, _Live] = {}
        self._upkeep: list[asyncio.Task[None]] = []
        self.closing = False
        bus.subscribe(CANCEL_TOPIC, self._on_cancel_message)

    # --- life cycle ------------------------------------------------------------------------------------------

    async def recover(self) -> list[str]:
        """At start-up: announce this worker, fail what its previous life held, reap what dead workers left."""
        await self._store.register_worker(self.worker_id)
        events = await self._store.finish_held_by(self.worker_id, INTERRUPTED)
        self._announce(events)
        await self.reap()
        return [event.job_id for event in events]

    def start(self) -> None:
        seconds = self._lease.total_seconds()
        self._upkeep = [
            asyncio.create_task(_every(seconds / 3, self.renew), name="job-leases"),
            asyncio.create_task(_every(seconds / 2, self.reap, jitter=0.2), name="job-reaper"),
        ]

    async def aclose(self) -> None:
        """At shutdown: cancel every job here; each records `failed` ("interrupted by restart") before it ends."""
        self.closing = True
        for task in self._upkeep:
            task.cancel()
        await asyncio.gather(*self._upkeep, return_exceptions=True)
        lives = list(self._live.values())
        for live in lives:
            self._interrupt(live)
        tasks = [live.task for live in lives if live.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_WAIT_SECONDS)
            if pending:
                log.warning("%d job(s) did not stop in time; the next start marks them interrupted", len(pending))
        try:
            self._announce(await self._store.finish_held_by(self.worker_id, INTERRUPTED))
            await self._store.unregister_worker(self.worker_id)
        except Exception:
            log.exception("could not record the jobs this worker drops at shutdown")

    # --- the queue's side ------------------------------------------------------------------------------------

    async def execute(self, kind_name: str, job_id: str) -> None:
        """Called by the queue of `kind_name` with a job for this process: wait for a slot, claim, run (never
        raises). Nothing is awaited before the job takes its place in line, so jobs handed in order start in
        order."""
        kind = self._kinds[kind_name]
        if self.closing or job_id in self._live:
            return  # a second delivery to this same process
        live = _Live(job_id, kind)
        live.task = task = asyncio.create_task(self._run(live), name=f"job:{kind.name}:{job_id}")
        self._live[job_id] = live
        with contextlib.suppress(asyncio.CancelledError):  # the receiver stops (shutdown): `aclose` handles the job
            await asyncio.shield(task)

    def cancel_here(self, job_id: str) -> bool:
        """Cancel the job if this process has it (waiting for a slot or running); True if it had."""
        live = self._live.get(job_id)
        if live is None:
            return False
        live.cancel_requested = True
        self._interrupt(live)
        return True

    async def wait_here(self, job_id: str, seconds: float) -> bool:
        """Wait for this process's task of the job to end; False when it is not here or did not end in time."""
        live = self._live.get(job_id)
        if live is None or live.task is None:
            return False
        done, _ = await asyncio.wait({live.task}, timeout=seconds)
        return bool(done)

    def running_here(self, job_id: str) -> bool:
        return job_id in self._live

    # --- running ---------------------------------------------------------------------------------------------

    async def _run(self, live: _Live) -> None:
        kind = live.kind
        try:
            try:
                await kind.acquire()
            except asyncio.CancelledError:
                return  # cancelled while waiting: the canceller (or the shutdown) records its end
            try:
                if live.cancel_requested or self.closing:
                    return
                claimed = await self._store.claim(live.job_id, self.worker_id, self._lease, STARTED)
                if claimed is None:
                    return  # a redelivery of a job claimed, cancelled or finished meanwhile
                job, started = claimed
                live.owner_id, live.started = job.owner_id, True
                self.announce(started)
                change = await self._execute(live)
                live.finishing = True
                try:
                    await self._append(live, change)
                except Exception:
                    log.exception("job %s: could not record its end (%s)", live.job_id, change.status)
            finally:
                kind.release()
                if live.started_at is not None:
                    kind.record_run(asyncio.get_running_loop().time() - live.started_at)
        finally:
            self._live.pop(live.job_id, None)

    async def _execute(self, live: _Live) -> Change:
        """Run the body under its kind's timeout; say how it ended (never raises, except BaseExceptions other than
        cancellation)."""
        kind = live.kind
        deadline: asyncio.Timeout | None = None
        try:
            payload = await self._store.payload(live.job_id) or {}
            live.started_at = asyncio.get_running_loop().time()
            context = JobContext(live.job_id, live.owner_id, kind.name, self._db, self._reporter(live), payload)
            async with asyncio.timeout(kind.timeout_seconds) as deadline:
                result = await kind.handler(context)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                task.uncancel()  # handled here: the job ends with its own final state
            return self._stopped(live)
        except TimeoutError as exc:
            if deadline is not None and deadline.expired():
                message = f"{FAILED_PREFIX}任务超时（超过 {kind.timeout_seconds:g} 秒）"
                return Change(EventType.FAILED, JobStatus.FAILED, message, error=ErrorCode.TASK_TIMEOUT)
            return self._failed(live, exc)
        except Exception as exc:  # the one broad catch: whatever a job raises ends it as `failed`
            return self._failed(live, exc)
        if live.cancel_requested or self.closing:  # it swallowed the cancellation
            return self._stopped(live)
        try:
            _check_result(result)
        except (TypeError, ValueError) as exc:
            return self._failed(live, exc)
        return Change(EventType.COMPLETED, JobStatus.COMPLETED, MESSAGE_COMPLETED, progress=100.0, result=result)

    def _stopped(self, live: _Live) -> Change:
        if live.cancel_requested:
            return CANCELLED
        if self.closing:
            return INTERRUPTED
        return _failure("任务被中断")

    def _failed(self, live: _Live, exc: Exception) -> Change:
        if isinstance(exc, AppError):
            log.info("job %s (%s) failed: %r", live.job_id, live.kind.name, exc)
            return Change(EventType.FAILED, JobStatus.FAILED, f"{FAILED_PREFIX}{exc.message}", error=exc.code)
        log.error("job %s (%s) failed", live.job_id, live.kind.name, exc_info=exc)
        return _failure("服务器内部错误")  # the details are in the log, not on the wire

    def _reporter(self, live: _Live) -> Callable[[float, str, dict[str, Any]], Awaitable[None]]:
        async def report(percent: float, message: str, extra: dict[str, Any]) -> None:
            event_type = EventType.PROGRESS
            if extra.get("event_type") in STEP_EVENTS:
                event_type = EventType(extra.pop("event_type"))
            if clash := RESERVED_EVENT_KEYS & extra.keys():
                raise ValueError(f"progress() may not set {sorted(clash)}")
            if not math.isfinite(percent):
                raise ValueError("progress percent must be a finite number")
            orjson.dumps(extra)  # TypeError now, in the job, rather than later in the database
            change = Change(event_type, JobStatus.RUNNING, str(message), progress=float(percent), extra=extra)
            # Shielded: a cancellation must not cut a write in half nor lose an event already reported (the final
            # event waits for this one on the job's lock, so order holds).
            await asyncio.shield(asyncio.ensure_future(self._append(live, change)))

        return report

    async def _append(self, live: _Live, change: Change) -> None:
        async with live.lock:
            self.announce(await self._store.append(live.job_id, change))

    def _interrupt(self, live: _Live) -> None:
        """Cancel the job's task, unless it is already writing its final event (which must not be cut short)."""
        if not live.finishing and live.task is not None:
            live.task.cancel()

    # --- events and cancels on the bus -----------------------------------------------------------------------

    def announce(self, event: JobEvent | None) -> None:
        if event is not None:
            self._bus.publish(EVENTS_TOPIC, encode_event(event))

    def _announce(self, events: list[JobEvent]) -> None:
        for event in events:
            self.announce(event)

    def request_cancel_everywhere(self, job_id: str) -> None:
        self._bus.publish(CANCEL_TOPIC, job_id.encode())

    def _on_cancel_message(self, message: bytes) -> None:
        self.cancel_here(message.decode())

    # --- upkeep ----------------------------------------------------------------------------------------------

    async def renew(self) -> None:
        held = [live.job_id for live in self._live.values() if live.started]
        for job_id in await self._store.renew(self.worker_id, held, self._lease):
            self.cancel_here(job_id)

    async def reap(self) -> None:
        events = await self._store.finish_expired(WORKER_LOST)
        events += await self._store.finish_orphaned(WORKER_LOST, self._lease)
        if events:
            log.warning("%d job(s) failed: their worker stopped (%s)", len(events), ", ".join(e.job_id for e in events))
        self._announce(events)
        if self._redispatch is not None:
            for job_id, kind in await self._store.stale_dispatches(self._dispatch_timeout):
                log.info("job %s was not claimed in time: handing it to the queue again", job_id)
                await self._redispatch(kind, job_id)


def _failure(reason: str) -> Change:
    return Change(EventType.FAILED, JobStatus.FAILED, f"{FAILED_PREFIX}{reason}", error=ErrorCode.INTERNAL_ERROR)


def _check_result(result: object) -> None:
    if result is not None and not isinstance(result, dict):
        raise TypeError(f"a job returns a dict or None, not {type(result).__name__}")
    orjson.dumps(result)


async def _every(seconds: float, action: Callable[[], Awaitable[Any]], *, jitter: float = 0.0) -> None:
    while True:
        await asyncio.sleep(seconds * (1 + random.uniform(-jitter, jitter)))  # noqa: S311 - spread, not secrecy
        try:
            await action()
        except Exception:
            log.exception("periodic %s failed", getattr(action, "__name__", action))

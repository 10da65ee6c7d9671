"""JobRegistry in-process, through the real app's lifespan and database: what the HTTP tests cannot easily reach."""

from __future__ import annotations

import asyncio

import pytest

from sceneintruder.core.principal import GUEST_USER_ID, Principal, Role
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.models import JobEventRecord, JobRecord
from sceneintruder.jobs.registry import CancelOutcome, JobRegistry
from tests.support.state import jobs_of

ADMIN = Principal(user_id="root", role=Role.ADMIN, authenticated=True)


async def _until(registry: JobRegistry, job_id: str, *statuses: str) -> None:
    """Follow the job's events (as the SSE stream does) until it reaches one of `statuses`."""
    async with asyncio.timeout(10):
        async for event in registry.subscribe(job_id, after=0, idle_timeout=1):
            if event is not None and event.status in statuses:
                return
    raise AssertionError(f"{job_id} ended without reaching {statuses}")


async def test_jobs_waiting_for_a_slot_start_in_the_order_they_came(app) -> None:
    registry: JobRegistry = jobs_of(app)
    started: list[str] = []
    gates = {name: asyncio.Event() for name in "abcd"}

    async def run(ctx: JobContext) -> dict:
        name = ctx.payload["name"]
        started.append(name)
        await gates[name].wait()
        return {"name": name}

    registry.register_kind("single", run, concurrency=1, queue_size=3)
    ids = {name: (await registry.start("single", GUEST_USER_ID, {"name": name})).id for name in "abcd"}
    await _until(registry, ids["a"], "running")
    assert [(await registry.get(ids[n])).status for n in "bcd"] == ["queued"] * 3
    for name in "abcd":
        gates[name].set()
        await _until(registry, ids[name], "completed")
    assert started == list("abcd")
    assert (await registry.get(ids["d"])).result == {"name": "d"}


async def test_a_job_that_misuses_progress_or_returns_a_non_dict_fails(app) -> None:
    registry: JobRegistry = jobs_of(app)

    async def overrides_status(ctx: JobContext) -> None:
        await ctx.progress(10, "x", status="completed")

    async def not_json(ctx: JobContext) -> None:
        await ctx.progress(10, "x", blob=object())

    async def returns_a_list(ctx: JobContext) -> list:
        return [1, 2]

    bodies = {run.__name__: run for run in (overrides_status, not_json, returns_a_list)}

    async def sloppy(ctx: JobContext):
        return await bodies[ctx.payload["body"]](ctx)

    registry.register_kind("sloppy", sloppy)
    for name in bodies:
        job = await registry.start("sloppy", GUEST_USER_ID, {"body": name})
        await _until(registry, job.id, "failed")
        failed = await registry.get(job.id)
        assert (failed.error, failed.message, failed.progress) == ("INTERNAL_ERROR", "任务失败: 服务器内部错误", 0), (
            name
        )


async def test_cancelling_a_row_that_no_coroutine_here_backs_marks_it(app) -> None:
    """A row left running by another process on the same database: only the row can be marked."""
    async with app.state.db.writer() as session:
        session.add(JobRecord(id="task_elsewhere", kind="demo", owner_id=GUEST_USER_ID, status="running", last_seq=1))
        await session.flush()
        session.add(
            JobEventRecord(
                job_id="task_elsewhere", seq=1, event_type="progress", status="running", progress=0, message=""
            )
        )
        await session.commit()
    registry: JobRegistry = jobs_of(app)
    assert await registry.cancel("task_elsewhere", ADMIN) == CancelOutcome.MARKED
    job = await registry.get("task_elsewhere")
    assert (job.status, job.error, job.last_seq) == ("cancelled", "TASK_CANCELLED", 2)
    assert await registry.cancel("task_elsewhere", ADMIN) == CancelOutcome.ALREADY_FINISHED


async def test_kinds_are_declared_once_with_sane_limits(app) -> None:
    registry: JobRegistry = jobs_of(app)

    async def nothing(ctx: JobContext) -> None:
        return None

    registry.register_kind("once", nothing)
    with pytest.raises(ValueError, match="already registered"):
        registry.register_kind("once", nothing)
    for limits in ({"concurrency": 0}, {"timeout_seconds": 0}, {"queue_size": -1}):
        with pytest.raises(ValueError, match="concurrency"):
            registry.register_kind("bad", nothing, **limits)
    with pytest.raises(ValueError, match="unknown job kind"):
        await registry.start("never-registered", GUEST_USER_ID)


async def test_a_cancelled_waiting_job_passes_its_turn_on(app) -> None:
    """A job cancelled while it waits for the slot never runs, and the slot passes on to the job after it.

    (Cancelling first, then freeing the slot: a cancel raced against the slot goes through the database, so
    which of the two lands first is not the test's to decide.)"""
    registry: JobRegistry = jobs_of(app)
    release_first = asyncio.Event()

    async def trio(ctx: JobContext) -> dict:
        if ctx.payload["first"]:
            await release_first.wait()
            return {"n": 1}
        return {"n": ctx.job_id}

    registry.register_kind("trio", trio, concurrency=1, queue_size=2)
    running = await registry.start("trio", GUEST_USER_ID, {"first": True})
    doomed = await registry.start("trio", GUEST_USER_ID, {"first": False})
    third = await registry.start("trio", GUEST_USER_ID, {"first": False})
    assert await registry.cancel(doomed.id, ADMIN) == CancelOutcome.CANCELLED
    release_first.set()
    await _until(registry, third.id, "completed")
    assert [(await registry.get(job.id)).status for job in (running, doomed, third)] == [
        "completed",
        "cancelled",
        "completed",
    ]

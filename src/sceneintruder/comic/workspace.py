"""The comic's jobs, one at a time per scene, and resetting the workspace.

A comic job starts only when the scene's last one has finished (else 409 CONFLICT naming it): two jobs writing
one storyboard's rows and panels at once would interleave (spec §8.26). `DELETE /comic` cancels the running
job, waits for it to unwind, then removes the rows and files (spec §3.2 left the job running, recreating what
was deleted)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import delete

from sceneintruder.comic import records
from sceneintruder.comic.files import ComicFiles
from sceneintruder.comic.models import (
    ComicBreakdown,
    ComicFrame,
    ComicImage,
    ComicKeyElements,
    ComicPrompt,
    ComicReference,
    ComicWorkspace,
)
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import Conflict
from sceneintruder.core.principal import Principal, Role
from sceneintruder.jobs.errors import TaskNotFound

RESET_WAIT_SECONDS = 30.0
TABLES = (ComicImage, ComicPrompt, ComicFrame, ComicBreakdown, ComicKeyElements, ComicReference, ComicWorkspace)


def _lock_key(scene_id: str) -> str:
    return f"comic:{scene_id}"


async def _running(runtime: ComicRuntime, scene_id: str) -> tuple[str, str] | None:
    async with runtime.db.reader() as session:
        row = await session.get(ComicWorkspace, scene_id)
        job_id = row.job_id if row is not None else None
    if not job_id:
        return None
    job = await runtime.jobs.get(job_id)
    if job is None or job.status.is_final:
        return None
    return job.id, job.kind


async def start(runtime: ComicRuntime, *, scene_id: str, owner_id: str, kind: str, payload: dict[str, Any]) -> str:
    async with runtime.locks.hold(_lock_key(scene_id)):
        running = await _running(runtime, scene_id)
        if running is not None:
            raise Conflict("该场景已有漫画任务在运行", details={"task_id": running[0], "kind": running[1]})
        job = await runtime.jobs.start(kind, owner_id, {"scene_id": scene_id, **payload})
        runtime.started[scene_id] = job.id
        async with runtime.db.writer() as session:
            workspace = await records.workspace(session, scene_id)
            workspace.job_id, workspace.job_kind, workspace.updated_at = job.id, kind, utcnow()
            await session.commit()
    return job.id


async def reset(runtime: ComicRuntime, *, scene_id: str, principal: Principal) -> dict[str, Any]:
    async with runtime.locks.hold(_lock_key(scene_id)):
        running = await _running(runtime, scene_id)
        if running is not None:
            await runtime.jobs.cancel(running[0], principal)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RESET_WAIT_SECONDS):
                    await runtime.jobs.wait(running[0], poll_seconds=0.2)
        async with runtime.db.writer() as session:
            for table in TABLES:
                await session.execute(delete(table).where(table.scene_id == scene_id))
            await session.commit()
        ComicFiles(runtime.data_dir, scene_id).remove_all()
    return {"scene_id": scene_id}


async def on_scene_deleted(runtime: ComicRuntime, *, scene_id: str, owner_id: str) -> None:
    """The scene is gone (its comic rows and files with it): stop the comic job it had running here."""
    job_id = runtime.started.pop(scene_id, None)
    if job_id is not None:
        owner = Principal(user_id=owner_id, role=Role.USER, authenticated=True)
        with contextlib.suppress(TaskNotFound):
            await runtime.jobs.cancel(job_id, owner)

"""A story's initialisation as a job: started when a scene from text is created (scenes' SceneCreated event),
followed over SSE at `/api/progress/<task_id>`.

Stages (the story's `init_status`, and `stage` on the job's progress events):

    pending   the story row exists; its nodes are being built
    building  every passage is a node; the first one is being narrated
    playable  the first passage is narrated; passages ahead of the player are being narrated
    ready     nothing runs                                   (failed: the job failed; what was built stays)

The job builds every node in one transaction, then narrates the passages within `narrate_ahead` of the
player, the player's own passage first. Passages further on are narrated by a later run of the same job kind,
started when the player advances near them (`narrate_ahead_of_player`), so a long book does not cost one LLM
call per passage up front. Nothing here runs on a GET: `GET /story` only waits for the `playable` stage,
briefly (`wait_until_playable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import select

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import ServiceNotReady
from sceneintruder.core.principal import Principal, Role
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.errors import TaskNotFound
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.story import narration
from sceneintruder.story._steps import finish_first
from sceneintruder.story.building import build_nodes
from sceneintruder.story.llm_schemas import TASK_STORY_SEGMENT
from sceneintruder.story.models import Story, StoryNode
from sceneintruder.story.runtime import StoryRuntime

log = logging.getLogger("sceneintruder.story")

STORY_INIT_JOB = "story_init"
PENDING, BUILDING, PLAYABLE, READY, FAILED = "pending", "building", "playable", "ready", "failed"
WAITING = frozenset({PENDING, BUILDING})  # a GET /story waits (briefly) while the story is in one of these
UNFINISHED = (PENDING, BUILDING, PLAYABLE)  # a job should be running


async def start(runtime: StoryRuntime, *, scene_id: str, owner_id: str, language: str) -> str | None:
    """Create the story (pending) and start its job. Idempotent: a story whose job still runs keeps it, and a
    built story with nothing left to narrate near the player starts nothing (returns None)."""
    async with runtime.locks.hold(scene_id):
        async with runtime.db.reader() as session:
            story = await session.get(Story, scene_id)
            built = await session.scalar(select(StoryNode.id).where(StoryNode.scene_id == scene_id).limit(1))
        if story is not None and story.init_job_id and await _running(runtime, story.init_job_id):
            return story.init_job_id
        if story is None:
            await create(runtime, scene_id, language)
        elif built and (
            runtime.narrate_ahead == 0 or (await narration.ahead(runtime, scene_id, skip=set()))[0] is None
        ):
            return None
        job = await runtime.jobs.start(STORY_INIT_JOB, owner_id, {"scene_id": scene_id})
        runtime.initialising[scene_id] = job.id
        async with runtime.db.writer() as session:
            story = await session.get(Story, scene_id)
            if story is not None:
                story.init_job_id = job.id
                if story.init_status in (READY, FAILED):
                    story.init_status = PLAYABLE if built else PENDING
                await session.commit()
    return job.id


async def resume_interrupted(runtime: StoryRuntime) -> int:
    """At start-up: every story whose initialisation a stop cut short (its stage still pending, building or
    playable, and no job of it running) carries on where it was; returns how many were resumed. The stages it
    had reached stay (building is idempotent, narration skips what is narrated)."""
    async with runtime.db.reader() as session:
        rows = (
            await session.execute(
                select(Story.scene_id, Story.language, Story.init_job_id).where(Story.init_status.in_(UNFINISHED))
            )
        ).all()
    resumed = 0
    for scene_id, language, job_id in rows:
        if job_id and await _running(runtime, job_id):
            continue
        try:
            async with runtime.db.reader() as session:
                owner_id = (await scenes_service.find_scene(session, scene_id=scene_id)).owner_id
        except SceneNotFound:
            continue
        if await start(runtime, scene_id=scene_id, owner_id=owner_id, language=language) is None:
            await _set_status(runtime, scene_id, READY)  # nothing was left to do
        else:
            resumed += 1
    if resumed:
        log.info("resumed %d interrupted story initialisation(s)", resumed)
    return resumed


async def create(runtime: StoryRuntime, scene_id: str, language: str) -> None:
    """The story row, `pending`, with nothing in it yet (the caller holds the scene's lock)."""
    now = utcnow()
    async with runtime.db.writer() as session:
        session.add(
            Story(
                scene_id=scene_id,
                language=language,
                init_status=PENDING,
                intro="",
                main_objective="",
                progress=0,
                current_state="",
                reveal_counter=0,
                rolling_summary="",
                created_at=now,
                last_updated=now,
            )
        )
        await session.commit()


async def narrate_ahead_of_player(runtime: StoryRuntime, *, scene_id: str, owner_id: str, language: str) -> None:
    """After the player moved on: narrate the passages now within reach, unless a run is already going."""
    if runtime.narrate_ahead == 0 or scene_id in runtime.initialising:
        return
    passage, _ = await narration.ahead(runtime, scene_id, skip=set())
    if passage is not None:
        await start(runtime, scene_id=scene_id, owner_id=owner_id, language=language)


async def cancel(runtime: StoryRuntime, *, scene_id: str, owner_id: str) -> None:
    """The scene is gone: stop its initialisation (its rows went with the scene), as its owner would."""
    job_id = runtime.initialising.pop(scene_id, None)
    if job_id is not None:
        owner = Principal(user_id=owner_id, role=Role.USER, authenticated=True)
        with contextlib.suppress(TaskNotFound):
            await runtime.jobs.cancel(job_id, owner)


async def wait_until_playable(runtime: StoryRuntime, job_id: str) -> None:
    """Wait at most `init_wait_seconds` for the job to reach the `playable` stage (or end)."""
    wait = runtime.init_wait_seconds
    if wait <= 0:
        return
    try:
        async with asyncio.timeout(wait):
            async for event in runtime.jobs.subscribe(job_id, after=None, idle_timeout=wait):
                if event is not None and (event.is_final or event.extra.get("stage") in (PLAYABLE, READY)):
                    return
    except TimeoutError:
        return


async def _running(runtime: StoryRuntime, job_id: str) -> bool:
    job = await runtime.jobs.get(job_id)
    return job is not None and not job.status.is_final


def initialisation_job(runtime: StoryRuntime) -> JobHandler:
    """The job that builds the payload's scene's story and narrates ahead of the player (any worker may run it)."""

    async def run(context: JobContext) -> dict[str, Any]:
        scene_id, owner_id = context.payload["scene_id"], context.owner_id
        try:
            return await _run(runtime, scene_id, owner_id, context)
        except asyncio.CancelledError:
            raise
        except Exception:
            await _set_status(runtime, scene_id, FAILED)
            raise
        finally:
            if runtime.initialising.get(scene_id) == context.job_id:
                del runtime.initialising[scene_id]

    return run


async def _run(runtime: StoryRuntime, scene_id: str, owner_id: str, context: JobContext) -> dict[str, Any]:
    await context.progress(1, "正在创建故事节点...", scene_id=scene_id, stage=PENDING)
    nodes = await finish_first(_build(runtime, scene_id))
    if nodes is None:
        return {"scene_id": scene_id, "nodes": 0, "narrated": 0}
    await context.progress(10, f"已创建 {nodes} 个故事节点", scene_id=scene_id, stage=BUILDING, nodes_total=nodes)
    narrated = await _narrate_near_player(runtime, scene_id, owner_id, context, nodes_total=nodes)
    await _set_status(runtime, scene_id, READY)
    return {"scene_id": scene_id, "nodes": nodes, "narrated": narrated}


async def _build(runtime: StoryRuntime, scene_id: str) -> int | None:
    """Every passage a node (once); None when the story is gone (its scene was deleted)."""
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        story = await session.get(Story, scene_id)
        if story is None:
            return None
        nodes = await build_nodes(session, story)
        if story.init_status == PENDING:
            story.init_status = BUILDING if nodes else READY
        await session.commit()
        return nodes


async def _narrate_near_player(
    runtime: StoryRuntime, scene_id: str, owner_id: str, context: JobContext, *, nodes_total: int
) -> int:
    story_context = await finish_first(narration.load_context(runtime, scene_id))
    total = await finish_first(narration.total_passages(runtime, scene_id))
    call = CallInfo(TASK_STORY_SEGMENT, user_id=owner_id, job_id=context.job_id)
    attempted: set[str] = set()
    narrated = 0
    playable = False
    while story_context is not None:
        passage, remaining = await finish_first(narration.ahead(runtime, scene_id, skip=attempted))
        if passage is None:
            break
        attempted.add(passage.node_id)
        try:
            narrated += await narration.narrate(runtime, scene_id, passage, story_context, total=total, call=call)
        except ServiceNotReady:
            log.info("story %s: no LLM ready; passages keep their source text", scene_id)
            break
        if not playable:
            playable = await _set_status(runtime, scene_id, PLAYABLE)
        done = len(attempted)
        planned = done - 1 + remaining  # `remaining` counted this passage too
        await context.progress(
            10 + 89 * done / planned,
            f"已讲述 {done}/{planned} 段原文",
            scene_id=scene_id,
            stage=PLAYABLE,
            nodes_total=nodes_total,
            narrated=narrated,
        )
    if not playable:
        await _set_status(runtime, scene_id, PLAYABLE)
        await context.progress(99, "故事已可以开始", scene_id=scene_id, stage=PLAYABLE, nodes_total=nodes_total)
    return narrated


async def _set_status(runtime: StoryRuntime, scene_id: str, status: str) -> bool:
    """Move the story to `status`, never back to an earlier stage of the same run; False if the story is gone."""
    return await finish_first(_write_status(runtime, scene_id, status))


async def _write_status(runtime: StoryRuntime, scene_id: str, status: str) -> bool:
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        story = await session.get(Story, scene_id)
        if story is None:
            return False
        if not (status == PLAYABLE and story.init_status == READY):
            story.init_status = status
        await session.commit()
    return True

"""A text becomes a scene: analyse it, store it, announce it. One job body for `POST /api/scenes` (which waits
for it) and `POST /api/analyze` (which answers with the job's id at once).

The job reports progress per analysed chunk, cuts the text into story segments on a worker thread meanwhile,
stores everything in one transaction and publishes `SceneCreated` once that has committed. Cancelling it
cancels the chunks in flight and stores nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import PayloadTooLarge, ServiceNotReady, error_for_code
from sceneintruder.core.principal import Principal
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.jobs.schemas import FAILED_PREFIX, JobSnapshot, JobStatus
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.scenes import access, creation, pipeline
from sceneintruder.scenes.events import SceneCreated
from sceneintruder.scenes.reading import read_scene
from sceneintruder.scenes.runtime import ANALYSIS_JOB, ScenesRuntime
from sceneintruder.scenes.schemas import SceneRead
from sceneintruder.textkit import text


def analysis_job(runtime: ScenesRuntime) -> JobHandler:
    """The job that turns the payload's `source` into a scene of the job's owner (any worker may run it); its
    result is `{scene_id, title, character_count}`."""

    async def run(context: JobContext) -> dict[str, Any]:
        owner_id = context.owner_id
        title, source, origin = context.payload["title"], context.payload["source"], context.payload["origin"]
        await context.progress(1, "开始分析文本...")
        detected = await runtime.offload.run(text.detect_language, source)
        segments = asyncio.ensure_future(runtime.offload.run(creation.segments_of, source, detected))  # meanwhile
        try:
            scene_id, language, characters = await _analyse_and_store(context, segments, title, source, origin)
        finally:
            if not segments.done():
                segments.cancel()
        await runtime.events.publish(SceneCreated(scene_id, owner_id, language))
        return {"scene_id": scene_id, "title": title, "character_count": characters}

    async def _analyse_and_store(
        context: JobContext, segments: asyncio.Future[list[creation.Segment]], title: str, source: str, origin: str
    ) -> tuple[str, str, int]:
        owner_id = context.owner_id
        outcome = await analyse_in_job(runtime, context, title=title, source=source)
        await context.progress(95, "正在保存场景...")
        async with context.db.writer() as session:
            scene = await creation.store_analyzed_scene(
                session,
                owner_id=owner_id,
                title=title,
                source=source,
                analysis=outcome.analysis,
                provider=outcome.provider,
                fallback_reason=outcome.fallback_reason,
                origin=origin,
                segments=await segments,
            )
        return scene.id, scene.language, len(outcome.analysis.characters)

    return run


async def analyse_in_job(
    runtime: ScenesRuntime, context: JobContext, *, title: str, source: str
) -> pipeline.AnalysisOutcome:
    """Analyse `source` with the active provider, reporting each chunk as the job's progress (5% to 90%)."""

    async def on_progress(done: int, total: int) -> None:
        await context.progress(
            5 + 85 * done / total, f"已分析 {done}/{total} 段文本", chunks_done=done, chunks_total=total
        )

    return await pipeline.analyze_text(
        runtime.llm,
        title=title,
        source=source,
        call=CallInfo(pipeline.ANALYSIS_TASK, user_id=context.owner_id, job_id=context.job_id),
        concurrency=runtime.settings.analysis_concurrency,
        max_chunk_chars=runtime.settings.analysis_chunk_chars,
        on_progress=on_progress,
        offload=runtime.offload,
    )


async def start_analysis(
    runtime: ScenesRuntime, *, principal: Principal, title: str, text: str, key: str | None, origin: str
) -> JobSnapshot:
    """Start the job that turns `text` into a scene (any size up to UPLOAD_MAX_CHARS)."""
    limit = runtime.settings.upload_max_chars
    if len(text) > limit:
        raise PayloadTooLarge("文本过长", details={"max_chars": limit})
    if not (status := runtime.llm.status()).ready:
        raise ServiceNotReady(details=status.state)
    payload = {"title": title, "source": text, "origin": origin}
    return await runtime.jobs.start(ANALYSIS_JOB, principal.user_id, payload, idempotency_key=key)


async def create_scene(
    runtime: ScenesRuntime, *, principal: Principal, title: str, text: str, key: str | None
) -> SceneRead:
    """`POST /api/scenes`: the analysis job, waited for. A caller that stops waiting leaves it running (the scene
    is created all the same); a failed job is raised as the error it recorded."""
    job = await start_analysis(runtime, principal=principal, title=title, text=text, key=key, origin="")
    finished = await runtime.jobs.wait(job.id)
    if finished.status is not JobStatus.COMPLETED or not finished.result:
        message = finished.message.removeprefix(FAILED_PREFIX)
        raise error_for_code(finished.error or ErrorCode.SCENE_CREATE_FAILED, message, details={"task_id": job.id})
    async with runtime.db.reader() as session:
        scene = await access.find_scene(session, scene_id=finished.result["scene_id"])
        return await read_scene(session, scene=scene)

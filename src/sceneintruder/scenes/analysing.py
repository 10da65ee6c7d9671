"""A text becomes a scene: analyse it, store it, announce it. One job body for `POST /api/scenes` (which waits
for it) and `POST /api/analyze` (which answers with the job's id at once).

The job reports progress per analysed chunk, cuts the text into story segments on a worker thread meanwhile,
stores everything in one transaction and publishes `SceneCreated` once that has committed. Cancelling it
cancels the chunks in flight and stores nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sceneintruder.core.events import EventBus
from sceneintruder.core.offload import Offload
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.registry import JobRun
from sceneintruder.providers.llm.client import CallInfo, LLMClient
from sceneintruder.scenes import creation, pipeline, text
from sceneintruder.scenes.events import SceneCreated


@dataclass(frozen=True)
class AnalysisDeps:
    llm: LLMClient
    events: EventBus
    offload: Offload
    concurrency: int  # chunks analysed at once
    max_chunk_chars: int


def analysis_job(deps: AnalysisDeps, *, owner_id: str, title: str, source: str, origin: str) -> JobRun:
    """The job that turns `source` into a scene of `owner_id`; its result is `{scene_id, title, character_count}`."""

    async def run(context: JobContext) -> dict[str, Any]:
        await context.progress(1, "开始分析文本...")
        language = await deps.offload.run(text.detect_language, source)
        segments = asyncio.ensure_future(deps.offload.run(creation.segments_of, source, language))  # meanwhile
        try:
            scene_id, language, characters = await _analyse_and_store(context, segments)
        finally:
            if not segments.done():
                segments.cancel()
        await deps.events.publish(SceneCreated(scene_id, owner_id, language))
        return {"scene_id": scene_id, "title": title, "character_count": characters}

    async def _analyse_and_store(
        context: JobContext, segments: asyncio.Future[list[creation.Segment]]
    ) -> tuple[str, str, int]:

        async def on_progress(done: int, total: int) -> None:
            await context.progress(
                5 + 85 * done / total, f"已分析 {done}/{total} 段文本", chunks_done=done, chunks_total=total
            )

        outcome = await pipeline.analyze_text(
            deps.llm,
            title=title,
            source=source,
            call=CallInfo(pipeline.ANALYSIS_TASK, user_id=owner_id, job_id=context.job_id),
            concurrency=deps.concurrency,
            max_chunk_chars=deps.max_chunk_chars,
            on_progress=on_progress,
            offload=deps.offload,
        )
        await context.progress(95, "正在保存场景...")
        async with context.db.writer() as session:
            scene = await creation.store_analyzed_scene(
                session,
                owner_id=owner_id,
                title=title,
                source=source,
                analysis=outcome.analysis,
                provider=outcome.provider,
                origin=origin,
                segments=await segments,
            )
        return scene.id, scene.language, len(outcome.analysis.characters)

    return run

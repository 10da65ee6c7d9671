"""Step 1, the storyboard: the text cut into 4-12 frames, each a visual description with its staging (who is
in it, shot, time, place, mood, caption and spoken lines). A job; the frames replace the last storyboard's,
and what belonged to frames that no longer exist goes with them (spec §8.10)."""

from __future__ import annotations

from typing import Any

from sceneintruder.comic import records
from sceneintruder.comic.broadcast import report
from sceneintruder.comic.errors import ComicFailed
from sceneintruder.comic.files import IMAGES, ComicFiles
from sceneintruder.comic.llm_schemas import TASK_STORYBOARD, StoryboardAnswer
from sceneintruder.comic.prompts import storyboard_messages
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.comic.schemas import ANALYSIS_FRAMES, DEFAULT_FRAMES
from sceneintruder.comic.sources import source_for
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.textkit import text

JOB = "comic_analysis"


def frame_count(asked: int | None) -> int:
    low, high = ANALYSIS_FRAMES
    return max(low, min(high, asked or DEFAULT_FRAMES))


def staging_of(draft: Any) -> dict[str, Any]:
    return {
        "characters": list(draft.characters)[:6],
        "shot": draft.shot if draft.shot in ("close-up", "medium", "wide") else "medium",
        "time": draft.time,
        "place": draft.place,
        "mood": draft.mood,
        "caption": draft.caption,
        "lines": [{"speaker": line.speaker, "text": line.text} for line in draft.lines[:3] if line.text.strip()],
    }


def storyboard_job(runtime: ComicRuntime) -> JobHandler:
    async def run(ctx: JobContext) -> dict[str, Any]:
        payload = ctx.payload
        scene_id = str(payload["scene_id"])
        await report(ctx, runtime.hub, 5, "准备分镜分析")
        async with runtime.db.reader() as session:
            scene = await scenes_service.find_scene(session, scene_id=scene_id)
            cast = [
                {"name": c.name, "aliases": list(c.aliases)}
                for c in await scenes_service.list_characters(session, scene_id=scene_id)
            ]
        title = scene.title
        source = await source_for(
            runtime.db, scene_id=scene_id, node_id=payload.get("node_id"), source_text=payload.get("source_text")
        )
        language = text.detect_language(source.text)  # a shell's language is a default: the text tells
        frames_wanted = frame_count(payload.get("target_frames"))
        await report(ctx, runtime.hub, 35, "调用模型生成分镜")
        result = await runtime.llm.complete_structured(
            task=TASK_STORYBOARD,
            schema=StoryboardAnswer,
            messages=storyboard_messages(title=title, text=source.text, frames=frames_wanted, language=language),
            inputs={
                "text": source.text,
                "passages": [{"node_id": n, "text": t} for n, t in source.passages],
                "frames": frames_wanted,
                "language": language,
                "title": title,
                "characters": cast,
            },
            call=CallInfo(TASK_STORYBOARD, user_id=ctx.owner_id, job_id=ctx.job_id),
        )
        drafts = [d for d in result.value.frames if d.description.strip()][:frames_wanted]
        if not drafts:
            raise ComicFailed("模型没有给出任何分镜", details="no frame had a description")
        frames = []
        for index, draft in enumerate(drafts, start=1):
            node_ids = [source.node_id] if source.node_id else [n for n in draft.story_node_ids if n][:10]
            frames.append(
                {
                    "id": f"frame_{index}",
                    "order": index,
                    "description": draft.description.strip()[:4000],
                    "story_node_ids": node_ids,
                    "staging": staging_of(draft),
                }
            )
        provenance = Provenance.of(result.completion).wire()
        await report(ctx, runtime.hub, 80, "保存分镜")
        async with runtime.db.writer() as session:
            orphaned = await records.replace_breakdown(
                session,
                scene_id,
                language=result.value.language or language,
                target_frames=len(frames),
                source=source.kind,
                node_id=source.node_id,
                provenance=provenance,
                new_frames=frames,
            )
            workspace = await records.workspace(session, scene_id)
            workspace.metrics = {**(workspace.metrics or {}), "analysis": provenance}
            await session.commit()
        files = ComicFiles(runtime.data_dir, scene_id)
        for name in orphaned:
            files.remove(IMAGES, name)
        return {"frames": len(frames), "source": source.kind, **provenance}

    return run

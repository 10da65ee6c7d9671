"""Step 2, the image prompts: one per frame, in frame order, each seeing the frame, the passages it comes from,
the previous frame's prompt and the key elements as anchors (spec §3.4). A job with progress per frame; the
prompt is stored under the storyboard's frame id whatever id a model wrote (spec §8.11), with the five fields
a film of the comic uses (`video_prompt`, `camera_motion`, `narration`, `music_cue`, `sfx`; §8.1)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sceneintruder.comic import records
from sceneintruder.comic.broadcast import report
from sceneintruder.comic.errors import ComicAnalysisNotFound
from sceneintruder.comic.llm_schemas import TASK_FRAME_PROMPT, FramePromptAnswer
from sceneintruder.comic.prompts import BASELINE_NEGATIVE, frame_prompt_messages
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.comic.sources import source_for
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service

JOB = "comic_prompts"
TEMPLATE_VERSION = "comic_frame_prompt_v2"
_COMIC_BIAS = re.compile(
    r"^\s*(?:a\s+)?(?:comic(?:\s+book)?\s+(?:style|panel)(?:\s+of)?|graphic\s+novel\s+style|manga\s+panel(?:\s+of)?)"
    r"\s*[:,]?\s*",
    re.IGNORECASE,
)


def apply_style(prompt: str, style: str) -> str:
    """The prompt in `style`: a leading comic phrase dropped when the style is another, then `<style> style, `
    in front unless the prompt already names the style."""
    prompt, style = prompt.strip(), style.strip()
    if not prompt or not style:
        return prompt
    if style.lower() != "comic":
        prompt = _COMIC_BIAS.sub("", prompt, count=1)
    if style.lower() in prompt.lower():
        return prompt
    return f"{style} style, {prompt}" if prompt else f"{style} style"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prompts_job(runtime: ComicRuntime) -> JobHandler:
    async def run(ctx: JobContext) -> dict[str, Any]:
        payload = ctx.payload
        scene_id = str(payload["scene_id"])
        style = str(payload.get("style") or "")
        continuity = str(payload.get("continuity_mode") or "strict")
        await report(ctx, runtime.hub, 5, "读取分镜")
        async with runtime.db.reader() as session:
            scene = await scenes_service.find_scene(session, scene_id=scene_id)
            frames = [records.frame_json(f) for f in await records.frames(session, scene_id)]
            elements = await records.key_elements(session, scene_id)
        if not frames:
            raise ComicAnalysisNotFound(details=scene_id)
        if elements:
            names = [c.get("name", "") for c in elements.get("characters") or []][:3]
            anchor = f"characters={', '.join(names)} | style_tags={', '.join((elements.get('style_tags') or [])[:4])}"
        else:
            anchor = f"opening_frame={frames[0]['description'][:200]}"
        whole = await source_for(runtime.db, scene_id=scene_id, node_id=payload.get("node_id"), source_text=None)
        previous = ""
        done = 0
        for index, frame in enumerate(frames):
            await report(ctx, runtime.hub, 15 + index / len(frames) * 80, f"生成提示词：{frame['id']}")
            node_ids = [payload["node_id"]] if payload.get("node_id") else frame["story_node_ids"]
            passages = [(n, t) for n, t in whole.passages if n in node_ids] or whole.passages
            content = "\n\n".join(t for _, t in passages)[:4000]
            result = await runtime.llm.complete_structured(
                task=TASK_FRAME_PROMPT,
                schema=FramePromptAnswer,
                messages=frame_prompt_messages(
                    title=scene.title,
                    frame=frame,
                    content=content,
                    style=style,
                    continuity_mode=continuity,
                    anchor=anchor,
                    previous_prompt=previous,
                    elements=elements,
                ),
                inputs={"frame": frame, "style": style, "anchor": anchor, "title": scene.title},
                call=CallInfo(TASK_FRAME_PROMPT, user_id=ctx.owner_id, job_id=ctx.job_id),
            )
            answer = result.value
            chosen_style = style or answer.style
            prompt = apply_style(answer.prompt, chosen_style) or frame["description"]
            negative = answer.negative_prompt.strip() or BASELINE_NEGATIVE
            record = {
                "frame_id": frame["id"],
                "prompt": prompt,
                "negative_prompt": negative,
                "style": chosen_style,
                "model": str(payload.get("vision_model") or ""),
                "model_params": dict(answer.model_params or {}),
                "prompt_sources": {
                    "scene_id": scene_id,
                    "node_ids": [n for n, _ in passages if n],
                    "content_hashes": [_hash(t) for _, t in passages],
                    "truncated": sum(len(t) for _, t in passages) > 4000,
                    "continuity_mode": continuity,
                    "frame_anchor": anchor,
                    "template_version": TEMPLATE_VERSION,
                    "generated_at": rfc3339(utcnow()),
                },
                "video_prompt": answer.video_prompt,
                "camera_motion": answer.camera_motion,
                "narration": answer.narration,
                "music_cue": answer.music_cue,
                "sfx": answer.sfx,
                **Provenance.of(result.completion).wire(),
            }
            async with runtime.db.writer() as session:
                await records.save_prompt(session, scene_id, frame["id"], record)
                await session.commit()
            previous = prompt
            done += 1
        return {"prompts": done}

    return run

"""Step 3, the key elements: the recurring characters, objects and locations of the comic with short visual
descriptions, and style tags (spec §3.5). Ids are filled and made unique per list (`char_`, `obj_`, `loc_`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sceneintruder.comic import records
from sceneintruder.comic.broadcast import report
from sceneintruder.comic.errors import ComicAnalysisNotFound, ComicPromptsNotFound
from sceneintruder.comic.llm_schemas import TASK_KEY_ELEMENTS, KeyElementsAnswer
from sceneintruder.comic.prompts import key_elements_messages
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.comic.sources import source_for
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service

JOB = "comic_key_elements"
PREFIXES = {"characters": "char_", "objects": "obj_", "locations": "loc_"}


def slug(value: str) -> str:
    return re.sub(r"[^\w]+", "_", value.strip().lower(), flags=re.UNICODE).strip("_")


def with_ids(kind: str, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each element with an id: its own, else a slug of its name, else `item`; prefixed, unique in its list;
    ids that would not be safe in a path are replaced."""
    prefix, seen, out = PREFIXES[kind], set[str](), list[dict[str, Any]]()
    for item in items:
        name = str(item.get("name") or "").strip()
        if not name:
            continue
        base = slug(str(item.get("id") or "")) or slug(name) or "item"
        base = re.sub(r"[^A-Za-z0-9_-]", "", base) or f"{len(out) + 1}"
        base = base if base.startswith(prefix) else prefix + base
        base = base[:56]
        element_id, n = base, 2
        while element_id in seen:
            element_id, n = f"{base}_{n}", n + 1
        seen.add(element_id)
        out.append({"id": element_id, "name": name[:120], "description": str(item.get("description") or "")[:1000]})
    return out


def normalised(scene_id: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "scene_id": scene_id,
        **{kind: with_ids(kind, data.get(kind) or []) for kind in PREFIXES},
        "style_tags": [str(tag)[:60] for tag in data.get("style_tags") or [] if str(tag).strip()][:20],
        "generated_at": rfc3339(utcnow()),
        **extra,
    }


def key_elements_job(runtime: ComicRuntime) -> JobHandler:
    async def run(ctx: JobContext) -> dict[str, Any]:
        scene_id = str(ctx.payload["scene_id"])
        await report(ctx, runtime.hub, 5, "读取分镜与提示词")
        async with runtime.db.reader() as session:
            scene = await scenes_service.find_scene(session, scene_id=scene_id)
            frames = [records.frame_json(f) for f in await records.frames(session, scene_id)]
            prompts = await records.prompts(session, scene_id)
        if not frames:
            raise ComicAnalysisNotFound(details=scene_id)
        if len(prompts) < len(frames):
            raise ComicPromptsNotFound("有分镜还没有提示词", details=scene_id)
        source = await source_for(runtime.db, scene_id=scene_id, node_id=None, source_text=None)
        await report(ctx, runtime.hub, 45, "调用模型提取关键元素")
        result = await runtime.llm.complete_structured(
            task=TASK_KEY_ELEMENTS,
            schema=KeyElementsAnswer,
            messages=key_elements_messages(title=scene.title, frames=frames, prompts=prompts),
            inputs={"text": source.text, "frames": frames, "language": scene.language},
            call=CallInfo(TASK_KEY_ELEMENTS, user_id=ctx.owner_id, job_id=ctx.job_id),
        )
        data = normalised(scene_id, result.value.model_dump(), **Provenance.of(result.completion).wire())
        await report(ctx, runtime.hub, 85, "保存关键元素")
        async with runtime.db.writer() as session:
            await records.save_key_elements(session, scene_id, data)
            await session.commit()
        return {kind: len(data[kind]) for kind in PREFIXES}

    return run

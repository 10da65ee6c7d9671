"""The comic studio's public functions (framework-free) and its start-up wiring (`install`)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sceneintruder.comic import (
    export,
    image_prompts,
    key_elements,
    offline,
    panels,
    records,
    references,
    storyboard,
    workspace,
)
from sceneintruder.comic.errors import (
    ComicAnalysisNotFound,
    ComicImageNotFound,
    ComicKeyElementsNotFound,
    ComicPromptsNotFound,
)
from sceneintruder.comic.files import IMAGES, ComicFiles
from sceneintruder.comic.models import ComicBreakdown, ComicFrame, ComicImage, ComicPrompt
from sceneintruder.comic.references import Upload
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.comic.schemas import (
    AnalysisRequest,
    BreakdownIn,
    FramesRequest,
    GenerateRequest,
    KeyElementsIn,
    PromptIn,
    PromptsRequest,
    check_id,
)
from sceneintruder.core.errors import BadRequest, ServiceNotReady
from sceneintruder.core.principal import Principal
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.image._common import ImageDeps
from sceneintruder.providers.image.fonts import find_fonts
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.events import SceneDeleted
from sceneintruder.scenes.service import Scene
from sceneintruder.settings.service import SettingsRuntime
from sceneintruder.web.state import AppState

__all__ = [
    "ComicRuntime",
    "FilmFrame",
    "Upload",
    "delete_reference",
    "export_comic",
    "film_frames",
    "frame_image",
    "get_analysis",
    "get_key_elements",
    "get_prompts",
    "install",
    "overview",
    "put_analysis",
    "put_key_elements",
    "put_prompt",
    "reference_image",
    "references_index",
    "reset",
    "start_analysis",
    "start_frames",
    "start_generate",
    "start_key_elements",
    "start_prompts",
    "start_regenerate",
    "upload_references",
]


def _llm_ready(runtime: ComicRuntime) -> None:
    status = runtime.llm.status()
    if not status.ready:
        raise ServiceNotReady(details=status.state)


# --- overview and reset ------------------------------------------------------------------------------------------


async def overview(runtime: ComicRuntime, *, scene_id: str) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        has_analysis = await session.get(ComicBreakdown, scene_id) is not None
        has_prompts = (
            await session.scalar(select(ComicPrompt.frame_id).where(ComicPrompt.scene_id == scene_id).limit(1))
        ) is not None
        elements = await records.key_elements(session, scene_id)
        refs = await records.references(session, scene_id)
        images = await records.images(session, scene_id)
    return {
        "scene_id": scene_id,
        "has_analysis": has_analysis,
        "has_prompts": has_prompts,
        "has_key_elements": elements is not None,
        "reference_count": len(refs),
        "images": [image.file_name for image in images],
        "offline_images": sum(1 for image in images if image.offline),
    }


async def reset(runtime: ComicRuntime, *, scene_id: str, principal: Principal) -> dict[str, Any]:
    return await workspace.reset(runtime, scene_id=scene_id, principal=principal)


# --- step 1: storyboard -------------------------------------------------------------------------------------------


async def start_analysis(
    runtime: ComicRuntime, *, scene: Scene, principal: Principal, body: AnalysisRequest
) -> dict[str, Any]:
    _llm_ready(runtime)
    payload: dict[str, Any] = {"target_frames": body.target_frames, "node_id": body.node_id}
    if body.source_text and body.source_text.strip():
        async with runtime.db.writer() as session:  # a standalone comic's text becomes its scene's text
            await scenes_service.keep_source_text(session, scene_id=scene.id, content=body.source_text.strip())
        payload["source_text"] = body.source_text.strip()
    task_id = await workspace.start(
        runtime, scene_id=scene.id, owner_id=principal.user_id, kind=storyboard.JOB, payload=payload
    )
    return {"task_id": task_id}


async def get_analysis(runtime: ComicRuntime, *, scene_id: str) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        row = await session.get(ComicBreakdown, scene_id)
        if row is None:
            raise ComicAnalysisNotFound(details=scene_id)
        return records.breakdown_json(row, await records.frames(session, scene_id))


async def put_analysis(runtime: ComicRuntime, *, scene_id: str, body: BreakdownIn) -> dict[str, Any]:
    """A hand-edited storyboard, validated on write (unique ids, 1-24 frames) and stored as it is: no later step
    truncates or pads it (spec §8.9). A kept frame keeps its staging; frames removed lose prompt and image."""
    async with runtime.db.reader() as session:
        old = {f.frame_id: f for f in await records.frames(session, scene_id)}
    frames = [
        {
            "id": frame.id,
            "order": frame.order or index,
            "description": frame.description,
            "story_node_ids": frame.story_node_ids,
            "staging": dict(old[frame.id].staging or {}) if frame.id in old else {},
        }
        for index, frame in enumerate(body.frames, start=1)
    ]
    async with runtime.db.writer() as session:
        current = await session.get(ComicBreakdown, scene_id)
        provenance = dict(current.provenance or {}) if current is not None else {}
        orphaned = await records.replace_breakdown(
            session,
            scene_id,
            language=body.language or (current.language if current else ""),
            target_frames=len(frames),
            source="edited",
            node_id=current.node_id if current else None,
            provenance={**provenance, "edited": True},
            new_frames=frames,
        )
        await session.commit()
    files = ComicFiles(runtime.data_dir, scene_id)
    for name in orphaned:
        files.remove(IMAGES, name)
    return await get_analysis(runtime, scene_id=scene_id)


# --- step 2: prompts ----------------------------------------------------------------------------------------------


async def _frame_ids(runtime: ComicRuntime, scene_id: str) -> list[str]:
    async with runtime.db.reader() as session:
        if await session.get(ComicBreakdown, scene_id) is None:
            raise ComicAnalysisNotFound(details=scene_id)
        return [f.frame_id for f in await records.frames(session, scene_id)]


async def start_prompts(
    runtime: ComicRuntime, *, scene: Scene, principal: Principal, body: PromptsRequest
) -> dict[str, Any]:
    _llm_ready(runtime)
    if not await _frame_ids(runtime, scene.id):
        raise BadRequest("分镜没有任何帧", details=scene.id)
    payload = {
        "node_id": body.node_id,
        "style": body.style.strip(),
        "continuity_mode": body.continuity_mode or "strict",
    }
    task_id = await workspace.start(
        runtime, scene_id=scene.id, owner_id=principal.user_id, kind=image_prompts.JOB, payload=payload
    )
    return {"task_id": task_id}


async def get_prompts(runtime: ComicRuntime, *, scene_id: str) -> list[dict[str, Any]]:
    async with runtime.db.reader() as session:
        prompts = await records.prompts(session, scene_id)
    if not prompts:
        raise ComicPromptsNotFound(details=scene_id)
    return prompts


async def put_prompt(runtime: ComicRuntime, *, scene_id: str, frame_id: str, body: PromptIn) -> dict[str, Any]:
    try:
        frame_id = check_id(frame_id)
    except ValueError as exc:
        raise BadRequest(str(exc), details=frame_id[:80]) from None
    async with runtime.db.writer() as session:
        if await session.get(ComicFrame, (scene_id, frame_id)) is None:
            raise ComicAnalysisNotFound("分镜中没有这一帧", details=frame_id)
        current = await session.get(ComicPrompt, (scene_id, frame_id))
        kept = {k: v for k, v in (current.data if current else {}).items() if k in ("provider", "offline")}
        saved = await records.save_prompt(session, scene_id, frame_id, {**body.model_dump(), **kept, "edited": True})
        await session.commit()
    return saved


# --- step 3: key elements -----------------------------------------------------------------------------------------


async def start_key_elements(runtime: ComicRuntime, *, scene: Scene, principal: Principal) -> dict[str, Any]:
    _llm_ready(runtime)
    ids = await _frame_ids(runtime, scene.id)
    if not ids:
        raise BadRequest("分镜没有任何帧", details=scene.id)
    async with runtime.db.reader() as session:
        if await session.get(ComicPrompt, (scene.id, ids[0])) is None:
            raise ComicPromptsNotFound(details=ids[0])
    task_id = await workspace.start(
        runtime, scene_id=scene.id, owner_id=principal.user_id, kind=key_elements.JOB, payload={}
    )
    return {"task_id": task_id}


async def get_key_elements(runtime: ComicRuntime, *, scene_id: str) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        data = await records.key_elements(session, scene_id)
    if data is None:
        raise ComicKeyElementsNotFound(details=scene_id)
    return data


async def put_key_elements(runtime: ComicRuntime, *, scene_id: str, body: KeyElementsIn) -> dict[str, Any]:
    data = key_elements.normalised(scene_id, body.model_dump(), edited=True)
    async with runtime.db.writer() as session:
        saved = await records.save_key_elements(session, scene_id, data)
        await session.commit()
    return saved


# --- step 4: references -------------------------------------------------------------------------------------------


async def upload_references(runtime: ComicRuntime, *, scene_id: str, uploads: list[Upload]) -> dict[str, Any]:
    return await references.upload(runtime, scene_id=scene_id, uploads=uploads)


async def references_index(runtime: ComicRuntime, *, scene_id: str) -> dict[str, Any]:
    return await references.index(runtime, scene_id=scene_id)


async def reference_image(runtime: ComicRuntime, *, scene_id: str, element_id: str) -> tuple[bytes, str]:
    try:
        element_id = check_id(element_id, "element id")
    except ValueError as exc:
        raise BadRequest(str(exc), details=element_id[:80]) from None
    return await references.image(runtime, scene_id=scene_id, element_id=element_id)


async def delete_reference(runtime: ComicRuntime, *, scene_id: str, element_id: str) -> dict[str, Any]:
    return await references.remove(runtime, scene_id=scene_id, element_id=element_id)


# --- step 5: panels -----------------------------------------------------------------------------------------------


async def _check_prompts(runtime: ComicRuntime, scene_id: str, frame_ids: list[str] | None) -> None:
    ids = await _frame_ids(runtime, scene_id)
    if not ids:
        raise BadRequest("分镜没有任何帧", details=scene_id)
    wanted = frame_ids if frame_ids is not None else ids
    unknown = [f for f in wanted if f not in ids]
    if unknown:
        raise ComicPromptsNotFound("分镜中没有这一帧", details=unknown[0])
    async with runtime.db.reader() as session:
        have = {p["frame_id"] for p in await records.prompts(session, scene_id)}
    missing = [f for f in wanted if f not in have]
    if missing:
        raise ComicPromptsNotFound(details=missing[0])


async def start_generate(
    runtime: ComicRuntime, *, scene: Scene, principal: Principal, body: GenerateRequest
) -> dict[str, Any]:
    await _check_prompts(runtime, scene.id, None)
    task_id = await workspace.start(
        runtime, scene_id=scene.id, owner_id=principal.user_id, kind=panels.JOB, payload={"resume": body.resume}
    )
    return {"task_id": task_id}


async def start_frames(
    runtime: ComicRuntime, *, scene: Scene, principal: Principal, body: FramesRequest
) -> dict[str, Any]:
    """One job for the batch (frames in storyboard order, one comic job per scene); `tasks` maps each frame
    to it, in the reference's shape."""
    await _check_prompts(runtime, scene.id, body.frame_ids)
    task_id = await workspace.start(
        runtime, scene_id=scene.id, owner_id=principal.user_id, kind=panels.JOB, payload={"frame_ids": body.frame_ids}
    )
    return {"tasks": {frame_id: task_id for frame_id in body.frame_ids}}


async def start_regenerate(
    runtime: ComicRuntime, *, scene: Scene, principal: Principal, frame_id: str
) -> dict[str, Any]:
    try:
        frame_id = check_id(frame_id)
    except ValueError as exc:
        raise BadRequest(str(exc), details=frame_id[:80]) from None
    await _check_prompts(runtime, scene.id, [frame_id])
    task_id = await workspace.start(
        runtime, scene_id=scene.id, owner_id=principal.user_id, kind=panels.JOB, payload={"frame_ids": [frame_id]}
    )
    return {"task_id": task_id}


async def frame_image(runtime: ComicRuntime, *, scene_id: str, frame_id: str) -> tuple[Path, str]:
    try:
        frame_id = check_id(frame_id)
    except ValueError as exc:
        raise BadRequest(str(exc), details=frame_id[:80]) from None
    async with runtime.db.reader() as session:
        row = await session.get(ComicImage, (scene_id, frame_id))
    if row is None:
        raise ComicImageNotFound(details=frame_id)
    path = ComicFiles(runtime.data_dir, scene_id).path(IMAGES, row.file_name)
    if not path.is_file():
        raise ComicImageNotFound(details=frame_id)
    return path, row.content_type


# --- export -------------------------------------------------------------------------------------------------------


async def export_comic(runtime: ComicRuntime, *, scene: Scene, fmt: str) -> tuple[Path, str, str]:
    """(file, media type, download name)."""
    return await export.export_file(runtime, scene_id=scene.id, title=scene.title, language=scene.language, fmt=fmt)


@dataclass(frozen=True)
class FilmFrame:
    """A comic frame as a film needs it (for the video domain): its storyboard, prompt and panel file."""

    frame_id: str
    order: int
    description: str
    staging: dict[str, Any]
    prompt: dict[str, Any]
    image_path: Path
    image_sha256: str
    content_type: str
    offline: bool


async def film_frames(runtime: ComicRuntime, *, scene_id: str) -> list[FilmFrame] | None:
    """Every frame of the comic with its prompt and panel, in frame order; None when a frame lacks either
    (the comic is not finished) or there is no storyboard."""
    async with runtime.db.reader() as session:
        frames = await records.frames(session, scene_id)
        prompts = {p["frame_id"]: p for p in await records.prompts(session, scene_id)}
        images = {i.frame_id: i for i in await records.images(session, scene_id)}
    if not frames or any(f.frame_id not in prompts or f.frame_id not in images for f in frames):
        return None
    files = ComicFiles(runtime.data_dir, scene_id)
    paths = [files.path(IMAGES, images[frame.frame_id].file_name) for frame in frames]
    found = await asyncio.to_thread(lambda: [_sha256(path) for path in paths])  # one thread hop for all
    digests = [digest for digest in found if digest is not None]
    if len(digests) != len(frames):  # a panel file is missing: the comic is not finished
        return None
    out = []
    for frame, path, digest in zip(frames, paths, digests, strict=True):
        image = images[frame.frame_id]
        out.append(
            FilmFrame(
                frame.frame_id,
                frame.order,
                frame.description,
                dict(frame.staging or {}),
                prompts[frame.frame_id],
                path,
                digest,
                image.content_type,
                image.offline,
            )
        )
    return out


def _sha256(path: Path) -> str | None:
    """The panel's content hash, read once per version of the file: panels are replaced atomically (a new
    inode and mtime), so (path, inode, mtime, size) names the bytes. The video overview, which the page
    polls, asks this for every frame: without the cache it re-read every panel each time."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _digest(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _digest(path: str, inode: int, mtime_ns: int, size: int) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


# --- start-up -----------------------------------------------------------------------------------------------------


def install(state: AppState) -> ComicRuntime:
    """The comic domain, built once: its offline skills, its four job kinds, the fonts found on this machine."""
    offline.register(state.llm)
    settings_runtime = state.components.get(SettingsRuntime)
    ledger = settings_runtime.ledger
    runtime = ComicRuntime(
        db=state.db,
        llm=state.llm,
        jobs=state.components.get(JobRegistry),
        hub=state.components.get(Hub),
        locks=state.scene_locks,
        settings=state.settings,
        data_dir=state.settings.data_dir,
        fonts=find_fonts(state.settings.font_path or None),
        image_deps=ImageDeps(
            http=settings_runtime.deps.http,
            retry=settings_runtime.deps.retry,
            allow_private_urls=state.settings.allow_private_provider_urls,
        ),
        settings_runtime=settings_runtime,
        recorder=ledger.record if ledger is not None else None,
    )
    jobs = runtime.jobs
    jobs.register_kind(storyboard.JOB, storyboard.storyboard_job(runtime))
    jobs.register_kind(image_prompts.JOB, image_prompts.prompts_job(runtime))
    jobs.register_kind(key_elements.JOB, key_elements.key_elements_job(runtime))
    jobs.register_kind(panels.JOB, panels.images_job(runtime), timeout_seconds=3600)

    async def stop_jobs(event: SceneDeleted) -> None:
        await workspace.on_scene_deleted(runtime, scene_id=event.scene_id, owner_id=event.owner_id)

    state.events.subscribe(SceneDeleted, stop_jobs)
    return runtime

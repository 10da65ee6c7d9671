"""The video studio's public functions (framework-free) and its start-up wiring (`install`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.comic import service as comic_service
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import BadRequest, Conflict
from sceneintruder.core.principal import Principal, Role
from sceneintruder.jobs.errors import TaskNotFound
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.image.fonts import find_fonts
from sceneintruder.providers.media import ffmpeg, speech
from sceneintruder.providers.video._common import VideoDeps
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes.events import SceneDeleted
from sceneintruder.scenes.service import Scene
from sceneintruder.settings.service import SettingsRuntime
from sceneintruder.video import export, generating, recovery, timeline, vendors
from sceneintruder.video.errors import (
    VideoFileNotFound,
    VideoFrameNotFound,
    VideoOverviewNotFound,
    VideoTimelineNotFound,
)
from sceneintruder.video.files import VideoFiles
from sceneintruder.video.models import VideoClip, VideoState
from sceneintruder.video.runtime import VideoRuntime
from sceneintruder.video.schemas import FrameEdit, VideoConfig, normalise_options
from sceneintruder.web.state import AppState

__all__ = [
    "VideoRuntime",
    "build_timeline",
    "clip_asset",
    "edit_frame",
    "export_video",
    "get_timeline",
    "install",
    "overview",
    "render_file",
    "reset",
    "start_generate",
    "start_regenerate",
]

MODEL = "offline-film"
SOURCE_NOT_READY = "请先完成漫画第 5 步（每一帧都需要提示词和图片）"


def _now() -> str:
    return rfc3339(utcnow())


async def _frames(runtime: VideoRuntime, scene_id: str) -> list[comic_service.FilmFrame]:
    frames = await comic_service.film_frames(runtime.comic, scene_id=scene_id)
    if frames is None:
        raise BadRequest(SOURCE_NOT_READY, details="source assets not ready")
    return frames


async def _state(runtime: VideoRuntime, scene_id: str) -> VideoState | None:
    async with runtime.db.reader() as session:
        return await session.get(VideoState, scene_id)


async def build_timeline(runtime: VideoRuntime, *, scene: Scene, config: VideoConfig) -> dict[str, Any]:
    """A new timeline (a new version) from the finished comic; clips of earlier versions stay theirs."""
    frames = await _frames(runtime, scene.id)
    version = f"video_{time.time_ns()}"
    vendor = await vendors.active_vendor(runtime)
    provider = vendor.label  # the adapter that will run, never only a label (spec 8.17)
    model = (config.model or vendor.provider.default_model) if vendor.provider is not None else MODEL
    built = timeline.build(
        scene_id=scene.id, version=version, frames=frames, config=config, provider=provider, model=model, now=_now()
    )
    async with runtime.db.writer() as session:
        state = await _locked_state(session, scene.id)
        meta: dict[str, Any] = dict(state.meta or {}) if state is not None else {"created_at": _now()}
        meta.update(
            scene_id=scene.id,
            current_video_version=version,
            comic_snapshot_id=built["comic_snapshot"]["comic_snapshot_id"],
            source_version_hash=built["comic_snapshot"]["source_version_hash"],
            provider=provider,
            model=model,
            configured_provider=vendor.configured,
            provider_ready=vendor.ready,
            provider_state=vendor.state,
            timeline_status="built",
            clip_count=len(built["clips"]),
            completed_clip_count=0,
            last_error="",
            updated_at=_now(),
        )
        meta.setdefault("generation_status", "idle")
        meta.setdefault("render_status", "idle")
        if state is None:
            try:
                async with session.begin_nested():
                    session.add(VideoState(scene_id=scene.id, version=version, timeline=built, meta=meta))
            except IntegrityError:  # a concurrent build created it first: this one replaces it
                state = await _locked_state(session, scene.id)
        if state is not None:
            state.version, state.timeline, state.meta, state.updated_at = version, built, meta, utcnow()
        await session.commit()
    return built


async def _locked_state(session: AsyncSession, scene_id: str) -> VideoState | None:
    """The scene's video state, locked for the transaction (two writers of one scene go one after the other)."""
    return await session.get(VideoState, scene_id, with_for_update=True, populate_existing=True)


async def get_timeline(runtime: VideoRuntime, *, scene_id: str) -> dict[str, Any]:
    state = await _state(runtime, scene_id)
    if state is None:
        raise VideoTimelineNotFound(details=scene_id)
    return dict(state.timeline)


async def edit_frame(runtime: VideoRuntime, *, scene_id: str, frame_id: str, edit: FrameEdit) -> dict[str, Any]:
    """Change one clip of the current timeline; only that clip's result is dropped (spec §8.4)."""
    async with runtime.db.writer() as session:
        state = await _locked_state(session, scene_id)
        if state is None:
            raise VideoTimelineNotFound(details=scene_id)
        built = dict(state.timeline)
        clips = [dict(c) for c in built.get("clips") or []]
        clip = next((c for c in clips if c["frame_id"] == frame_id), None)
        if clip is None:
            raise VideoFrameNotFound(details=frame_id)
        if edit.prompt is not None:
            clip["prompt_base"] = edit.prompt
        if edit.negative_prompt is not None:
            clip["negative_prompt"] = edit.negative_prompt
        reference = edit.reference_image_url or edit.image_url or edit.img_url
        if reference is not None:
            clip["reference_image_url"] = reference
        if edit.narration is not None:
            clip["narration"] = edit.narration
        if edit.camera_motion is not None:
            if edit.camera_motion not in timeline.CAMERA_MOTIONS:
                raise BadRequest(f"camera_motion must be one of {', '.join(timeline.CAMERA_MOTIONS)}")
            clip["camera_motion"] = edit.camera_motion
        if edit.duration_sec is not None:
            clip["duration_sec"] = edit.duration_sec
        if edit.prompt_options is not None:
            clip["prompt_options"] = normalise_options(edit.prompt_options, clip.get("prompt_options"))
        clip["prompt"] = timeline.enhanced_prompt(clip["prompt_base"], clip["prompt_options"])
        clip["edited"] = True
        built["clips"] = clips
        built["updated_at"] = _now()
        state.timeline, state.updated_at = built, utcnow()
        await session.execute(
            delete(VideoClip).where(
                VideoClip.scene_id == scene_id, VideoClip.version == state.version, VideoClip.frame_id == frame_id
            )
        )
        await session.commit()
        version = state.version
    with contextlib.suppress(ValueError):
        VideoFiles(runtime.data_dir, scene_id).remove(
            VideoFiles(runtime.data_dir, scene_id).narration(version, frame_id)
        )
    return built


async def _running(runtime: VideoRuntime, scene_id: str) -> tuple[str, str] | None:
    state = await _state(runtime, scene_id)
    job_id = (state.meta or {}).get("last_task_id") if state is not None else None
    job_id = job_id or runtime.started.get(scene_id)
    if not job_id:
        return None
    job = await runtime.jobs.get(str(job_id))
    if job is None or job.status.is_final:
        return None
    return job.id, job.status.value


async def _start(runtime: VideoRuntime, scene_id: str, owner_id: str, frame_ids: list[str] | None) -> str:
    async with runtime.locks.hold(f"video:{scene_id}"):
        running = await _running(runtime, scene_id)
        if running is not None:
            raise Conflict("该场景已有视频任务在运行", details={"task_id": running[0]})
        job = await runtime.jobs.start(generating.JOB, owner_id, {"scene_id": scene_id, "frame_ids": frame_ids})
        runtime.started[scene_id] = job.id
        async with runtime.db.writer() as session:
            state = await session.get(VideoState, scene_id)
            if state is not None:
                state.meta = {**(state.meta or {}), "last_task_id": job.id, "updated_at": _now()}
                await session.commit()
    return job.id


async def start_generate(
    runtime: VideoRuntime, *, scene: Scene, principal: Principal, config: VideoConfig
) -> dict[str, Any]:
    """Generate the film. The current timeline is kept, with its edits and its completed clips (a re-run
    resumes), when the comic has not changed since it was built; else a new one is built (spec §8.3)."""
    frames = await _frames(runtime, scene.id)
    state = await _state(runtime, scene.id)
    current = timeline.source_hash(frames)
    stale = state is None or (state.meta or {}).get("source_version_hash") != current
    if stale or _config_changed(state, config):
        await build_timeline(runtime, scene=scene, config=config)
    return {"task_id": await _start(runtime, scene.id, principal.user_id, None)}


def _config_changed(state: VideoState | None, config: VideoConfig) -> bool:
    if state is None:
        return True
    asked = config.model_dump(exclude_unset=True)
    keys = {"target_duration_sec", "duration", "fps", "resolution", "audio", "audio_enabled", "prompt_options"}
    return bool(keys & asked.keys())


async def start_regenerate(
    runtime: VideoRuntime, *, scene: Scene, principal: Principal, frame_id: str
) -> dict[str, Any]:
    state = await _state(runtime, scene.id)
    if state is None:
        raise VideoTimelineNotFound(details=scene.id)
    if not any(c["frame_id"] == frame_id for c in state.timeline.get("clips") or []):
        raise VideoFrameNotFound(details=frame_id)
    return {"task_id": await _start(runtime, scene.id, principal.user_id, [frame_id])}


async def overview(runtime: VideoRuntime, *, scene_id: str) -> dict[str, Any]:
    state = await _state(runtime, scene_id)
    if state is None:
        empty = recovery.recovery([], {}, {}, None)
        return {"scene_id": scene_id, "clips": [], "recovery": empty}
    async with runtime.db.reader() as session:
        rows = {
            row.frame_id: row
            for row in (
                await session.scalars(
                    select(VideoClip).where(VideoClip.scene_id == scene_id, VideoClip.version == state.version)
                )
            ).all()
        }
    meta = dict(state.meta or {})
    clips = []
    for clip in state.timeline.get("clips") or []:
        row = rows.get(clip["frame_id"])
        clips.append(
            {
                "frame_id": clip["frame_id"],
                "order": clip["order"],
                "prompt": clip["prompt"],
                "duration_sec": clip["duration_sec"],
                "camera_motion": clip["camera_motion"],
                "image_path": clip["image_path"],
                "reference_image_url": clip.get("reference_image_url", ""),
                "image_url": f"/api/scenes/{scene_id}/comic/images/{clip['frame_id']}",
                "status": row.status if row else "pending",
                "provider": row.provider if row else "",
                "provider_status": row.provider_status if row else "",
                "attempt_count": row.attempt_count if row else 0,
                "narration": clip.get("narration", ""),
                "narration_seconds": row.narration_seconds if row else 0.0,
                "error_message": row.error_message if row else "",
                "generated_at": rfc3339(row.generated_at) if row else None,
            }
        )
    frames = await comic_service.film_frames(runtime.comic, scene_id=scene_id)
    stale = frames is None or timeline.source_hash(frames) != meta.get("source_version_hash")
    running = await _running(runtime, scene_id)
    artifact = meta.get("render_artifact_path")
    choice = await vendors.active_vendor(runtime)
    return {
        "scene_id": scene_id,
        "timeline": dict(state.timeline),
        "meta": meta,
        "clips": clips,
        "recovery": recovery.recovery(
            state.timeline.get("clips") or [], {k: v.status for k, v in rows.items()}, meta, running
        ),
        "comic_snapshot_id": meta.get("comic_snapshot_id", "comic_current"),
        "video_version": state.version,
        "render_artifact_url": f"/api/scenes/{scene_id}/comic/video/render" if artifact else "",
        "is_stale_against_latest_comic": stale,
        "offline": state.timeline.get("provider") == vendors.OFFLINE,
        "provider": state.timeline.get("provider"),
        "configured_provider": choice.configured,
        "provider_ready": choice.ready and runtime.ffmpeg is not None,
        "provider_state": choice.state if runtime.ffmpeg is not None else "ffmpeg is not available",
        "narration_available": runtime.espeak is not None,
    }


async def reset(runtime: VideoRuntime, *, scene_id: str, principal: Principal) -> dict[str, Any]:
    async with runtime.locks.hold(f"video:{scene_id}"):
        running = await _running(runtime, scene_id)
        if running is not None:
            with contextlib.suppress(TaskNotFound):
                await runtime.jobs.cancel(running[0], principal)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30):
                    await runtime.jobs.wait(running[0], poll_seconds=0.2)
        async with runtime.db.writer() as session:
            await session.execute(delete(VideoClip).where(VideoClip.scene_id == scene_id))
            await session.execute(delete(VideoState).where(VideoState.scene_id == scene_id))
            await session.commit()
        VideoFiles(runtime.data_dir, scene_id).remove_all()
    return {"scene_id": scene_id}


async def clip_asset(runtime: VideoRuntime, *, scene_id: str, frame_id: str) -> tuple[Path, str]:
    state = await _state(runtime, scene_id)
    if state is None:
        raise VideoFrameNotFound(details=frame_id)
    async with runtime.db.reader() as session:
        row = await session.get(VideoClip, (scene_id, state.version, frame_id))
    if row is None:
        raise VideoFrameNotFound(details=frame_id)
    files = VideoFiles(runtime.data_dir, scene_id)
    if row.narration_file:  # an offline shot's asset is its narration; a vendor clip's, its video
        path = files.narration(state.version, frame_id)
        if path.is_file():
            return path, "audio/wav"
    raise VideoFileNotFound("该分镜没有可下载的文件", details=frame_id)


async def render_file(runtime: VideoRuntime, *, scene_id: str) -> Path:
    state = await _state(runtime, scene_id)
    if state is None:
        raise VideoOverviewNotFound(details=scene_id)
    name = (state.meta or {}).get("render_artifact_path")
    path = VideoFiles(runtime.data_dir, scene_id).render(str(name)) if name else None
    if path is None or not path.is_file():
        raise VideoFileNotFound("还没有合成的视频", details=scene_id)
    return path


async def export_video(runtime: VideoRuntime, *, scene: Scene, fmt: str) -> tuple[Path, str, str]:
    state = await _state(runtime, scene.id)
    return await export.export_file(runtime, scene_id=scene.id, title=scene.title, state=state, fmt=fmt)


def install(state: AppState) -> VideoRuntime:
    settings_runtime = state.components.get(SettingsRuntime)
    runtime = VideoRuntime(
        db=state.db,
        jobs=state.components.get(JobRegistry),
        hub=state.components.get(Hub),
        locks=state.scene_locks,
        comic=state.components.get(comic_service.ComicRuntime),
        data_dir=state.settings.data_dir,
        fonts=find_fonts(state.settings.font_path or None),
        ffmpeg=ffmpeg.find_ffmpeg(),
        espeak=speech.find_espeak(),
        settings_runtime=settings_runtime,
        video_deps=VideoDeps(
            http=settings_runtime.deps.http,
            retry=settings_runtime.deps.retry,
            allow_private_urls=state.settings.allow_private_provider_urls,
        ),
    )
    runtime.jobs.register_kind(generating.JOB, generating.generation_job(runtime), timeout_seconds=3600)

    async def stop_jobs(event: SceneDeleted) -> None:
        job_id = runtime.started.pop(event.scene_id, None)
        if job_id is not None:
            owner = Principal(user_id=event.owner_id, role=Role.USER, authenticated=True)
            with contextlib.suppress(TaskNotFound):
                await runtime.jobs.cancel(job_id, owner)

    state.events.subscribe(SceneDeleted, stop_jobs)
    return runtime

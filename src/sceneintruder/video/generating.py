"""The video job: each clip of the timeline's version becomes a shot (its narration spoken offline), then one
ffmpeg filter graph composes the film (spec §4.5, with a real film instead of the reference's mock).

Stages (`event_type`/`phase`, `stage_index` of 4): video_validate, video_timeline_build, video_clip_generate (one
event per clip, with `frame_id` and `provider_status`), video_render_compose (with `render_percent` parsed
from ffmpeg's progress). Clips already completed for this version are kept (a re-run after a restart resumes);
a regenerate redoes its clip. A clip that fails degrades the film when `fallback_compose` is on (the shot keeps
its still and subtitle, silent), else fails the job. Cancelling the job kills ffmpeg and removes its temp file.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from PIL import ImageFont
from sqlalchemy import select

from sceneintruder.comic import service as comic_service
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.errors import ProviderError
from sceneintruder.providers.image._common import describe
from sceneintruder.providers.media import ffmpeg, film, speech
from sceneintruder.providers.video.base import VideoRequest, VideoTask
from sceneintruder.providers.video.polling import ClipFailed, run_clip
from sceneintruder.video.errors import VideoStepFailed
from sceneintruder.video.files import VideoFiles
from sceneintruder.video.models import VideoClip, VideoState
from sceneintruder.video.runtime import VideoRuntime
from sceneintruder.video.schemas import RESOLUTIONS
from sceneintruder.video.vendors import VendorChoice, active_vendor

JOB = "video_generate"
STAGES = 4
OFFLINE = "offline"  # the label of a film made without a video vendor
OFFLINE_COMMENT = "offline render: a Ken Burns film of the comic's panels, narrated by espeak-ng (sceneintruder)"


async def _stage(ctx: JobContext, percent: float, phase: str, index: int, message: str, **extra: Any) -> None:
    await ctx.progress(percent, message, event_type=phase, phase=phase, stage_index=index, stage_total=STAGES, **extra)


async def _meta(runtime: VideoRuntime, scene_id: str, **changes: Any) -> None:
    async with runtime.db.writer() as session:
        state = await session.get(VideoState, scene_id)
        if state is not None:
            state.meta = {**(state.meta or {}), **changes, "updated_at": rfc3339(utcnow())}
            state.updated_at = utcnow()
            await session.commit()


def _language(text: str) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def generation_job(runtime: VideoRuntime) -> JobHandler:
    async def run(ctx: JobContext) -> dict[str, Any]:
        scene_id = str(ctx.payload["scene_id"])
        redo = set(ctx.payload.get("frame_ids") or [])
        await _stage(ctx, 5, "video_validate", 1, "validating video snapshot")
        async with runtime.db.reader() as session:
            state = await session.get(VideoState, scene_id)
            if state is None:
                raise VideoStepFailed("视频时间线不存在", details=scene_id)
            timeline, version = dict(state.timeline), state.version
            rows = (
                await session.scalars(
                    select(VideoClip).where(VideoClip.scene_id == scene_id, VideoClip.version == version)
                )
            ).all()
        done = {row.frame_id: row for row in rows if row.status == "completed" and row.frame_id not in redo}
        if runtime.ffmpeg is None:
            raise VideoStepFailed("ffmpeg 不可用，无法合成视频", details="install imageio-ffmpeg or ffmpeg")
        frames = await comic_service.film_frames(runtime.comic, scene_id=scene_id)
        if frames is None:
            raise VideoStepFailed("漫画尚未完成（缺少提示词或图片）", details=scene_id)
        images = {frame.frame_id: frame.image_path for frame in frames}
        missing = [c["frame_id"] for c in timeline.get("clips") or [] if c["frame_id"] not in images]
        if missing:
            raise VideoStepFailed("漫画已变更，请重新生成时间线", details={"frames_gone": missing})
        await _meta(
            runtime,
            scene_id,
            generation_status="running",
            render_status="running",
            last_task_id=ctx.job_id,
            last_error="",
        )
        await _stage(ctx, 15, "video_timeline_build", 2, "timeline ready", video_version=version)
        files = VideoFiles(runtime.data_dir, scene_id)
        clips = list(timeline.get("clips") or [])
        vendor: VendorChoice | None = None
        if timeline.get("provider") != OFFLINE:
            vendor = await active_vendor(runtime)
            if vendor.provider is None or vendor.label != timeline.get("provider"):
                message = f"视频服务未就绪（{timeline.get('provider')}）: {vendor.state}"
                await _meta(runtime, scene_id, generation_status="failed", render_status="idle", last_error=message)
                raise VideoStepFailed(message, details={"provider_ready": False})
        limit = asyncio.Semaphore(vendor.concurrency if vendor is not None else 1)
        degraded: list[str] = []
        finished = 0

        async def make(clip: dict[str, Any]) -> None:
            nonlocal finished
            frame_id = clip["frame_id"]
            if frame_id in done:
                finished += 1
                await _stage(
                    ctx,
                    20 + finished / len(clips) * 60,
                    "video_clip_generate",
                    3,
                    f"clip {frame_id} kept",
                    frame_id=frame_id,
                    provider_status="kept",
                )
                return
            started = time.perf_counter()
            row = await _clip(runtime, ctx, files, timeline, version, clip, images[frame_id], vendor, limit)
            row.elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
            async with runtime.db.writer() as session:
                await session.merge(row)
                await session.commit()
            done[frame_id] = row
            finished += 1
            if row.status != "completed":
                if not timeline.get("fallback_compose", True):
                    await _meta(
                        runtime,
                        scene_id,
                        generation_status="failed",
                        render_status="idle",
                        last_error=row.error_message,
                    )
                    raise VideoStepFailed(f"clip {frame_id} failed: {row.error_message}")
                degraded.append(frame_id)
                await _stage(
                    ctx,
                    20 + finished / len(clips) * 60,
                    "video_clip_generate",
                    3,
                    f"Clip {frame_id} failed, fallback compose will continue",
                    frame_id=frame_id,
                    provider_status=row.provider_status,
                )
            else:
                await _stage(
                    ctx,
                    20 + finished / len(clips) * 60,
                    "video_clip_generate",
                    3,
                    f"clip {frame_id} completed",
                    frame_id=frame_id,
                    provider_status=row.provider_status,
                )

        try:
            async with asyncio.TaskGroup() as group:
                for clip in clips:
                    group.create_task(make(clip))
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None
        await _meta(runtime, scene_id, completed_clip_count=sum(1 for r in done.values() if r.status == "completed"))
        shots = []
        for clip in clips:
            row = done.get(clip["frame_id"])
            voice = files.narration(version, clip["frame_id"]) if row is not None and row.narration_file else None
            video = files.clip(version, clip["frame_id"]) if row is not None and row.file_name else None
            shots.append(
                film.Shot(
                    image=images[clip["frame_id"]],
                    seconds=float(clip.get("duration_sec") or 4.0),
                    camera=str(clip.get("camera_motion") or "static"),
                    subtitle=str(clip.get("subtitle") or ""),
                    narration=voice,
                    narration_seconds=row.narration_seconds if voice is not None and row is not None else 0.0,
                    clip=video if video is not None and video.is_file() else None,
                )
            )
        width, height = RESOLUTIONS.get(str(timeline.get("resolution") or "720P"), RESOLUTIONS["720P"])
        font = runtime.fonts.cjk or runtime.fonts.latin
        spec = film.FilmSpec(
            width=width,
            height=height,
            fps=int(timeline.get("fps") or 24),
            font_file=font,
            font_name=(ImageFont.truetype(str(font)).getname()[0] or "") if font else "",
            comment=OFFLINE_COMMENT
            if vendor is None
            else f"clips by {vendor.label}; narration by espeak-ng (sceneintruder)",
        )
        total = film.total_seconds(shots)
        stamp = f"{version}_{int(time.time() * 1000)}"
        output = files.render(f"film_{stamp}.mp4")
        partial = files.render(f"film_{stamp}.part.mp4")
        subtitles = files.render(f"film_{stamp}.srt")
        output.parent.mkdir(parents=True, exist_ok=True)
        subtitles.write_text(film.subtitles_srt(shots), encoding="utf-8")

        async def rendered(fraction: float) -> None:
            await _stage(
                ctx,
                80 + fraction * 19,
                "video_render_compose",
                4,
                "composing the film",
                render_percent=round(fraction * 100, 1),
            )

        await _stage(ctx, 80, "video_render_compose", 4, "composing the film", render_percent=0)
        try:
            await ffmpeg.run(
                runtime.ffmpeg,
                film.ffmpeg_args(shots, spec, subtitles=subtitles, output=partial),
                duration=total,
                on_progress=rendered,
            )
            partial.replace(output)
        except ffmpeg.FFmpegError as exc:
            await _meta(
                runtime, scene_id, generation_status="failed", render_status="failed", last_error=str(exc)[:300]
            )
            raise VideoStepFailed("视频合成失败", details=str(exc)[:300]) from exc
        finally:
            files.remove(partial)
            files.remove(subtitles)
        previous = await _previous_render(runtime, scene_id)
        await _meta(
            runtime,
            scene_id,
            generation_status="completed_degraded" if degraded else "completed",
            render_status="completed",
            completed_clip_count=len(clips) - len(degraded),
            render_artifact_path=output.name,
            render_artifact_type="mp4_offline_film" if vendor is None else "mp4_stitched_video",
            render_seconds=total,
            degraded=bool(degraded),
            offline=vendor is None,
            last_provider_status="offline_completed" if vendor is None else "completed",
        )
        if previous and previous != output.name:
            files.remove(files.render(previous))
        files.prune(version)
        return {
            "video_version": version,
            "render": output.name,
            "duration_sec": total,
            "degraded": degraded,
            "offline": True,
        }

    return run


async def _previous_render(runtime: VideoRuntime, scene_id: str) -> str | None:
    async with runtime.db.reader() as session:
        state = await session.get(VideoState, scene_id)
        return str((state.meta or {}).get("render_artifact_path") or "") or None if state is not None else None


async def _clip(
    runtime: VideoRuntime,
    ctx: JobContext,
    files: VideoFiles,
    timeline: dict[str, Any],
    version: str,
    clip: dict[str, Any],
    image: Path,
    vendor: VendorChoice | None,
    limit: asyncio.Semaphore,
) -> VideoClip:
    """One clip: its narration (offline TTS) and, with a vendor, its video (submit, poll, download; the panel
    uploaded inside the job, spec 8.36). Never raises for a vendor failure: the row says it failed."""
    frame_id = clip["frame_id"]
    row = VideoClip(
        scene_id=str(ctx.payload["scene_id"]),
        version=version,
        frame_id=frame_id,
        status="completed",
        provider=vendor.label if vendor is not None else OFFLINE,
        provider_status="offline_shot",
        attempt_count=1,
        narration_file=None,
        narration_seconds=0.0,
        file_name=None,
        error_message="",
        elapsed_ms=0.0,
        generated_at=utcnow(),
    )
    async with runtime.db.reader() as session:
        previous = await session.get(VideoClip, (row.scene_id, version, frame_id))
    row.attempt_count = (previous.attempt_count if previous is not None else 0) + 1
    if timeline.get("audio_enabled", True) and runtime.espeak and clip.get("narration"):
        target = files.narration(version, frame_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            row.narration_seconds = await speech.speak(
                runtime.espeak, clip["narration"], _language(clip["narration"]), target
            )
            row.narration_file = target.name
        except (RuntimeError, OSError, TimeoutError) as exc:
            row.status, row.provider_status, row.error_message = "failed", "narration_failed", str(exc)[:300]
            return row
    if vendor is None or vendor.provider is None:
        return row
    data = await asyncio.to_thread(image.read_bytes)
    request = VideoRequest(
        prompt=str(clip.get("prompt") or ""),
        negative_prompt=str(clip.get("negative_prompt") or ""),
        image=data,
        image_mime="image/jpeg" if image.suffix == ".jpg" else "image/webp" if image.suffix == ".webp" else "image/png",
        image_url=str(clip.get("reference_image_url") or ""),
        duration=float(clip.get("duration_sec") or 5),
        resolution=str(timeline.get("resolution") or "720P"),
        audio=False,
        model=str(clip.get("model") or ""),
        camera_motion=str(clip.get("camera_motion") or ""),
        extra={"prompt_extend": timeline.get("prompt_extend", False), "shot_type": timeline.get("shot_type", "multi")},
    )

    async def status(task: VideoTask) -> None:
        await ctx.progress(
            20,
            f"clip {frame_id}: {task.provider_status or task.state}",
            event_type="video_clip_generate",
            phase="video_clip_generate",
            stage_index=3,
            stage_total=STAGES,
            frame_id=frame_id,
            provider_task_id=task.task_id,
            provider_status=task.provider_status or task.state,
        )

    try:
        async with limit:  # the vendor's slots; the narration above is local work and does not take one
            task = await run_clip(vendor.provider, request, vendor.policy, status)
            target = files.clip(version, frame_id)
            await vendor.provider.download(task, target)
    except ClipFailed as failure:
        row.status, row.provider_status, row.error_message = "failed", failure.stage, str(failure)[:300]
        return row
    except ProviderError as error:
        row.status, row.provider_status, row.error_message = "failed", "download_failed", describe(error)[:300]
        return row
    row.provider_status, row.file_name = task.provider_status or "succeeded", target.name
    return row

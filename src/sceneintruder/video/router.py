"""`/api/scenes/:id/comic/video...`: the reference's 10 video routes (spec §4.4), with its keys and codes.

Someone else's scene is 404 SCENE_NOT_FOUND. The film, a shot's narration and exports are files served with
HTTP Range (MP4 seeking works in a browser, spec §8.21)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from sceneintruder.video import service
from sceneintruder.video.dependencies import VideoRuntimeDep, VideoScene
from sceneintruder.video.schemas import FrameEdit, OverviewOut, TaskAccepted, TimelineOut, VideoConfig, VideoReset
from sceneintruder.web.dependencies import ItemId, PrincipalDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, accepted, ok

router = APIRouter(prefix="/scenes", tags=["video"])
_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the file (HTTP Range supported)", "content": {t: _BINARY for t in ("video/mp4", "audio/wav")}}
}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the video export as a file (HTTP Range supported)",
        "content": {t: _BINARY for t in ("application/zip", "text/html", "video/mp4")},
    }
}
BASE = "/{scene_id}/comic/video"


@router.post(f"{BASE}/timeline", response_model=Envelope[TimelineOut])
async def build_timeline(
    scene: VideoScene, runtime: VideoRuntimeDep, body: VideoConfig | None = None
) -> EnvelopeResponse:
    return ok(await service.build_timeline(runtime, scene=scene, config=body or VideoConfig()), "视频时间线已生成")


@router.get(f"{BASE}/timeline", response_model=Envelope[TimelineOut])
async def get_timeline(scene: VideoScene, runtime: VideoRuntimeDep) -> EnvelopeResponse:
    return ok(await service.get_timeline(runtime, scene_id=scene.id), "获取视频时间线成功")


@router.put(f"{BASE}/frames/{{frame_id}}", response_model=Envelope[TimelineOut])
async def edit_frame(
    scene: VideoScene, frame_id: ItemId, body: FrameEdit, runtime: VideoRuntimeDep
) -> EnvelopeResponse:
    return ok(await service.edit_frame(runtime, scene_id=scene.id, frame_id=frame_id, edit=body), "视频分镜已更新")


@router.post(f"{BASE}/generate", status_code=202, response_model=Envelope[TaskAccepted])
async def generate(
    scene: VideoScene, principal: PrincipalDep, runtime: VideoRuntimeDep, body: VideoConfig | None = None
) -> EnvelopeResponse:
    result = await service.start_generate(runtime, scene=scene, principal=principal, config=body or VideoConfig())
    return accepted(result, "视频生成已开始")


@router.post(f"{BASE}/frames/{{frame_id}}/regenerate", status_code=202, response_model=Envelope[TaskAccepted])
async def regenerate(
    scene: VideoScene,
    frame_id: ItemId,
    principal: PrincipalDep,
    runtime: VideoRuntimeDep,
    body: VideoConfig | None = None,
) -> EnvelopeResponse:
    del body  # validated like the other video configs (§4.1); a clip is redone as its timeline says
    result = await service.start_regenerate(runtime, scene=scene, principal=principal, frame_id=frame_id)
    return accepted(result, "视频分镜重生成已开始")


@router.get(BASE, response_model=Envelope[OverviewOut])
async def video_overview(scene: VideoScene, runtime: VideoRuntimeDep) -> EnvelopeResponse:
    return ok(await service.overview(runtime, scene_id=scene.id), "获取视频概览成功")


@router.delete(BASE, response_model=Envelope[VideoReset])
async def video_reset(scene: VideoScene, principal: PrincipalDep, runtime: VideoRuntimeDep) -> EnvelopeResponse:
    return ok(await service.reset(runtime, scene_id=scene.id, principal=principal), "视频数据已清除")


@router.get(f"{BASE}/clips/{{frame_id}}/asset", response_class=Response, response_model=None, responses=FILE_RESPONSES)
async def clip_asset(scene: VideoScene, frame_id: ItemId, runtime: VideoRuntimeDep) -> Response:
    path, media_type = await service.clip_asset(runtime, scene_id=scene.id, frame_id=frame_id)
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-store"})


@router.get(f"{BASE}/render", response_class=Response, response_model=None, responses=FILE_RESPONSES)
async def render(scene: VideoScene, runtime: VideoRuntimeDep) -> Response:
    path = await service.render_file(runtime, scene_id=scene.id)
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "no-store"})


@router.get(f"{BASE}/export", response_class=Response, response_model=None, responses=EXPORT_RESPONSES)
async def export_video(
    scene: VideoScene, runtime: VideoRuntimeDep, format: str = Query(default="zip", max_length=16)
) -> Response:
    path, media_type, name = await service.export_video(runtime, scene=scene, fmt=format)
    return FileResponse(path, media_type=media_type, filename=name, headers={"Cache-Control": "no-store"})

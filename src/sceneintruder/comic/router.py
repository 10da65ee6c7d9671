"""`/api/scenes/:id/comic...`: the reference's 20 comic routes (spec §3), with its JSON keys, statuses and codes.

Every route loads the scene for the caller first (someone else's scene is 404 SCENE_NOT_FOUND). Job starts
answer 202 `{task_id}` (`{tasks: {frame_id: task_id}}` for a batch); a second comic job while one runs is 409
CONFLICT. Images and exports are served as files (HTTP Range), with their real type.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import UploadFile

from sceneintruder.comic import service
from sceneintruder.comic.dependencies import ComicRuntimeDep, ComicScene
from sceneintruder.comic.errors import FileUploadFailed
from sceneintruder.comic.schemas import (
    AnalysisRequest,
    BreakdownIn,
    BreakdownOut,
    ComicOverview,
    ComicReset,
    FramesAccepted,
    FramesRequest,
    GenerateRequest,
    KeyElementsIn,
    KeyElementsOut,
    PromptIn,
    PromptOut,
    PromptsRequest,
    ReferenceIndexOut,
    ReferencesUploaded,
    TaskAccepted,
)
from sceneintruder.core.errors import BadRequest, PayloadTooLarge
from sceneintruder.web.dependencies import ItemId, PrincipalDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, accepted, ok

router = APIRouter(prefix="/scenes", tags=["comic"])
NO_STORE = {"Cache-Control": "no-store"}  # nosniff and the other security headers come from the middleware
MAX_REFERENCE_PARTS = 30
_BINARY = {"schema": {"type": "string", "format": "binary"}}
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the image, with its real type",
        "content": {t: _BINARY for t in ("image/png", "image/jpeg", "image/webp")},
    }
}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the comic as a file (HTTP Range supported)",
        "content": {
            t.split(";")[0]: _BINARY
            for t in ("application/zip", "text/html", "application/pdf", "application/vnd.comicbook+zip")
        },
    }
}


@router.get("/{scene_id}/comic", response_model=Envelope[ComicOverview])
async def comic_overview(scene: ComicScene, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.overview(runtime, scene_id=scene.id), "获取漫画概览成功")


@router.delete("/{scene_id}/comic", response_model=Envelope[ComicReset])
async def comic_reset(scene: ComicScene, principal: PrincipalDep, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.reset(runtime, scene_id=scene.id, principal=principal), "漫画数据已清除")


@router.post("/{scene_id}/comic/analysis", status_code=202, response_model=Envelope[TaskAccepted])
async def start_analysis(
    scene: ComicScene, principal: PrincipalDep, runtime: ComicRuntimeDep, body: AnalysisRequest | None = None
) -> EnvelopeResponse:
    body = body or AnalysisRequest()
    return accepted(
        await service.start_analysis(runtime, scene=scene, principal=principal, body=body), "分镜分析已开始"
    )


@router.get("/{scene_id}/comic/analysis", response_model=Envelope[BreakdownOut])
async def get_analysis(scene: ComicScene, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.get_analysis(runtime, scene_id=scene.id), "获取分镜分析成功")


@router.put("/{scene_id}/comic/analysis", response_model=Envelope[BreakdownOut])
async def put_analysis(scene: ComicScene, body: BreakdownIn, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.put_analysis(runtime, scene_id=scene.id, body=body), "分镜分析已保存")


@router.post("/{scene_id}/comic/prompts", status_code=202, response_model=Envelope[TaskAccepted])
async def start_prompts(
    scene: ComicScene, principal: PrincipalDep, runtime: ComicRuntimeDep, body: PromptsRequest | None = None
) -> EnvelopeResponse:
    body = body or PromptsRequest()
    return accepted(
        await service.start_prompts(runtime, scene=scene, principal=principal, body=body), "提示词生成已开始"
    )


@router.get("/{scene_id}/comic/prompts", response_model=Envelope[list[PromptOut]])
async def get_prompts(scene: ComicScene, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.get_prompts(runtime, scene_id=scene.id), "获取提示词成功")


@router.put("/{scene_id}/comic/prompts/{frame_id}", response_model=Envelope[PromptOut])
async def put_prompt(scene: ComicScene, frame_id: ItemId, body: PromptIn, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.put_prompt(runtime, scene_id=scene.id, frame_id=frame_id, body=body), "提示词已保存")


@router.post("/{scene_id}/comic/key_elements", status_code=202, response_model=Envelope[TaskAccepted])
async def start_key_elements(scene: ComicScene, principal: PrincipalDep, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    """The body, if any, is not read (as the reference)."""
    return accepted(await service.start_key_elements(runtime, scene=scene, principal=principal), "关键元素提取已开始")


@router.get("/{scene_id}/comic/key_elements", response_model=Envelope[KeyElementsOut])
async def get_key_elements(scene: ComicScene, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.get_key_elements(runtime, scene_id=scene.id), "获取关键元素成功")


@router.put("/{scene_id}/comic/key_elements", response_model=Envelope[KeyElementsOut])
async def put_key_elements(scene: ComicScene, body: KeyElementsIn, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.put_key_elements(runtime, scene_id=scene.id, body=body), "关键元素已保存")


async def _uploads(request: Request, limit: int) -> list[service.Upload]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest(details="send multipart/form-data")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + 64 * 1024:
        raise PayloadTooLarge("参考图总大小超出限制", details=f"the limit is {limit} bytes per scene")
    try:
        form = await request.form(max_files=MAX_REFERENCE_PARTS, max_fields=MAX_REFERENCE_PARTS)
    except Exception as exc:  # python-multipart's parse errors and Starlette's limits: the body is unusable
        raise BadRequest(details=f"unreadable multipart body: {type(exc).__name__}") from None
    uploads: list[service.Upload] = []
    try:
        element_id = form.get("element_id")
        single = form.get("file")
        if element_id is not None:
            if not isinstance(single, UploadFile):
                raise FileUploadFailed("缺少 file", details="element_id needs a file part")
            uploads.append(service.Upload(str(element_id), await single.read(limit + 1)))
        seen: set[str] = set()
        for key, value in form.multi_items():
            if key.startswith("file_") and isinstance(value, UploadFile) and key not in seen:
                seen.add(key)
                uploads.append(service.Upload(key.removeprefix("file_"), await value.read(limit + 1)))
    finally:
        await form.close()
    return uploads


@router.post(
    "/{scene_id}/comic/references",
    response_model=Envelope[ReferencesUploaded],
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "element_id": {"type": "string"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            }
        }
    },
)
async def upload_references(scene: ComicScene, request: Request, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    uploads = await _uploads(request, runtime.settings.comic_references_total_bytes)
    return ok(await service.upload_references(runtime, scene_id=scene.id, uploads=uploads), "参考图上传成功")


@router.get("/{scene_id}/comic/references", response_model=Envelope[ReferenceIndexOut])
async def get_references(scene: ComicScene, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.references_index(runtime, scene_id=scene.id), "获取参考图成功")


@router.get(
    "/{scene_id}/comic/references/{element_id}/image",
    response_class=Response,
    response_model=None,
    responses=IMAGE_RESPONSES,
)
async def reference_image(scene: ComicScene, element_id: ItemId, runtime: ComicRuntimeDep) -> Response:
    data, mime = await service.reference_image(runtime, scene_id=scene.id, element_id=element_id)
    return Response(data, media_type=mime, headers=NO_STORE)


@router.delete("/{scene_id}/comic/references/{element_id}", response_model=Envelope[ReferenceIndexOut])
async def delete_reference(scene: ComicScene, element_id: ItemId, runtime: ComicRuntimeDep) -> EnvelopeResponse:
    return ok(await service.delete_reference(runtime, scene_id=scene.id, element_id=element_id), "参考图已删除")


@router.post("/{scene_id}/comic/generate", status_code=202, response_model=Envelope[TaskAccepted])
async def generate(
    scene: ComicScene, principal: PrincipalDep, runtime: ComicRuntimeDep, body: GenerateRequest | None = None
) -> EnvelopeResponse:
    body = body or GenerateRequest()
    return accepted(
        await service.start_generate(runtime, scene=scene, principal=principal, body=body), "图片生成已开始"
    )


@router.post("/{scene_id}/comic/frames/generate", status_code=202, response_model=Envelope[FramesAccepted])
async def generate_frames(
    scene: ComicScene, body: FramesRequest, principal: PrincipalDep, runtime: ComicRuntimeDep
) -> EnvelopeResponse:
    return accepted(await service.start_frames(runtime, scene=scene, principal=principal, body=body), "图片生成已开始")


@router.post("/{scene_id}/comic/frames/{frame_id}/regenerate", status_code=202, response_model=Envelope[TaskAccepted])
async def regenerate_frame(
    scene: ComicScene, frame_id: ItemId, principal: PrincipalDep, runtime: ComicRuntimeDep
) -> EnvelopeResponse:
    result = await service.start_regenerate(runtime, scene=scene, principal=principal, frame_id=frame_id)
    return accepted(result, "重绘已开始")


@router.get(
    "/{scene_id}/comic/images/{frame_id}", response_class=Response, response_model=None, responses=IMAGE_RESPONSES
)
async def frame_image(scene: ComicScene, frame_id: ItemId, runtime: ComicRuntimeDep) -> Response:
    path, mime = await service.frame_image(runtime, scene_id=scene.id, frame_id=frame_id)
    return FileResponse(path, media_type=mime, headers=NO_STORE)


@router.get("/{scene_id}/comic/export", response_class=Response, response_model=None, responses=EXPORT_RESPONSES)
async def export_comic(
    scene: ComicScene,
    runtime: ComicRuntimeDep,
    format: str = Query(default="zip", max_length=16),
) -> Response:
    path, media_type, name = await service.export_comic(runtime, scene=scene, fmt=format)
    return FileResponse(path, media_type=media_type, filename=name, headers={"Cache-Control": "no-store"})

"""`/api/scenes/...`, `/api/upload`, `/api/analyze`: scenes, characters, items, the message log, uploads, analysis
and the scene export. Every route parses, depends, calls one service function and wraps the envelope.

Every `/api/scenes/:id/...` route loads the scene for the caller first (someone else's scene is a 404, like a
missing one).
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response

from sceneintruder.core.exporting import ExportResult
from sceneintruder.scenes import service
from sceneintruder.scenes.dependencies import OwnedScene, ScenesRuntimeDep
from sceneintruder.scenes.schemas import (
    AnalyzeRequest,
    CharacterRead,
    ConversationRead,
    ItemList,
    ItemRead,
    ItemWrite,
    SceneCreate,
    SceneDataRead,
    SceneDeletedRead,
    SceneRead,
    SceneShellCreate,
    TaskStartedRead,
    UploadResult,
)
from sceneintruder.web.dependencies import IdempotencyKeyDep, ItemId, PrincipalDep, SceneId, SessionDep, get_principal
from sceneintruder.web.downloads import DOWNLOAD_RESPONSES, export_response, parse_export_format
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, created, ok
from sceneintruder.web.pagination import Page, page_meta

router = APIRouter(prefix="/scenes", tags=["scenes"])
files_router = APIRouter(tags=["scenes"])


@router.get("", response_model=Envelope[list[SceneRead]])
async def list_scenes(
    principal: PrincipalDep,
    session: SessionDep,
    page: Page = 1,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    paginated: bool = False,
) -> EnvelopeResponse:
    result = await service.list_scenes(session, owner_id=principal.user_id, page=page, limit=limit)
    meta = page_meta(page, limit, result.total) if paginated else None
    return ok(result.scenes, "获取场景列表成功", meta=meta)


@router.post("", status_code=201, response_model=Envelope[SceneRead])
async def create_scene(
    body: SceneCreate, principal: PrincipalDep, runtime: ScenesRuntimeDep, key: IdempotencyKeyDep
) -> EnvelopeResponse:
    """Analyse `text` while the client waits, then answer the stored scene (201, `data: Scene`), as the reference
    does, for a text of any size up to the body limit. The work is the same job as `POST /api/analyze`: a client
    that stops waiting leaves it running, and the scene is created all the same (it is in `GET /api/scenes`)."""
    scene = await service.create_scene(runtime, principal=principal, title=body.title, text=body.text, key=key)
    return created(scene, "场景创建成功")


@router.post("/shell", response_model=Envelope[SceneRead])
async def create_shell(body: SceneShellCreate, principal: PrincipalDep, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.create_shell(session, owner_id=principal.user_id, data=body), "场景创建成功")


@router.get("/{scene_id}", response_model=Envelope[SceneDataRead])
async def get_scene(request: Request, scene_id: SceneId, runtime: ScenesRuntimeDep) -> EnvelopeResponse:
    """SceneData, from the scene read cache when nothing about the scene changed since it was built."""
    payload = await service.read_scene_json(runtime, scene_id=scene_id, principal=await get_principal(request))
    return ok(orjson.Fragment(payload), "获取场景成功")


@router.post("/{scene_id}/reanalyze", status_code=202, response_model=Envelope[TaskStartedRead])
async def reanalyze(scene: OwnedScene, principal: PrincipalDep, runtime: ScenesRuntimeDep) -> EnvelopeResponse:
    """Analyse the scene's text again with the provider active now, as a job, and merge the result: characters
    the new analysis finds keep their ids (so chats and the story stay), items a writer added are untouched. The
    job's result, and then the scene's `analysis`, say which provider made the current analysis."""
    job = await service.start_reanalysis(runtime, scene=scene, principal=principal)
    return ok({"task_id": job.id, "message": "重新分析已开始，请订阅进度更新"}, "重新分析已开始", status_code=202)


@router.delete("/{scene_id}", response_model=Envelope[SceneDeletedRead])
async def delete_scene(scene: OwnedScene, session: SessionDep, runtime: ScenesRuntimeDep) -> EnvelopeResponse:
    """Rows, files and the scene's WebSocket room (closed by a SceneDeleted subscriber) all go."""
    return ok(await service.delete_scene(session, runtime=runtime, scene=scene), "场景删除成功")


@router.get("/{scene_id}/characters", response_model=Envelope[list[CharacterRead]])
async def list_characters(scene: OwnedScene, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_characters(session, scene_id=scene.id), "获取角色列表成功")


@router.get("/{scene_id}/characters/{character_id}", response_model=Envelope[CharacterRead])
async def get_character(scene: OwnedScene, character_id: ItemId, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_character(session, scene_id=scene.id, character_id=character_id), "获取角色成功")


@router.get("/{scene_id}/conversations", response_model=Envelope[list[ConversationRead]])
async def list_conversations(
    scene: OwnedScene,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    page: Page = 1,
    paginated: bool = False,
) -> EnvelopeResponse:
    messages, total = await service.list_conversations(session, scene_id=scene.id, limit=limit, page=page)
    meta = page_meta(page, limit, total) if paginated else None
    return ok(messages, "获取对话记录成功", meta=meta)


@router.get("/{scene_id}/items", response_model=Envelope[ItemList])
async def list_items(scene: OwnedScene, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_items(session, scene_id=scene.id), "获取物品列表成功")


@router.post("/{scene_id}/items", status_code=201, response_model=Envelope[ItemRead])
async def add_item(scene: OwnedScene, body: ItemWrite, session: SessionDep) -> EnvelopeResponse:
    return created(await service.add_item(session, scene_id=scene.id, data=body), "物品创建成功")


@router.get("/{scene_id}/items/{item_id}", response_model=Envelope[ItemRead])
async def get_item(scene: OwnedScene, item_id: str, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_item(session, scene_id=scene.id, item_id=item_id), "获取物品成功")


@router.put("/{scene_id}/items/{item_id}", response_model=Envelope[ItemRead])
async def replace_item(scene: OwnedScene, item_id: str, body: ItemWrite, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.replace_item(session, scene_id=scene.id, item_id=item_id, data=body), "物品更新成功")


@router.delete("/{scene_id}/items/{item_id}", response_model=Envelope[None])
async def delete_item(scene: OwnedScene, item_id: str, session: SessionDep) -> EnvelopeResponse:
    await service.delete_item(session, scene_id=scene.id, item_id=item_id)
    return ok(None, "物品删除成功")


@router.get("/{scene_id}/export/scene", response_model=Envelope[ExportResult], responses=DOWNLOAD_RESPONSES)
async def export_scene(
    scene: OwnedScene, session: SessionDep, format: str = "json", include_conversations: bool = False
) -> Response:
    exported = await service.export_scene(
        session, scene=scene, fmt=parse_export_format(format), include_conversations=include_conversations
    )
    return export_response(exported)


@files_router.post("/analyze", response_model=Envelope[TaskStartedRead])
async def analyze(
    body: AnalyzeRequest, principal: PrincipalDep, runtime: ScenesRuntimeDep, key: IdempotencyKeyDep
) -> EnvelopeResponse:
    """Analyse a text of any size as a job; its terminal progress event carries `result.scene_id`.

    Cancelling the job cancels the chunks in flight and creates nothing.
    """
    job = await service.start_analysis(
        runtime, principal=principal, title=body.title, text=body.text, key=key, origin="analyze"
    )
    return ok({"task_id": job.id, "message": "文本分析已开始，请订阅进度更新"}, "文本分析已开始")


@files_router.post("/upload", response_model=Envelope[UploadResult])
async def upload(file: UploadFile, _: PrincipalDep, runtime: ScenesRuntimeDep) -> EnvelopeResponse:
    """A .txt, .md or .epub file to text (nothing is stored): `{filename, content, size, encoding, char_count}`."""
    data = await file.read(runtime.settings.upload_max_bytes + 1)
    return ok(await service.read_upload(runtime, filename=file.filename, data=data), "文件上传成功")

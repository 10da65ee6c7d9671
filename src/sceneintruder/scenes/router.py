"""`/api/scenes/...`, `/api/upload`: scenes, characters, items, the message log, uploads and the scene export.

Every `/api/scenes/:id/...` route loads the scene for the caller first (someone else's scene is a 404, like a
missing one).
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, UploadFile
from fastapi.responses import Response

from sceneintruder.core.clock import utcnow
from sceneintruder.core.downloads import DOWNLOAD_RESPONSES, download, parse_export_format
from sceneintruder.core.envelope import Envelope, EnvelopeResponse, created, ok
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import PayloadTooLarge, ServiceNotReady, error_for_code
from sceneintruder.core.events import EventBus
from sceneintruder.core.exporting import ExportFormat, ExportResult, render
from sceneintruder.core.offload import IsolatedWorkFailed, Offload
from sceneintruder.core.pagination import Page, page_meta
from sceneintruder.core.principal import Principal
from sceneintruder.core.settings import Settings
from sceneintruder.deps import (
    DatabaseDep,
    EventsDep,
    LLMDep,
    OffloadDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    get_principal,
)
from sceneintruder.jobs.dependencies import IdempotencyKeyDep, JobsDep
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.jobs.schemas import FAILED_PREFIX, JobSnapshot, JobStatus
from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.scenes import export, service
from sceneintruder.scenes.analysing import AnalysisDeps, analysis_job
from sceneintruder.scenes.errors import FileInvalid, SceneNotFound
from sceneintruder.scenes.events import SceneDeleted
from sceneintruder.scenes.models import Scene
from sceneintruder.scenes.read_cache import ScenePayload, SceneReadCache
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
from sceneintruder.scenes.skills import ANALYSIS_JOB
from sceneintruder.scenes.upload import UploadLimits, decode_upload

router = APIRouter(prefix="/scenes", tags=["scenes"])
files_router = APIRouter(tags=["scenes"])

SceneId = Annotated[str, Path(max_length=128)]


async def owned_scene(request: Request, scene_id: SceneId, session: SessionDep) -> Scene:
    """The scene if the caller owns it (or is an admin); else 404 SCENE_NOT_FOUND, as for a missing one."""
    principal = await get_principal(request)
    return await service.get_owned_scene(session, scene_id=scene_id, principal=principal)


OwnedScene = Annotated[Scene, Depends(owned_scene)]


@router.get("", response_model=Envelope[list[SceneRead]])
async def list_scenes(
    principal: PrincipalDep,
    session: SessionDep,
    page: Page = 1,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    paginated: bool = False,
) -> EnvelopeResponse:
    result = await service.list_scenes(session, owner_id=principal.user_id, page=page, limit=limit)
    extra = {"meta": page_meta(page, limit, result.total)} if paginated else {}
    return ok(result.scenes, "获取场景列表成功", **extra)


def _analysis_deps(llm: LLMClient, events: EventBus, offload: Offload, settings: Settings) -> AnalysisDeps:
    return AnalysisDeps(
        llm=llm,
        events=events,
        offload=offload,
        concurrency=settings.analysis_concurrency,
        max_chunk_chars=settings.analysis_chunk_chars,
    )


async def _start_analysis(
    body: SceneCreate,
    principal: Principal,
    *,
    deps: AnalysisDeps,
    jobs: JobRegistry,
    key: str | None,
    origin: str,
    max_chars: int,
) -> JobSnapshot:
    if len(body.text) > max_chars:
        raise PayloadTooLarge("文本过长", details={"max_chars": max_chars})
    if not (status := deps.llm.status()).ready:
        raise ServiceNotReady(details=status.state)
    run = analysis_job(deps, owner_id=principal.user_id, title=body.title, source=body.text, origin=origin)
    return await jobs.start(ANALYSIS_JOB, principal.user_id, run, idempotency_key=key)


@router.post("", status_code=201, response_model=Envelope[SceneRead])
async def create_scene(
    body: SceneCreate,
    principal: PrincipalDep,
    db: DatabaseDep,
    llm: LLMDep,
    settings: SettingsDep,
    events: EventsDep,
    offload: OffloadDep,
    jobs: JobsDep,
    key: IdempotencyKeyDep,
) -> EnvelopeResponse:
    """Analyse `text` while the client waits, then answer the stored scene (201, `data: Scene`), as the reference
    does, for a text of any size up to the body limit. The work is the same job as `POST /api/analyze`: a client
    that stops waiting leaves it running, and the scene is created all the same (it is in `GET /api/scenes`)."""
    deps = _analysis_deps(llm, events, offload, settings)
    job = await _start_analysis(
        body, principal, deps=deps, jobs=jobs, key=key, origin="", max_chars=settings.upload_max_chars
    )
    finished = await jobs.wait(job.id)
    if finished.status is not JobStatus.COMPLETED or not finished.result:
        message = finished.message.removeprefix(FAILED_PREFIX)
        raise error_for_code(finished.error or ErrorCode.SCENE_CREATE_FAILED, message, details={"task_id": job.id})
    async with db.reader() as session:
        scene = await service.find_scene(session, scene_id=finished.result["scene_id"])
        return created(await service.read_scene(session, scene=scene), "场景创建成功")


@router.post("/shell", response_model=Envelope[SceneRead])
async def create_shell(body: SceneShellCreate, principal: PrincipalDep, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.create_shell(session, owner_id=principal.user_id, data=body), "场景创建成功")


async def get_scene_cache(request: Request) -> SceneReadCache:
    return request.app.state.scene_cache


@router.get("/{scene_id}", response_model=Envelope[SceneDataRead])
async def get_scene(
    request: Request, scene_id: SceneId, db: DatabaseDep, cache: Annotated[SceneReadCache, Depends(get_scene_cache)]
) -> EnvelopeResponse:
    """SceneData, from the scene read cache when nothing about the scene changed since it was built."""
    principal = await get_principal(request)

    async def build() -> ScenePayload:
        async with db.reader() as session:
            scene = await service.find_scene(session, scene_id=scene_id)
            data = await service.read_scene_data(session, scene=scene)
        return ScenePayload(scene.owner_id, data.model_dump_json(by_alias=True, exclude_none=True).encode())

    payload = await cache.entries.get_or_load(scene_id, build)
    if not (principal.is_admin or payload.owner_id == principal.user_id):
        raise SceneNotFound(details=scene_id)
    return ok(orjson.Fragment(payload.json), "获取场景成功")


@router.delete("/{scene_id}", response_model=Envelope[SceneDeletedRead])
async def delete_scene(
    scene: OwnedScene, session: SessionDep, settings: SettingsDep, events: EventsDep
) -> EnvelopeResponse:
    """Rows, files and the scene's WebSocket room (closed by a SceneDeleted subscriber) all go."""
    scene_id, owner_id = scene.id, scene.owner_id
    await service.delete_scene(session, scene=scene, data_dir=settings.data_dir)
    await events.publish(SceneDeleted(scene_id, owner_id))
    return ok({"scene_id": scene_id}, "场景删除成功")


@router.get("/{scene_id}/characters", response_model=Envelope[list[CharacterRead]])
async def list_characters(scene: OwnedScene, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_characters(session, scene_id=scene.id), "获取角色列表成功")


@router.get("/{scene_id}/characters/{character_id}", response_model=Envelope[CharacterRead])
async def get_character(
    scene: OwnedScene, character_id: Annotated[str, Path(max_length=128)], session: SessionDep
) -> EnvelopeResponse:
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
    extra = {"meta": page_meta(page, limit, total)} if paginated else {}
    return ok(messages, "获取对话记录成功", **extra)


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
    fmt = parse_export_format(format)
    data = await service.read_scene_data(session, scene=scene)
    conversations = (
        (await service.list_conversations(session, scene_id=scene.id, limit=100_000, page=1))[0]
        if include_conversations
        else []
    )
    now = utcnow()
    stem = f"{scene.id}_scene_{now:%Y%m%d_%H%M%S}"
    if fmt is not ExportFormat.JSON:
        document = export.scene_export_document(
            data, conversations=conversations, include_conversations=include_conversations
        )
        return download(render(document, fmt), fmt, stem)
    content = export.scene_export_json(
        data, conversations=conversations, include_conversations=include_conversations, generated_at=now
    )
    result = export.export_result(
        scene_id=scene.id,
        title=f"{scene.title} - {export.labels(scene.language)['suffix']}",
        fmt=fmt,
        content=content,
        export_type="scene",
        filename=f"{stem}.json",
        characters=data.characters,
        conversations=conversations,
        summary=scene.summary,
        stats={},
    )
    return ok(result, "导出成功")


@files_router.post("/analyze", response_model=Envelope[TaskStartedRead])
async def analyze(
    body: AnalyzeRequest,
    principal: PrincipalDep,
    llm: LLMDep,
    jobs: JobsDep,
    key: IdempotencyKeyDep,
    settings: SettingsDep,
    events: EventsDep,
    offload: OffloadDep,
) -> EnvelopeResponse:
    """Analyse a text of any size as a job; its terminal progress event carries `result.scene_id`.

    Cancelling the job cancels the chunks in flight and creates nothing.
    """
    deps = _analysis_deps(llm, events, offload, settings)
    job = await _start_analysis(
        body, principal, deps=deps, jobs=jobs, key=key, origin="analyze", max_chars=settings.upload_max_chars
    )
    return ok({"task_id": job.id, "message": "文本分析已开始，请订阅进度更新"}, "文本分析已开始")


@files_router.post("/upload", response_model=Envelope[UploadResult])
async def upload(file: UploadFile, _: PrincipalDep, settings: SettingsDep, offload: OffloadDep) -> EnvelopeResponse:
    """A .txt, .md or .epub file to text (nothing is stored): `{filename, content, size, encoding, char_count}`.

    The file is read in an isolated worker process, under limits set before it starts (size, EPUB entries and
    inflated size, characters, time, memory), so no upload can stall the server.
    """
    data = await file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise PayloadTooLarge("文件过大", details=f"at most {settings.upload_max_bytes} bytes")
    if not file.filename:
        raise FileInvalid("缺少文件名")
    limits = UploadLimits(
        max_chars=settings.upload_max_chars,
        epub_max_uncompressed_bytes=settings.upload_epub_max_uncompressed_bytes,
        epub_max_document_bytes=settings.upload_epub_max_document_bytes,
        epub_max_chapters=settings.upload_epub_max_chapters,
    )
    try:
        decoded = await offload.run_isolated(
            decode_upload, file.filename, data, limits, timeout=settings.upload_decode_seconds
        )
    except IsolatedWorkFailed as exc:
        raise FileInvalid("文件无法在限定的时间和内存内读取", details=exc.reason) from exc
    return ok(
        {
            "filename": decoded.filename,
            "content": decoded.content,
            "size": decoded.size,
            "encoding": decoded.encoding,
            "char_count": decoded.char_count,
        },
        "文件上传成功",
    )

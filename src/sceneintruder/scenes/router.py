"""`/api/scenes/...`, `/api/upload`: scenes, characters, items, the message log, uploads and the scene export.

Every `/api/scenes/:id/...` route loads the scene for the caller first (someone else's scene is a 404, like a
missing one).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, UploadFile
from fastapi.responses import Response

from sceneintruder.core.clock import utcnow
from sceneintruder.core.downloads import download, parse_export_format
from sceneintruder.core.envelope import EnvelopeResponse, created, ok
from sceneintruder.core.errors import PayloadTooLarge, ServiceNotReady
from sceneintruder.core.exporting import ExportFormat, render
from sceneintruder.deps import DatabaseDep, EventsDep, LLMDep, PrincipalDep, SessionDep, SettingsDep, get_principal
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.dependencies import IdempotencyKeyDep, JobsDep
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.scenes import creation, export, pipeline, service, text
from sceneintruder.scenes.errors import FileInvalid, SceneNotFound
from sceneintruder.scenes.events import SceneCreated, SceneDeleted
from sceneintruder.scenes.models import Scene
from sceneintruder.scenes.read_cache import ScenePayload, SceneReadCache
from sceneintruder.scenes.schemas import AnalyzeRequest, ItemWrite, SceneCreate, SceneShellCreate
from sceneintruder.scenes.skills import ANALYSIS_JOB
from sceneintruder.scenes.upload import decode_upload

router = APIRouter(prefix="/scenes", tags=["scenes"])
files_router = APIRouter(tags=["scenes"])

SceneId = Annotated[str, Path(max_length=128)]


async def owned_scene(request: Request, scene_id: SceneId, session: SessionDep) -> Scene:
    """The scene if the caller owns it (or is an admin); else 404 SCENE_NOT_FOUND, as for a missing one."""
    principal = await get_principal(request)
    return await service.get_owned_scene(session, scene_id=scene_id, principal=principal)


OwnedScene = Annotated[Scene, Depends(owned_scene)]


def _page_meta(page: int, limit: int, total: int) -> dict[str, int]:
    return {"page": page, "per_page": limit, "total": total, "total_pages": (total + limit - 1) // limit}


@router.get("")
async def list_scenes(
    principal: PrincipalDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    paginated: bool = False,
) -> EnvelopeResponse:
    result = await service.list_scenes(session, owner_id=principal.user_id, page=page, limit=limit)
    extra = {"meta": _page_meta(page, limit, result.total)} if paginated else {}
    return ok(result.scenes, "获取场景列表成功", **extra)


@router.post("", status_code=201)
async def create_scene(
    body: SceneCreate,
    principal: PrincipalDep,
    session: SessionDep,
    llm: LLMDep,
    settings: SettingsDep,
    events: EventsDep,
) -> EnvelopeResponse:
    """Analyse `text` while the client waits, then store the scene (201, `data: Scene`)."""
    if len(body.text) > settings.scene_sync_max_chars:
        raise PayloadTooLarge(
            f"文本过长（{len(body.text)} 字符），请改用 POST /api/analyze 异步分析并订阅进度",
            details={"max_chars": settings.scene_sync_max_chars, "use": "POST /api/analyze"},
        )
    outcome = await pipeline.analyze_text(
        llm,
        title=body.title,
        source=body.text,
        call=CallInfo(pipeline.ANALYSIS_TASK, user_id=principal.user_id),
        concurrency=settings.analysis_concurrency,
        max_chunk_chars=settings.analysis_chunk_chars,
    )
    scene = await creation.store_analyzed_scene(
        session,
        owner_id=principal.user_id,
        title=body.title,
        source=body.text,
        analysis=outcome.analysis,
        provider=outcome.provider,
    )
    await events.publish(SceneCreated(scene.id, principal.user_id, scene.language))
    return created(await service.read_scene(session, scene=scene), "场景创建成功")


@router.post("/shell")
async def create_shell(body: SceneShellCreate, principal: PrincipalDep, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.create_shell(session, owner_id=principal.user_id, data=body), "场景创建成功")


async def get_scene_cache(request: Request) -> SceneReadCache:
    return request.app.state.scene_cache


@router.get("/{scene_id}")
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


@router.delete("/{scene_id}")
async def delete_scene(
    scene: OwnedScene, session: SessionDep, settings: SettingsDep, events: EventsDep
) -> EnvelopeResponse:
    """Rows, files and the scene's WebSocket room (closed by a SceneDeleted subscriber) all go."""
    scene_id, owner_id = scene.id, scene.owner_id
    await service.delete_scene(session, scene=scene, data_dir=settings.data_dir)
    await events.publish(SceneDeleted(scene_id, owner_id))
    return ok({"scene_id": scene_id}, "场景删除成功")


@router.get("/{scene_id}/characters")
async def list_characters(scene: OwnedScene, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_characters(session, scene_id=scene.id), "获取角色列表成功")


@router.get("/{scene_id}/characters/{character_id}")
async def get_character(
    scene: OwnedScene, character_id: Annotated[str, Path(max_length=128)], session: SessionDep
) -> EnvelopeResponse:
    return ok(await service.get_character(session, scene_id=scene.id, character_id=character_id), "获取角色成功")


@router.get("/{scene_id}/conversations")
async def list_conversations(
    scene: OwnedScene,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    page: Annotated[int, Query(ge=1)] = 1,
    paginated: bool = False,
) -> EnvelopeResponse:
    messages, total = await service.list_conversations(session, scene_id=scene.id, limit=limit, page=page)
    extra = {"meta": _page_meta(page, limit, total)} if paginated else {}
    return ok(messages, "获取对话记录成功", **extra)


@router.get("/{scene_id}/items")
async def list_items(scene: OwnedScene, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.list_items(session, scene_id=scene.id), "获取物品列表成功")


@router.post("/{scene_id}/items", status_code=201)
async def add_item(scene: OwnedScene, body: ItemWrite, session: SessionDep) -> EnvelopeResponse:
    return created(await service.add_item(session, scene_id=scene.id, data=body), "物品创建成功")


@router.get("/{scene_id}/items/{item_id}")
async def get_item(scene: OwnedScene, item_id: str, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.get_item(session, scene_id=scene.id, item_id=item_id), "获取物品成功")


@router.put("/{scene_id}/items/{item_id}")
async def replace_item(scene: OwnedScene, item_id: str, body: ItemWrite, session: SessionDep) -> EnvelopeResponse:
    return ok(await service.replace_item(session, scene_id=scene.id, item_id=item_id, data=body), "物品更新成功")


@router.delete("/{scene_id}/items/{item_id}")
async def delete_item(scene: OwnedScene, item_id: str, session: SessionDep) -> EnvelopeResponse:
    await service.delete_item(session, scene_id=scene.id, item_id=item_id)
    return ok(None, "物品删除成功")


@router.get("/{scene_id}/export/scene")
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


@files_router.post("/analyze")
async def analyze(
    body: AnalyzeRequest,
    principal: PrincipalDep,
    llm: LLMDep,
    jobs: JobsDep,
    key: IdempotencyKeyDep,
    settings: SettingsDep,
    events: EventsDep,
) -> EnvelopeResponse:
    """Analyse a text of any size as a job; its terminal progress event carries `result.scene_id`.

    Cancelling the job cancels the chunks in flight and creates nothing.
    """
    if len(body.text) > settings.upload_max_chars:
        raise PayloadTooLarge("文本过长", details={"max_chars": settings.upload_max_chars})
    if not (status := llm.status()).ready:
        raise ServiceNotReady(details=status.state)
    owner_id = principal.user_id

    async def run(context: JobContext) -> dict[str, Any]:
        await context.progress(1, "开始分析文本...")
        # Cutting the text into story segments is CPU work: do it in a thread while the chunks are analysed.
        segments = asyncio.ensure_future(
            asyncio.to_thread(creation.segments_of, body.text, text.detect_language(body.text))
        )

        async def on_progress(done: int, total: int) -> None:
            await context.progress(
                5 + 85 * done / total, f"已分析 {done}/{total} 段文本", chunks_done=done, chunks_total=total
            )

        outcome = await pipeline.analyze_text(
            llm,
            title=body.title,
            source=body.text,
            call=CallInfo(pipeline.ANALYSIS_TASK, user_id=owner_id, job_id=context.job_id),
            concurrency=settings.analysis_concurrency,
            max_chunk_chars=settings.analysis_chunk_chars,
            on_progress=on_progress,
        )
        await context.progress(95, "正在保存场景...")
        async with context.db.writer() as session:
            scene = await creation.store_analyzed_scene(
                session,
                owner_id=owner_id,
                title=body.title,
                source=body.text,
                analysis=outcome.analysis,
                provider=outcome.provider,
                origin="analyze",
                segments=await segments,
            )
        await events.publish(SceneCreated(scene.id, owner_id, scene.language))
        return {"scene_id": scene.id, "title": scene.title, "character_count": len(outcome.analysis.characters)}

    job = await jobs.start(ANALYSIS_JOB, owner_id, run, idempotency_key=key)
    return ok({"task_id": job.id, "message": "文本分析已开始，请订阅进度更新"}, "文本分析已开始")


@files_router.post("/upload")
async def upload(file: UploadFile, settings: SettingsDep) -> EnvelopeResponse:
    """A .txt, .md or .epub file to text (nothing is stored): `{filename, content, size, encoding, char_count}`."""
    data = await file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise PayloadTooLarge("文件过大", details=f"at most {settings.upload_max_bytes} bytes")
    if not file.filename:
        raise FileInvalid("缺少文件名")
    decoded = decode_upload(file.filename, data, max_chars=settings.upload_max_chars)
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

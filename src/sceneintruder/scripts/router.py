"""`/api/scripts...`: the reference's 15 routes (spec §10), with its JSON keys, statuses, messages and codes; and
ours beside them (continuity, prose versions, memory entries).

Guests may use scripts where the reference allows it, but a script belongs to whoever created it (a guest's to
the guest): someone else's script is 404 RESOURCE_NOT_FOUND, as a missing one. `generate` answers 200 with its
`task_id` (the reference's status); follow it on `/api/progress/:task_id` or `/api/tasks/:task_id`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response, StreamingResponse

from sceneintruder.scripts import service
from sceneintruder.scripts.dependencies import ScriptIdDep, ScriptsRuntimeDep
from sceneintruder.scripts.schemas import (
    MAX_CHAPTER_INDEX,
    ChapterDraftIn,
    ChapterDraftOut,
    CommandIn,
    CommandOut,
    ContinuityOut,
    Deleted,
    DraftIn,
    DraftSaved,
    GenerateIn,
    MemoryEntryIn,
    MemoryEntryOut,
    MemoryEntryPatch,
    ProseVersionsOut,
    RewindIn,
    ScriptCreate,
    ScriptDetailOut,
    ScriptSummaryOut,
    ScriptUpdate,
    TaskStarted,
)
from sceneintruder.web.dependencies import PrincipalDep
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, created, ok

router = APIRouter(prefix="/scripts", tags=["scripts"])
_FILE = {"schema": {"type": "string", "format": "binary"}}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`format=json`: the export in the envelope; any other format: the book as a file",
        "content": {t: _FILE for t in ("text/markdown", "text/plain", "text/html", "application/epub+zip")},
    }
}
RosterBody = Annotated[list[Any] | dict[str, Any], Body()]


@router.get("", response_model=Envelope[list[ScriptSummaryOut]])
async def list_scripts(principal: PrincipalDep, runtime: ScriptsRuntimeDep) -> EnvelopeResponse:
    return ok(await service.list_scripts(runtime, principal=principal), "scripts 列表获取成功")


@router.post("", status_code=201, response_model=Envelope[ScriptSummaryOut])
async def create_script(principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: ScriptCreate) -> EnvelopeResponse:
    return created(await service.create(runtime, principal=principal, body=body), "script 创建成功")


@router.get("/{script_id}", response_model=Envelope[ScriptDetailOut])
async def get_script(
    script_id: ScriptIdDep,
    principal: PrincipalDep,
    runtime: ScriptsRuntimeDep,
    workflow_limit: Annotated[int | None, Query(ge=-1_000_000, le=1_000_000)] = None,
) -> EnvelopeResponse:
    data = await service.detail(runtime, script_id=script_id, principal=principal, workflow_limit=workflow_limit)
    return ok(data, "script 获取成功")


@router.put("/{script_id}", response_model=Envelope[ScriptSummaryOut])
async def update_script(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: ScriptUpdate
) -> EnvelopeResponse:
    return ok(await service.update(runtime, script_id=script_id, principal=principal, body=body), "script 更新成功")


@router.delete("/{script_id}", response_model=Envelope[Deleted])
async def delete_script(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep
) -> EnvelopeResponse:
    return ok(await service.remove(runtime, script_id=script_id, principal=principal), "script 删除成功")


@router.get("/{script_id}/characters", response_model=Envelope[list[dict[str, Any]]])
async def get_characters(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep
) -> EnvelopeResponse:
    data = await service.get_roster(runtime, script_id=script_id, principal=principal, kind="characters")
    return ok(data, "characters 获取成功")


@router.put("/{script_id}/characters", response_model=Envelope[list[dict[str, Any]]])
async def put_characters(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: RosterBody
) -> EnvelopeResponse:
    data = await service.put_roster(runtime, script_id=script_id, principal=principal, kind="characters", body=body)
    return ok(data, "characters 保存成功")


@router.get("/{script_id}/items", response_model=Envelope[list[dict[str, Any]]])
async def get_items(script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep) -> EnvelopeResponse:
    return ok(
        await service.get_roster(runtime, script_id=script_id, principal=principal, kind="items"), "items 获取成功"
    )


@router.put("/{script_id}/items", response_model=Envelope[list[dict[str, Any]]])
async def put_items(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: RosterBody
) -> EnvelopeResponse:
    data = await service.put_roster(runtime, script_id=script_id, principal=principal, kind="items", body=body)
    return ok(data, "items 保存成功")


@router.put("/{script_id}/chapter_draft", response_model=Envelope[ChapterDraftOut])
async def put_chapter_draft(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: ChapterDraftIn
) -> EnvelopeResponse:
    data = await service.put_chapter_draft(runtime, script_id=script_id, principal=principal, body=body)
    return ok(data, "章节正文保存成功")


@router.put("/{script_id}/draft", response_model=Envelope[DraftSaved])
async def put_draft(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: DraftIn
) -> EnvelopeResponse:
    return ok(await service.put_draft(runtime, script_id=script_id, principal=principal, body=body), "draft 保存成功")


@router.post("/{script_id}/generate", response_model=Envelope[TaskStarted])
async def generate(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: GenerateIn | None = None
) -> EnvelopeResponse:
    data = await service.start_generate(runtime, script_id=script_id, principal=principal, body=body or GenerateIn())
    return ok(data, "生成任务已开始，请订阅进度")


@router.post("/{script_id}/command", response_model=Envelope[CommandOut])
async def command(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: CommandIn
) -> EnvelopeResponse:
    return ok(
        await service.run_command(runtime, script_id=script_id, principal=principal, body=body), "command 执行成功"
    )


@router.post("/{script_id}/rewind", response_model=Envelope[ScriptSummaryOut])
async def rewind(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: RewindIn
) -> EnvelopeResponse:
    return ok(await service.rewind(runtime, script_id=script_id, principal=principal, body=body), "rewind 成功")


@router.get("/{script_id}/export", response_model=Envelope[dict[str, Any]], responses=EXPORT_RESPONSES)
async def export_script(
    script_id: ScriptIdDep,
    principal: PrincipalDep,
    runtime: ScriptsRuntimeDep,
    format: Annotated[str | None, Query(max_length=32)] = None,  # the reference's parameter name
    include_meta: Annotated[str | None, Query(max_length=16)] = None,
    source: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    exported = await service.export_book(
        runtime, script_id=script_id, principal=principal, fmt=format, include_meta=include_meta, source=source
    )
    if isinstance(exported, service.ExportStream):
        return StreamingResponse(
            exported.body,
            media_type=exported.media_type,
            headers={"Content-Disposition": f'attachment; filename="{exported.filename}"', "Cache-Control": "no-store"},
        )
    return ok(exported, "导出成功")


# --- ours ---------------------------------------------------------------------------------------------------------


@router.get("/{script_id}/continuity", response_model=Envelope[ContinuityOut])
async def continuity(script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep) -> EnvelopeResponse:
    data = await service.continuity_report(runtime, script_id=script_id, principal=principal)
    return ok(data, "连贯性检查完成")


@router.get("/{script_id}/chapters/{chapter}/versions", response_model=Envelope[ProseVersionsOut])
async def prose_versions(
    script_id: ScriptIdDep,
    principal: PrincipalDep,
    runtime: ScriptsRuntimeDep,
    chapter: Annotated[int, Path(ge=1, le=MAX_CHAPTER_INDEX)],
) -> EnvelopeResponse:
    data = await service.prose_versions(runtime, script_id=script_id, principal=principal, chapter=chapter)
    return ok(data, "章节版本获取成功")


@router.post("/{script_id}/memory", status_code=201, response_model=Envelope[MemoryEntryOut])
async def add_memory(
    script_id: ScriptIdDep, principal: PrincipalDep, runtime: ScriptsRuntimeDep, body: MemoryEntryIn
) -> EnvelopeResponse:
    return created(
        await service.add_memory(runtime, script_id=script_id, principal=principal, body=body), "记忆条目已添加"
    )


@router.patch("/{script_id}/memory/{entry_id}", response_model=Envelope[MemoryEntryOut])
async def patch_memory(
    script_id: ScriptIdDep,
    principal: PrincipalDep,
    runtime: ScriptsRuntimeDep,
    entry_id: Annotated[str, Path(max_length=64)],
    body: MemoryEntryPatch,
) -> EnvelopeResponse:
    data = await service.patch_memory(runtime, script_id=script_id, principal=principal, entry_id=entry_id, body=body)
    return ok(data, "记忆条目已更新")

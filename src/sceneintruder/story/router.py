"""`/api/scenes/:id/story/...`, `/api/scenes/:id/nodes/:node_id/content`, `/api/scenes/:id/aggregate` and
`/api/scenes/:id/export/story`: the reference's paths, JSON keys and messages (spec §2, §4, §5b).

Every route loads the scene for the caller first (someone else's scene is 404 SCENE_NOT_FOUND, as a missing
one). Statuses: unknown node 404 NODE_NOT_FOUND, unknown choice 404 CHOICE_INVALID, a decision already taken
409 CHOICE_ALREADY_MADE, no story 404 STORY_NOT_FOUND, a move the story's state forbids 409 CONFLICT, a
provider failure its LLM_* code (never stored as narration).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from sceneintruder.core.errors import BadRequest
from sceneintruder.core.exporting import ExportResult
from sceneintruder.story import service
from sceneintruder.story.dependencies import StoryRuntimeDep, StoryScene
from sceneintruder.story.schemas import (
    AdvanceResult,
    BatchRequest,
    BatchResult,
    BranchView,
    ChoiceRequest,
    ChoiceResult,
    ChoiceView,
    CommandRequest,
    CommandResult,
    ExploreResult,
    InsertRequest,
    InsertResult,
    NodeContent,
    RewindRequest,
    RewindResult,
    SceneAggregate,
    StoryView,
    UserPreferences,
)
from sceneintruder.web.dependencies import ItemId, PrincipalDep
from sceneintruder.web.downloads import DOWNLOAD_RESPONSES, export_response, parse_export_format
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, ok

router = APIRouter(prefix="/scenes", tags=["story"])


def _preferences(raw: str | None) -> UserPreferences | None:
    """The `preferences` query parameter (JSON); unreadable preferences are ignored, as the reference did."""
    if not raw:
        return None
    try:
        return UserPreferences.model_validate(orjson.loads(raw))
    except (orjson.JSONDecodeError, ValidationError):
        return None


async def _optional_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest(details="body is not valid JSON") from None


@router.get("/{scene_id}/story", response_model=Envelope[StoryView])
async def get_story(scene: StoryScene, runtime: StoryRuntimeDep) -> EnvelopeResponse:
    return ok(await service.read_story(runtime, scene=scene), "获取故事数据成功")


@router.post("/{scene_id}/story/choice", response_model=Envelope[ChoiceResult])
async def make_choice(
    scene: StoryScene, body: ChoiceRequest, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    result = await service.make_choice(
        runtime,
        scene=scene,
        principal=principal,
        node_id=body.node_id,
        choice_id=body.choice_id,
        preferences=body.user_preferences,
    )
    return ok(result, "选择已执行")


@router.post("/{scene_id}/story/advance", response_model=Envelope[AdvanceResult])
async def advance_story(scene: StoryScene, principal: PrincipalDep, runtime: StoryRuntimeDep) -> EnvelopeResponse:
    """The reference's optional body `{user_preferences?}` changes nothing here: it is not read (so an unreadable
    one is ignored, as the reference did)."""
    return ok(await service.advance(runtime, scene=scene, principal=principal), "故事已推进")


@router.post("/{scene_id}/story/command", response_model=Envelope[CommandResult])
async def story_command(
    scene: StoryScene, body: CommandRequest, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    return ok(await service.command(runtime, scene=scene, principal=principal, body=body), "指令已处理")


@router.post("/{scene_id}/story/nodes/{node_id}/insert", response_model=Envelope[InsertResult])
async def insert_node(
    scene: StoryScene, node_id: ItemId, request: Request, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    raw = await _optional_body(request)
    try:
        body = InsertRequest.model_validate(raw or {})
    except ValidationError as exc:
        raise BadRequest(details=exc.errors(include_url=False, include_context=False)) from None
    result = await service.insert(runtime, scene=scene, principal=principal, node_id=node_id, content=body.content)
    return ok(result, "节点内容已插入")


@router.post("/{scene_id}/story/rewind", response_model=Envelope[RewindResult])
async def rewind_story(
    scene: StoryScene, body: RewindRequest, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    return ok(await service.rewind(runtime, scene=scene, principal=principal, node_id=body.node_id), "故事已回溯")


@router.get("/{scene_id}/story/branches", response_model=Envelope[BranchView])
async def story_branches(scene: StoryScene, runtime: StoryRuntimeDep) -> EnvelopeResponse:
    return ok(await service.branches(runtime, scene=scene), "获取故事分支成功")


@router.get("/{scene_id}/story/choices", response_model=Envelope[list[ChoiceView]])
async def story_choices(scene: StoryScene, runtime: StoryRuntimeDep) -> EnvelopeResponse:
    return ok(await service.open_choices(runtime, scene=scene), "获取可用选择成功")


@router.post("/{scene_id}/story/batch", response_model=Envelope[BatchResult])
async def story_batch(
    scene: StoryScene, body: BatchRequest, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    result = await service.batch(runtime, scene=scene, principal=principal, operations=body.operations)
    return ok(result, "批量操作成功")


@router.post("/{scene_id}/story/tasks/{task_id}/objectives/{objective_id}/complete", response_model=Envelope[StoryView])
async def complete_objective(
    scene: StoryScene, task_id: ItemId, objective_id: ItemId, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    result = await service.complete_objective(
        runtime, scene=scene, principal=principal, task_id=task_id, objective_id=objective_id
    )
    return ok(result, "目标已完成")


@router.post("/{scene_id}/story/locations/{location_id}/unlock", response_model=Envelope[StoryView])
async def unlock_location(
    scene: StoryScene, location_id: ItemId, principal: PrincipalDep, runtime: StoryRuntimeDep
) -> EnvelopeResponse:
    result = await service.unlock_location(runtime, scene=scene, principal=principal, location_id=location_id)
    return ok(result, "地点已解锁")


@router.post("/{scene_id}/story/locations/{location_id}/explore", response_model=Envelope[ExploreResult])
async def explore_location(
    scene: StoryScene,
    location_id: ItemId,
    principal: PrincipalDep,
    runtime: StoryRuntimeDep,
    preferences: str | None = None,
) -> EnvelopeResponse:
    result = await service.explore(
        runtime, scene=scene, principal=principal, location_id=location_id, preferences=_preferences(preferences)
    )
    return ok(result, "探索完成")


@router.get("/{scene_id}/nodes/{node_id}/content", response_model=Envelope[NodeContent])
async def node_content(scene: StoryScene, node_id: ItemId, runtime: StoryRuntimeDep) -> EnvelopeResponse:
    return ok(await service.node_content(runtime, scene=scene, node_id=node_id), "获取节点内容成功")


@router.get("/{scene_id}/aggregate", response_model=Envelope[SceneAggregate])
async def scene_aggregate(
    scene: StoryScene,
    runtime: StoryRuntimeDep,
    include_conversations: str = "true",
    include_story: str = "true",
    include_ui_state: str = "true",
    include_progress: str = "true",
    conversation_limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    preferences: str | None = None,  # accepted and ignored, as by the reference
) -> EnvelopeResponse:
    """Flags count only when they are exactly `true` (the reference's rule)."""
    options = service.AggregateOptions(
        include_conversations=include_conversations == "true",
        include_story=include_story == "true",
        include_ui_state=include_ui_state == "true",
        include_progress=include_progress == "true",
        conversation_limit=conversation_limit,
    )
    return ok(await service.scene_aggregate(runtime, scene=scene, options=options), "获取场景聚合数据成功")


@router.get("/{scene_id}/export/story", response_model=Envelope[ExportResult], responses=DOWNLOAD_RESPONSES)
async def export_story(scene: StoryScene, runtime: StoryRuntimeDep, format: str = "json") -> Response:
    return export_response(await service.export_story(runtime, scene=scene, fmt=parse_export_format(format)))

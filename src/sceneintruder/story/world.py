"""Tasks, locations and the batch of both: completing objectives, unlocking and exploring places.

- Completing an objective is idempotent: it is marked once (with `completed_at`), its task completes once
  when all its objectives are (the reference re-added +10 progress on every call, spec B16), and progress is
  recomputed from the rows.
- Unknown tasks, objectives and locations are 404 (the reference answered 500, or 200 for an unknown location).
- Exploring a locked location is 409; `explored_at` is set (the reference never set it). The model's answer
  may bring an object (stored with the scene's items, `source: EXPLORATION`) and an event, which becomes the
  current node.
- A batch applies every operation in one transaction: all or nothing (the reference accepted them and did
  nothing, spec B28).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import AppError, BadRequest, Conflict, ResourceNotFound
from sceneintruder.core.ids import is_valid_id
from sceneintruder.core.principal import Principal
from sceneintruder.jobs.errors import TaskNotFound
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.schemas import ItemWrite
from sceneintruder.story import _outcome, _state, broadcast, context, prompts, reading
from sceneintruder.story.llm_schemas import TASK_STORY_EXPLORE, ExploreResult
from sceneintruder.story.models import Story, StoryLocation, StoryObjective, StoryTask
from sceneintruder.story.presenters import location_view, node_view
from sceneintruder.story.runtime import StoryRuntime
from sceneintruder.story.schemas import DEFAULT_PREFERENCES, BatchOperation, UserPreferences

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sceneintruder.scenes.service import Scene

LOCATION_NOT_FOUND = "地点不存在"
LOCKED_MESSAGE = "此地点尚未解锁"


async def complete_objective(
    runtime: StoryRuntime, *, scene: Scene, principal: Principal, task_id: str, objective_id: str
) -> dict[str, Any]:
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        changed = await _complete(session, story, task_id, objective_id, utcnow())
        if changed:
            await _state.refresh(session, story, utcnow())
        await session.commit()
    async with runtime.db.reader() as session:
        data = await reading.story_data(session, scene)
    if changed:
        await broadcast.updated(
            runtime.hub, story, reason="objective", user_id=principal.user_id, current_node_id=None, node_ids=[]
        )
    return data


async def unlock_location(
    runtime: StoryRuntime, *, scene: Scene, principal: Principal, location_id: str
) -> dict[str, Any]:
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        changed = await _unlock(session, story, location_id)
        if changed:
            story.last_updated = utcnow()
        await session.commit()
    async with runtime.db.reader() as session:
        data = await reading.story_data(session, scene)
    if changed:
        await broadcast.updated(
            runtime.hub, story, reason="unlock", user_id=principal.user_id, current_node_id=None, node_ids=[]
        )
    return data


async def _complete(session: AsyncSession, story: Story, task_id: str, objective_id: str, now: datetime) -> bool:
    """Mark the objective (and, with its last objective, the task) complete; False when it already was."""
    task = await session.get(StoryTask, task_id) if is_valid_id(task_id) else None
    if task is None or task.scene_id != story.scene_id:
        raise TaskNotFound("任务不存在", details=task_id)
    objectives = (await session.scalars(select(StoryObjective).where(StoryObjective.task_id == task.id))).all()
    objective = next((o for o in objectives if o.id == objective_id), None)
    if objective is None:
        raise ResourceNotFound("目标不存在", details=objective_id)
    if objective.completed:
        return False
    objective.completed, objective.completed_at = True, now
    if task.status != "completed" and all(o.completed for o in objectives):
        task.status, task.completed_at = "completed", now
    return True


async def _location(session: AsyncSession, story: Story, location_id: str) -> StoryLocation:
    location = await session.get(StoryLocation, location_id) if is_valid_id(location_id) else None
    if location is None or location.scene_id != story.scene_id:
        raise ResourceNotFound(LOCATION_NOT_FOUND, details=location_id)
    return location


async def _unlock(session: AsyncSession, story: Story, location_id: str) -> bool:
    location = await _location(session, story, location_id)
    if location.accessible:
        return False
    location.accessible = True
    return True


async def batch(
    runtime: StoryRuntime, *, scene: Scene, principal: Principal, operations: list[BatchOperation]
) -> dict[str, Any]:
    """Apply `complete_objective {task_id, objective_id}`, `unlock_location {location_id}` and `add_item {name,
    ...}` in order, in one transaction; the first failure undoes them all (its error names the operation)."""
    results: list[dict[str, Any]] = []
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        now = utcnow()
        for index, operation in enumerate(operations):
            try:
                results.append(await _apply(session, story, operation, now))
            except AppError as exc:
                exc.details = {"operation_index": index, "type": operation.type, "details": exc.details}
                raise
        await _state.refresh(session, story, now)
        await session.commit()
    await broadcast.updated(
        runtime.hub, story, reason="batch", user_id=principal.user_id, current_node_id=None, node_ids=[]
    )
    return {"operations": len(operations), "results": results}


async def _apply(session: AsyncSession, story: Story, operation: BatchOperation, now: datetime) -> dict[str, Any]:
    data = operation.data
    if operation.type == "complete_objective":
        changed = await _complete(session, story, str(data.get("task_id", "")), str(data.get("objective_id", "")), now)
        return {"type": operation.type, "changed": changed}
    if operation.type == "unlock_location":
        changed = await _unlock(session, story, str(data.get("location_id", "")))
        return {"type": operation.type, "changed": changed}
    if operation.type == "add_item":
        try:
            item = ItemWrite.model_validate(data)
        except ValidationError as exc:
            raise BadRequest("物品数据无效", details=exc.errors(include_url=False, include_context=False)) from None
        stored = await scenes_service.add_item_in_transaction(session, scene_id=story.scene_id, data=item)
        return {"type": operation.type, "item": stored}
    raise BadRequest("批量操作失败: 未知操作类型", details=operation.type)


async def explore(
    runtime: StoryRuntime,
    *,
    scene: Scene,
    principal: Principal,
    location_id: str,
    preferences: UserPreferences | None = None,
) -> dict[str, Any]:
    preferences = preferences or DEFAULT_PREFERENCES
    async with runtime.db.reader() as session:
        story = await _state.get_story(session, scene.id)
        location = await _location(session, story, location_id)
        if not location.accessible:
            raise Conflict(LOCKED_MESSAGE, details=location_id)
        current = await _state.current_node(session, scene.id)
        story_context = await context.gather(session, scene)
        place = location_view(location)
    text = (current.content or current.original_content) if current is not None else ""
    prompt = prompts.explore(story_context, location=place, current=text, creativity=preferences.creativity_level)
    result = await runtime.llm.complete_structured(
        task=TASK_STORY_EXPLORE,
        schema=ExploreResult,
        messages=prompt.messages,
        inputs=prompt.inputs,
        call=CallInfo(TASK_STORY_EXPLORE, user_id=principal.user_id),
        sampling=Sampling(temperature=0.8),
    )
    found = result.value
    made_by = Provenance.of(result.completion)
    response: dict[str, Any] = {
        "location_id": location_id,
        "description": found.description,
        **made_by.wire(),
    }
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        location = await _location(session, story, location_id)
        now = utcnow()
        location.explored_at = now
        if found.found_item is not None:
            item = await _outcome.add_item(
                session, story, found.found_item, source="EXPLORATION", location=location.name
            )
            response["found_item"] = item
        node_id = None
        if found.story_event is not None:
            here = await _state.current_node(session, scene.id)
            event = found.story_event
            node = await _outcome.add_node(
                session,
                story,
                parent_id=here.id if here is not None else None,
                node_type=event.type,
                content=event.content,
                source="EXPLORATION",
                meta={
                    "location_id": location.id,
                    "current_location_id": location.id,
                    "current_location_name": location.name,
                },
                made_by=made_by,
                now=now,
            )
            choices = _outcome.new_choices(node.id, event.choices, made_by=made_by, now=now)
            session.add_all(choices)
            response["story_node"] = node_view(node, choices)
            node_id = node.id
        await _state.refresh(session, story, now)
        await session.commit()
    if found.new_clue:
        response["new_clue"] = found.new_clue
    response["explored_time"] = rfc3339(now)
    await broadcast.updated(
        runtime.hub,
        story,
        reason="explore",
        user_id=principal.user_id,
        current_node_id=node_id,
        node_ids=[node_id] if node_id else [],
    )
    return response

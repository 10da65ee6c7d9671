"""Presenters: the story as the reference's JSON (spec §7.5), StoryData, StoryNode, StoryChoice, Task, StoryLocation,
shaped by the TypedDicts of `story.schemas`.

Built as plain dicts straight from rows (ORM instances or column rows: the attribute names are the same), so a
story of thousands of nodes serialises in milliseconds. Keys beyond the reference's: `abandoned` on nodes (on a
branch a rewind left), `current_node_id`, `init_status` and, while the story is being built, `task_id` on
StoryData.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sceneintruder.core.clock import rfc3339
from sceneintruder.core.ids import new_id
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.story.schemas import ChoiceView, LocationView, NodeView, ObjectiveView, StoryUpdate, TaskView

ORIGINAL_PREVIEW_CHARS = 600  # GET /story shows this much of each source passage (the reference's cut)


def stamp(value: datetime | str) -> str:
    """A row's timestamp as the API writes it; already text when the query formatted it (`db.base.rfc3339_text`)."""
    return value if isinstance(value, str) else rfc3339(value)


def choice_view(choice: Any) -> ChoiceView:
    view: ChoiceView = {
        "id": choice.id,
        "text": choice.text,
        "consequence": choice.consequence,
        "next_node_hint": choice.next_node_hint,
        "selected": choice.selected,
        "is_selected": choice.selected,
        "created_at": stamp(choice.created_at),
        "description": choice.description,
        "type": choice.type,
        "impact": choice.impact,
        "order": choice.position,
        "source": choice.source,
    }
    if choice.next_node_id:
        view["next_node_id"] = choice.next_node_id
    if choice.meta:
        view["metadata"] = choice.meta
    return view


def preview(original: str, limit: int | None) -> str:
    return original if limit is None or len(original) <= limit else original[:limit] + "..."


def node_view(node: Any, choices: Iterable[Any], *, original_limit: int | None = None) -> NodeView:
    view: NodeView = {
        "id": node.id,
        "scene_id": node.scene_id,
        "content": node.content,
        "original_content": preview(node.original_content, original_limit),
        "type": node.type,
        "choices": [choice_view(choice) for choice in choices],
        "is_revealed": node.reveal_seq is not None and not node.abandoned,
        "abandoned": node.abandoned,
        "created_at": stamp(node.created_at),
        "source": node.source,
        "metadata": node.meta or {},
        "related_item_ids": node.related_item_ids or [],
    }
    if node.parent_id:
        view["parent_id"] = node.parent_id
    return view


def objective_view(objective: Any) -> ObjectiveView:
    view: ObjectiveView = {
        "id": objective.id,
        "description": objective.description,
        "completed": objective.completed,
    }
    if objective.completed_at is not None:
        view["completed_at"] = rfc3339(objective.completed_at)
    return view


def task_view(task: Any, objectives: Iterable[Any]) -> TaskView:
    view: TaskView = {
        "id": task.id,
        "scene_id": task.scene_id,
        "title": task.title,
        "description": task.description,
        "objectives": [objective_view(objective) for objective in objectives],
        "reward": task.reward,
        "is_revealed": task.is_revealed,
        "source": task.source,
        "type": task.type,
        "status": task.status,
        "priority": task.priority,
        "completed": task.status == "completed",
        "metadata": task.meta or {},
    }
    if task.completed_at is not None:
        view["completed_at"] = rfc3339(task.completed_at)
    return view


def location_view(location: Any) -> LocationView:
    view: LocationView = {
        "id": location.id,
        "scene_id": location.scene_id,
        "name": location.name,
        "description": location.description,
        "accessible": location.accessible,
        "requires_item": location.requires_item,
        "source": location.source,
    }
    if location.explored_at is not None:
        view["explored_at"] = rfc3339(location.explored_at)
    return view


def story_view(
    story: Any,
    *,
    nodes: Sequence[Any],
    choices: Mapping[str, Sequence[Any]],
    tasks: Sequence[Any],
    objectives: Mapping[str, Sequence[Any]],
    locations: Sequence[Any],
    original_limit: int | None,
) -> dict[str, Any]:
    current = max(
        (node for node in nodes if node.reveal_seq is not None and not node.abandoned),
        key=lambda node: node.reveal_seq,
        default=None,
    )
    return assemble_story_view(
        story,
        nodes=[node_view(node, choices.get(node.id, ()), original_limit=original_limit) for node in nodes],
        current_node_id=current.id if current is not None else None,
        tasks=tasks,
        objectives=objectives,
        locations=locations,
    )


def assemble_story_view(
    story: Any,
    *,
    nodes: list[Any],
    current_node_id: str | None,
    tasks: Sequence[Any],
    objectives: Mapping[str, Sequence[Any]],
    locations: Sequence[Any],
) -> dict[str, Any]:
    """StoryData around nodes already in their JSON form (dicts, or encoded `orjson.Fragment`s)."""
    task_views, location_views = world_views(tasks, objectives, locations)
    return story_data_view(
        story, nodes=nodes, current_node_id=current_node_id, task_views=task_views, location_views=location_views
    )


def world_views(
    tasks: Sequence[Any], objectives: Mapping[str, Sequence[Any]], locations: Sequence[Any]
) -> tuple[list[TaskView], list[LocationView]]:
    """StoryData's `tasks` and `locations`."""
    return (
        [task_view(task, objectives.get(task.id, ())) for task in tasks],
        [location_view(location) for location in locations],
    )


def story_data_view(
    story: Any,
    *,
    nodes: list[Any],
    current_node_id: str | None,
    task_views: list[TaskView],
    location_views: list[LocationView],
) -> dict[str, Any]:
    """StoryData from the story row, its nodes' JSON and its world's views (`world_views`)."""
    view: dict[str, Any] = {
        "scene_id": story.scene_id,
        "intro": story.intro,
        "main_objective": story.main_objective,
        "current_state": story.current_state,
        "progress": story.progress,
        "nodes": nodes,
        "tasks": task_views,
        "locations": location_views,
        "last_updated": rfc3339(story.last_updated),
        "current_node_id": current_node_id,
        "init_status": story.init_status,
    }
    if story.init_status != "ready" and story.init_job_id:
        view["task_id"] = story.init_job_id
    return view


def story_update_view(
    scene_id: str, node: Any, *, content: str, source: str, made_by: Provenance, at: datetime
) -> StoryUpdate:
    """`story_update` of an advance (made `at`): the node it revealed or made, and who wrote it."""
    update: StoryUpdate = {
        "id": new_id("update"),
        "scene_id": scene_id,
        "title": node.id,
        "content": content,
        "type": node.type or "continuation",
        "created_at": rfc3339(at),
        "source": source,
        "node_id": node.id,
        "provider": made_by.provider,
        "model": made_by.model,
        "offline": made_by.offline,
    }
    if made_by.fallback_reason:
        update["fallback_reason"] = made_by.fallback_reason
    return update

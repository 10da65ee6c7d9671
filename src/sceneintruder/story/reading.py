"""Reading the story: StoryData, one node's content, the branch tree and the open choices. No side effects.

Every read is one short read transaction over column rows (no ORM identity map), so `GET /story` of a book of a
thousand passages stays fast. A scene without a story (a shell, or a story not created yet) reads as an empty
story built from the scene, without writing anything and without starting any LLM work (spec B8).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import rfc3339
from sceneintruder.story import _defaults, graph
from sceneintruder.story._state import get_node
from sceneintruder.story.models import Story, StoryChoice, StoryLocation, StoryNode, StoryObjective, StoryTask
from sceneintruder.story.node_rows import CHOICE_COLUMNS, NODE_COLUMNS
from sceneintruder.story.presenters import (
    ORIGINAL_PREVIEW_CHARS,
    choice_view,
    node_view,
    preview,
    story_view,
)
from sceneintruder.story.schemas import ChoiceView

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

BRANCH_PREVIEW_CHARS = 300  # a passage not narrated yet shows this much of its text in the tree

# Read after every move: built once (see _state on why).
_TASKS = select(StoryTask).where(StoryTask.scene_id == bindparam("scene_id")).order_by(StoryTask.position, StoryTask.id)
_OBJECTIVES = (
    select(StoryObjective)
    .where(StoryObjective.task_id.in_(bindparam("task_ids", expanding=True)))
    .order_by(StoryObjective.position, StoryObjective.id)
)
_LOCATIONS = (
    select(StoryLocation)
    .where(StoryLocation.scene_id == bindparam("scene_id"))
    .order_by(StoryLocation.position, StoryLocation.id)
)


@dataclass(frozen=True)
class StorySnapshot:
    story: Story
    nodes: Sequence[Row[Any]]
    choices: dict[str, list[Row[Any]]]
    tasks: Sequence[StoryTask]
    objectives: dict[str, list[StoryObjective]]
    locations: Sequence[StoryLocation]

    def view(self, *, original_limit: int | None = ORIGINAL_PREVIEW_CHARS) -> dict[str, Any]:
        return story_view(
            self.story,
            nodes=self.nodes,
            choices=self.choices,
            tasks=self.tasks,
            objectives=self.objectives,
            locations=self.locations,
            original_limit=original_limit,
        )


async def load_world(
    session: AsyncSession, scene_id: str
) -> tuple[Sequence[StoryTask], dict[str, list[StoryObjective]], Sequence[StoryLocation]]:
    """The story's tasks (with their objectives by task id) and locations, in order."""
    tasks = (await session.scalars(_TASKS, {"scene_id": scene_id})).all()
    objectives: dict[str, list[StoryObjective]] = defaultdict(list)
    if tasks:
        for objective in await session.scalars(_OBJECTIVES, {"task_ids": [task.id for task in tasks]}):
            objectives[objective.task_id].append(objective)
    locations = (await session.scalars(_LOCATIONS, {"scene_id": scene_id})).all()
    return tasks, objectives, locations


async def load_snapshot(
    session: AsyncSession, scene_id: str, *, original_limit: int | None = ORIGINAL_PREVIEW_CHARS
) -> StorySnapshot | None:
    """The whole story of a scene, or None when it has none. Source passages are cut in SQL to what is shown."""
    story = await session.get(Story, scene_id)
    if story is None:
        return None
    original = (
        StoryNode.original_content
        if original_limit is None
        else func.substr(StoryNode.original_content, 1, original_limit + 1).label("original_content")
    )
    nodes = (
        await session.execute(
            select(*NODE_COLUMNS, original).where(StoryNode.scene_id == scene_id).order_by(StoryNode.position)
        )
    ).all()
    choice_rows = (
        await session.execute(
            select(*CHOICE_COLUMNS)
            .join(StoryNode, StoryNode.id == StoryChoice.node_id)
            .where(StoryNode.scene_id == scene_id)
            .order_by(StoryChoice.node_id, StoryChoice.position, StoryChoice.id)
        )
    ).all()
    choices: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in choice_rows:
        choices[row.node_id].append(row)
    tasks, objectives, locations = await load_world(session, scene_id)
    return StorySnapshot(story, nodes, choices, tasks, objectives, locations)


def empty_story_view(scene: Scene) -> dict[str, Any]:
    """StoryData for a scene that has no story: built from the scene, nothing stored."""
    return {
        "scene_id": scene.id,
        "intro": _defaults.intro(scene.title, scene.description, scene.language),
        "main_objective": _defaults.main_objective(scene.title, scene.summary, scene.language),
        "current_state": graph.state_label(0, scene.language),
        "progress": 0,
        "nodes": [],
        "tasks": [],
        "locations": [],
        "last_updated": rfc3339(scene.last_updated),
        "current_node_id": None,
        "init_status": "none",
    }


async def story_data(session: AsyncSession, scene: Scene) -> dict[str, Any]:
    snapshot = await load_snapshot(session, scene.id)
    return snapshot.view() if snapshot is not None else empty_story_view(scene)


async def node_content(session: AsyncSession, *, scene_id: str, node_id: str) -> dict[str, Any]:
    """`GET /nodes/:node_id/content`: the node, its full source passage, related items and metadata."""
    node = await get_node(session, scene_id, node_id)
    choices = (
        await session.scalars(select(StoryChoice).where(StoryChoice.node_id == node.id).order_by(StoryChoice.position))
    ).all()
    return {
        "node": node_view(node, choices),
        "content": node.content,
        "original_content": node.original_content,
        "related_item_ids": node.related_item_ids or [],
        "metadata": node.meta or {},
        "character_links": [],  # the reference modelled these and never filled them (spec B27)
        "interaction_triggers": [],
    }


def _tree(tree: graph.TreeNode, choices: dict[str, list[Row[Any]]]) -> dict[str, Any]:
    node = tree.node
    view: dict[str, Any] = {
        "id": node.id,
        "content": node.content or preview(node.original_content, BRANCH_PREVIEW_CHARS),
        "type": node.type,
        "choices": [
            {
                "id": choice.id,
                "text": choice.text,
                "consequence": choice.consequence,
                "selected": choice.selected,
                "next_node_id": choice.next_node_id or "",
            }
            for choice in choices.get(node.id, ())
        ],
        "created_at": rfc3339(node.created_at),
        "is_active": graph.is_revealed(node),
        "abandoned": node.abandoned,
    }
    if tree.children:
        view["children"] = [_tree(child, choices) for child in tree.children]
    return view


def branch_view(snapshot: StorySnapshot) -> dict[str, Any]:
    """The tree of what the player has seen: the current path, and the branches rewinds left (`abandoned`)."""
    story = snapshot.story
    return {
        "scene_id": story.scene_id,
        "intro": story.intro,
        "main_objective": story.main_objective,
        "current_state": story.current_state,
        "progress": story.progress,
        "root_nodes": [_tree(root, snapshot.choices) for root in graph.branch_forest(snapshot.nodes)],
        "current_path": {node.id: True for node in graph.active_path(snapshot.nodes)},
    }


async def branches(session: AsyncSession, scene: Scene) -> dict[str, Any]:
    snapshot = await load_snapshot(session, scene.id, original_limit=BRANCH_PREVIEW_CHARS)
    if snapshot is None:
        empty = empty_story_view(scene)
        keys = ("scene_id", "intro", "main_objective", "current_state", "progress")
        return {**{key: empty[key] for key in keys}, "root_nodes": [], "current_path": {}}
    return branch_view(snapshot)


async def open_choices(session: AsyncSession, *, scene_id: str) -> list[ChoiceView]:
    """The current node's choices not taken yet; `[]` (never null) when there are none."""
    current = await session.scalar(
        select(StoryNode.id)
        .where(StoryNode.scene_id == scene_id, StoryNode.reveal_seq.is_not(None), StoryNode.abandoned.is_(False))
        .order_by(StoryNode.reveal_seq.desc())
        .limit(1)
    )
    if current is None:
        return []
    rows = await session.scalars(
        select(StoryChoice)
        .where(StoryChoice.node_id == current, StoryChoice.selected.is_(False))
        .order_by(StoryChoice.position, StoryChoice.id)
    )
    return [choice_view(choice) for choice in rows.all()]

"""The end of the book, offline: the story stops with an ending node instead of making up more.

A model may continue past the last passage (advancing.py); the offline provider cannot write what the book does
not have, so when every passage is told an advance ends the story: one `ending` node after the current one,
every task and objective resolved, progress 100%. Advancing again answers with the same ending (no empty nodes).
A choice taken once the book is told leads to the ending the same way (choosing.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.principal import Principal
from sceneintruder.providers.llm.provenance import OFFLINE
from sceneintruder.story import _outcome, _state, assembling, broadcast
from sceneintruder.story.models import Story, StoryNode, StoryObjective, StoryTask
from sceneintruder.story.presenters import story_update_view
from sceneintruder.story.runtime import StoryRuntime

if TYPE_CHECKING:
    from datetime import datetime

    from sceneintruder.scenes.service import Scene

ENDING = "ending"
ENDING_TEXT = {
    "en": "The end. You have reached the last page of the book; every thread of this story has been followed.",
    "zh": "（全书完）你已读到本书的最后一页，这个故事的线索都已走完。",
}


async def end_story(runtime: StoryRuntime, *, scene: Scene, principal: Principal) -> dict[str, Any]:
    """`{story_update, story_data}` for the ending (made once); broadcasts `story:updated` when it is new."""
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        current = await _state.current_node(session, scene.id)
        made = current is None or current.type != ENDING
        node = await add_ending(session, story, scene, current) if made else current
        assert node is not None
        await session.commit()
    if made:
        await broadcast.updated(
            runtime.hub, story, reason="advance", user_id=principal.user_id, current_node_id=node.id, node_ids=[node.id]
        )
    update = story_update_view(
        scene.id, node, content=node.content, source="SYSTEM", made_by=OFFLINE, at=node.created_at
    )
    return {"story_update": update, "story_data": await assembling.current_story_data(runtime, scene)}


async def add_ending(session: AsyncSession, story: Story, scene: Scene, after: StoryNode | None) -> StoryNode:
    """The ending node after `after` (the current node, or the node of the choice that led here), every task and
    objective resolved, progress recomputed (100%: every passage is told). The caller commits."""
    now = utcnow()
    node = await _outcome.add_node(
        session,
        story,
        parent_id=after.id if after is not None else None,
        node_type=ENDING,
        content=ENDING_TEXT["zh" if scene.language == "zh" else "en"],
        source="SYSTEM",
        meta={"ending": True},
        made_by=OFFLINE,
        now=now,
    )
    await _resolve_tasks(session, scene.id, now)
    await _state.refresh(session, story, now)
    return node


async def _resolve_tasks(session: AsyncSession, scene_id: str, now: datetime) -> None:
    tasks = list((await session.execute(select(StoryTask).where(StoryTask.scene_id == scene_id))).scalars())
    for task in tasks:
        if task.status != "completed":
            task.status, task.completed_at = "completed", now
    objectives = (
        await session.execute(select(StoryObjective).where(StoryObjective.task_id.in_([task.id for task in tasks])))
    ).scalars()
    for objective in objectives:
        if not objective.completed:
            objective.completed, objective.completed_at = True, now

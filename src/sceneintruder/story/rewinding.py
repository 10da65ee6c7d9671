"""`POST /story/rewind` and `POST /story/nodes/:node_id/insert`: moving back on the path, and pulling a node's
text into the story. One locked transaction each; nothing is deleted.

Rewind goes back to a node of the current path (or `new_start`, its first node). Passages read after it
become unread again; generated nodes after it are archived as an abandoned branch, still shown by
`/story/branches`, and all of them are listed in `removed_node_ids` (the reference always said `[]`, B26).
A choice that led into the abandoned branch is free again (its `next_node_id` still points at the branch).
Messages logged after the point, and those about the removed nodes, are hidden but kept (the reference
deleted them; for `new_start` the whole log). Both forms answer the same shape, a superset of the reference's
two (`story`, `story_data`, `branch_view`, `target_node`, `target_node_id`, `progress`, `current_state`,
`removed_node_ids`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import BadRequest, Conflict
from sceneintruder.core.principal import Principal
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import _state, broadcast, graph, reading
from sceneintruder.story.errors import NodeNotFound
from sceneintruder.story.models import StoryChoice, StoryNode
from sceneintruder.story.presenters import node_view
from sceneintruder.story.runtime import StoryRuntime
from sceneintruder.story.schemas import NEW_START

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sceneintruder.scenes.service import Scene


async def rewind(runtime: StoryRuntime, *, scene: Scene, principal: Principal, node_id: str) -> dict[str, Any]:
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        rows = await _state.graph_rows(session, scene.id)
        target_row = _target(rows, node_id)
        plan = graph.plan_rewind(rows, target_row)
        target = await _state.get_node(session, scene.id, target_row.id)
        later = plan.removed_node_ids
        if plan.unreveal:
            await session.execute(
                update(StoryNode).where(StoryNode.id.in_(plan.unreveal)).values(reveal_seq=None, revealed_at=None)
            )
        if plan.abandon:
            await session.execute(update(StoryNode).where(StoryNode.id.in_(plan.abandon)).values(abandoned=True))
            await session.execute(
                update(StoryChoice)
                .where(StoryChoice.next_node_id.in_(plan.abandon))
                .values(selected=False, selected_at=None)
            )
        cutoff = await _log_cutoff(session, scene.id, later) if later else None
        if node_id == NEW_START:
            cutoff = int((target.meta or {}).get("log_seq", 0))
        if cutoff is not None:
            await scenes_service.hide_messages(session, scene_id=scene.id, after_seq=cutoff, node_ids=later)
        if node_id == NEW_START:
            await scenes_service.append_message(
                session,
                scene_id=scene.id,
                speaker_id="story",
                content=target.content or target.original_content,
                user_id=principal.user_id,
                node_id=target.id,
                conversation_type="story_original",
                metadata={"source": "new_start", "node_id": target.id},
                commit=False,
            )
        await _state.refresh(session, story, utcnow())
        target_view = node_view(target, await _state.node_choices(session, target.id))
        await session.commit()
    async with runtime.db.reader() as session:
        snapshot = await reading.load_snapshot(session, scene.id)
    assert snapshot is not None
    branch_view = reading.branch_view(snapshot)
    await broadcast.updated(
        runtime.hub, story, reason="rewind", user_id=principal.user_id, current_node_id=target.id, node_ids=later
    )
    return {
        "story": snapshot.view(),
        "story_data": branch_view,
        "branch_view": branch_view,
        "target_node": target_view,
        "target_node_id": target.id,
        "progress": story.progress,
        "current_state": story.current_state,
        "removed_node_ids": later,
    }


def _target(rows: Any, node_id: str) -> Any:
    if node_id == NEW_START:
        path = graph.active_path(rows)
        if not path:
            raise NodeNotFound("故事还没有可回溯的节点", details=NEW_START)
        return path[0]
    row = next((row for row in rows if row.id == node_id), None)
    if row is None:
        raise NodeNotFound(details=node_id)
    if not graph.is_revealed(row):
        raise Conflict("只能回溯到当前故事路径上的节点", details=node_id)
    return row


async def _log_cutoff(session: AsyncSession, scene_id: str, node_ids: list[str]) -> int:
    """Where the log stood when the first of these nodes was revealed (without a mark: now, so only the
    messages about these nodes are hidden)."""
    metas = (await session.scalars(select(StoryNode.meta).where(StoryNode.id.in_(node_ids)))).all()
    marks = [int(meta["log_seq"]) for meta in metas if meta and "log_seq" in meta]
    return min(marks) if marks else await scenes_service.last_message_seq(session, scene_id=scene_id)


async def insert(
    runtime: StoryRuntime, *, scene: Scene, principal: Principal, node_id: str, content: str | None
) -> dict[str, Any]:
    """Log the node's text (or `content`) as story narration; a node not read yet is thereby revealed."""
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        node = await _state.get_node(session, scene.id, node_id)
        text = content if content and content.strip() else node.content or node.original_content
        if not text.strip():
            raise BadRequest("节点内容为空", details=node_id)
        if node.abandoned:
            raise Conflict("该节点属于已放弃的分支，请先回溯", details=node_id)
        now = utcnow()
        revealed = node.reveal_seq is None
        if revealed:
            await _state.reveal(session, story, node, now)
        await scenes_service.append_message(
            session,
            scene_id=scene.id,
            speaker_id="story",
            content=text,
            user_id=principal.user_id,
            node_id=node.id,
            conversation_type="story_console",
            metadata={"mode": "story", "source": "sidebar_insert", "node_id": node.id},
            commit=False,
        )
        if revealed:
            await _state.refresh(session, story, now)
        view = node_view(node, await _state.node_choices(session, node.id))
        await session.commit()
    if revealed:
        await broadcast.updated(
            runtime.hub, story, reason="insert", user_id=principal.user_id, current_node_id=node.id, node_ids=[node.id]
        )
    return {"node": view, "content": text}

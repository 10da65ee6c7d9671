"""Loading and updating the story's rows inside a transaction: the helpers every workflow shares.

Callers hold the scene's lock and an open writer session; nothing here commits. After anything that changes
the current path, `refresh` recomputes what is derived from it (progress, state label, rolling summary), so
those are never incremented and never drift (the reference added +5/+10 and lost updates, spec B16).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.ids import is_valid_id
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import graph
from sceneintruder.story._text import bounded_lines, digest
from sceneintruder.story.errors import NodeNotFound, StoryNotFound
from sceneintruder.story.models import Story, StoryChoice, StoryNode, StoryTask

SUMMARY_NODES = 14  # path nodes the rolling summary looks back on
SUMMARY_CHARS = 1200
RECENT_NODES = 2  # the newest path nodes go to prompts whole (clipped), not as summary lines

GRAPH_COLUMNS = (
    StoryNode.id,
    StoryNode.parent_id,
    StoryNode.position,
    StoryNode.segment_index,
    StoryNode.covers_segment,
    StoryNode.reveal_seq,
    StoryNode.abandoned,
)


async def get_story(session: AsyncSession, scene_id: str) -> Story:
    story = await session.get(Story, scene_id)
    if story is None:
        raise StoryNotFound(details=scene_id)
    return story


async def get_node(session: AsyncSession, scene_id: str, node_id: str) -> StoryNode:
    node = await session.get(StoryNode, node_id) if is_valid_id(node_id) else None
    if node is None or node.scene_id != scene_id:
        raise NodeNotFound(details=node_id)
    return node


async def graph_rows(session: AsyncSession, scene_id: str) -> Sequence[Row[*tuple[Any, ...]]]:
    """Every node's place in the graph (no text): what `story.graph` works on."""
    result = await session.execute(
        select(*GRAPH_COLUMNS).where(StoryNode.scene_id == scene_id).order_by(StoryNode.position)
    )
    return result.all()


async def source_text(session: AsyncSession, node_id: str) -> str | None:
    """A node's source passage (None when the node has gone)."""
    return await session.scalar(select(StoryNode.original_content).where(StoryNode.id == node_id))


async def current_node(session: AsyncSession, scene_id: str) -> StoryNode | None:
    """The revealed, non-abandoned node with the highest reveal order (graph.current_node, as a query)."""
    return await session.scalar(
        select(StoryNode)
        .where(StoryNode.scene_id == scene_id, StoryNode.reveal_seq.is_not(None), StoryNode.abandoned.is_(False))
        .order_by(StoryNode.reveal_seq.desc())
        .limit(1)
    )


async def recent_path(session: AsyncSession, scene_id: str, count: int) -> list[StoryNode]:
    """The last `count` nodes of the current path, oldest first."""
    rows = await session.scalars(
        select(StoryNode)
        .where(StoryNode.scene_id == scene_id, StoryNode.reveal_seq.is_not(None), StoryNode.abandoned.is_(False))
        .order_by(StoryNode.reveal_seq.desc())
        .limit(count)
    )
    return list(rows.all())[::-1]


async def next_position(session: AsyncSession, scene_id: str) -> int:
    last = await session.scalar(select(func.max(StoryNode.position)).where(StoryNode.scene_id == scene_id))
    return 0 if last is None else last + 1


async def node_choices(session: AsyncSession, node_id: str) -> list[StoryChoice]:
    rows = await session.scalars(
        select(StoryChoice).where(StoryChoice.node_id == node_id).order_by(StoryChoice.position, StoryChoice.id)
    )
    return list(rows.all())


async def reveal(session: AsyncSession, story: Story, node: StoryNode, now: datetime) -> None:
    """Put `node` at the end of the current path. `log_seq` marks where the message log stood, so a rewind to
    before this node hides exactly what was said from here on."""
    story.reveal_counter += 1
    node.reveal_seq = story.reveal_counter
    node.abandoned = False
    node.revealed_at = now
    node.updated_at = now
    node.meta = {
        **(node.meta or {}),
        "log_seq": await scenes_service.last_message_seq(session, scene_id=story.scene_id),
    }


async def refresh(session: AsyncSession, story: Story, now: datetime) -> None:
    """Recompute progress, the state label and the rolling summary from the rows, after any change."""
    await session.flush()
    nodes = await graph_rows(session, story.scene_id)
    tasks = (await session.execute(select(StoryTask.status).where(StoryTask.scene_id == story.scene_id))).all()
    story.progress = graph.progress(nodes, tasks)
    story.current_state = graph.state_label(story.progress, story.language)
    path = await recent_path(session, story.scene_id, SUMMARY_NODES)
    earlier = path[:-RECENT_NODES] if len(path) > RECENT_NODES else []
    lines = [f"- {digest(node.content or node.original_content)}" for node in earlier]
    story.rolling_summary = "\n".join(bounded_lines([line for line in lines if len(line) > 2], SUMMARY_CHARS))
    story.last_updated = now


def in_flight(choice: StoryChoice) -> bool:
    """Selected, and its node not stored yet: a choice whose model call is running."""
    return choice.selected and choice.next_node_id is None

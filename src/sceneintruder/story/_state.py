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
DIGEST_SOURCE_CHARS = 4000  # of a node's text read for its summary line (a digest takes its first ~160)

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
    """Recompute progress, the state label and the rolling summary from the rows, after any change: two
    statements, whatever the story's size (its counts in one, the path's last texts, clipped, in the other)."""
    await session.flush()
    story.progress = graph.progress_of(*(await _progress_counts(session, story.scene_id)))
    story.current_state = graph.state_label(story.progress, story.language)
    texts = await recent_texts(session, story.scene_id, SUMMARY_NODES, DIGEST_SOURCE_CHARS)
    earlier = texts[:-RECENT_NODES] if len(texts) > RECENT_NODES else []
    lines = [f"- {digest(text)}" for text in earlier]
    story.rolling_summary = "\n".join(bounded_lines([line for line in lines if len(line) > 2], SUMMARY_CHARS))
    story.last_updated = now


async def _progress_counts(session: AsyncSession, scene_id: str) -> tuple[int, int, int, int]:
    """graph.progress's counts in one statement: passages told on the current path (a passage revealed, or one a
    revealed written node told in its place) of the book's, and tasks completed of all."""
    passages = select(StoryNode.segment_index).where(
        StoryNode.scene_id == scene_id, StoryNode.segment_index.is_not(None)
    )
    told_index = func.coalesce(StoryNode.segment_index, StoryNode.covers_segment)
    told = (
        select(func.count(func.distinct(told_index)))
        .where(StoryNode.scene_id == scene_id, StoryNode.reveal_seq.is_not(None), StoryNode.abandoned.is_(False))
        .where(told_index.in_(passages))
        .scalar_subquery()
    )
    total = select(func.count(func.distinct(StoryNode.segment_index))).where(
        StoryNode.scene_id == scene_id, StoryNode.segment_index.is_not(None)
    )
    tasks = select(func.count(StoryTask.id)).where(StoryTask.scene_id == scene_id)
    done = select(func.count(StoryTask.id)).where(StoryTask.scene_id == scene_id, StoryTask.status == "completed")
    row = (
        await session.execute(select(told, total.scalar_subquery(), done.scalar_subquery(), tasks.scalar_subquery()))
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


async def recent_texts(session: AsyncSession, scene_id: str, count: int, chars: int) -> list[str]:
    """The text of the last `count` nodes of the current path (what was written, else the source passage), each
    read only up to `chars` characters, oldest first."""
    rows = await session.execute(
        select(func.substr(StoryNode.content, 1, chars), func.substr(StoryNode.original_content, 1, chars))
        .where(StoryNode.scene_id == scene_id, StoryNode.reveal_seq.is_not(None), StoryNode.abandoned.is_(False))
        .order_by(StoryNode.reveal_seq.desc())
        .limit(count)
    )
    return [content or original or "" for content, original in rows.all()][::-1]


def in_flight(choice: StoryChoice) -> bool:
    """Selected, and its node not stored yet: a choice whose model call is running."""
    return choice.selected and choice.next_node_id is None

"""The writes of a story choice as Core statements on the session's connection (`await session.connection()`,
taken once per transaction), built once.

A choice is the story's hot path: its claim writes one row, its store one node, its choices, the claim's
`next_node_id` and the story row. Written by the ORM's unit of work, that is some 0.5 ms of Python per
transaction (1 ms after the idle wait for the model) for what SQLite runs in 0.1 ms. Rows the ORM did not write
are not seen by the read caches' flush hook: the caller names what its writes changed (`touched`), and the
caches drop it when the transaction commits, as for any ORM write. Each is a `db.prepared.Prepared` statement: on
SQLite the driver runs it without SQLAlchemy's per-statement execution (some 50 µs each).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sceneintruder.db.base import Base, insert_values
from sceneintruder.db.prepared import Prepared
from sceneintruder.story.models import Story, StoryChoice, StoryNode
from sceneintruder.story.runtime import StoryRuntime

_CLAIM = Prepared(
    update(StoryChoice)
    .where(StoryChoice.id == bindparam("choice_id"))
    .values(selected=True, selected_at=bindparam("now", type_=StoryChoice.selected_at.type), next_node_id=None)
)
_UNCLAIM = Prepared(
    update(StoryChoice).where(StoryChoice.id == bindparam("choice_id")).values(selected=False, selected_at=None)
)
_LED_TO = Prepared(
    update(StoryChoice).where(StoryChoice.id == bindparam("choice_id")).values(next_node_id=bindparam("led_to"))
)
_STORY_AFTER_MOVE = Prepared(
    update(Story)
    .where(Story.scene_id == bindparam("story_id"))
    .values(
        progress=bindparam("new_progress"),
        current_state=bindparam("new_state"),
        rolling_summary=bindparam("new_summary"),
        last_updated=bindparam("new_updated", type_=Story.last_updated.type),
        reveal_counter=bindparam("new_counter"),
    )
)


@functools.cache
def _insert(model: type[Base], columns: tuple[str, ...]) -> Prepared:
    """The INSERT of a row of `model` with these columns set (a column left out must have no default to compute in
    Python: `Prepared` refuses the statement otherwise)."""
    return Prepared(insert(model), column_keys=columns)


def touched(
    runtime: StoryRuntime, session: AsyncSession, scene_id: str, node_ids: Iterable[str], *, context: bool
) -> None:
    """The scene's StoryData and these nodes' JSON are dropped from the read caches when the session commits, and
    the next choice's prompt context if `context` (the writes changed what a prompt reads: not a claim's)."""
    runtime.views.touch(session.sync_session, [scene_id])
    runtime.node_views.touch(session.sync_session, node_ids)
    if context:
        runtime.contexts.touch(session.sync_session, [scene_id])


async def claim(connection: AsyncConnection, choice_id: str, now: datetime) -> None:
    """The choice is taken and its model call running (selected, no node yet)."""
    await _CLAIM.execute(connection, {"choice_id": choice_id, "now": now})


async def unclaim(connection: AsyncConnection, choice_id: str) -> None:
    await _UNCLAIM.execute(connection, {"choice_id": choice_id})


async def insert_node(
    connection: AsyncConnection, node: StoryNode, choices: list[StoryChoice], *, led_from: str
) -> None:
    """A node built whole in memory (not in the session) with its choices; the choice `led_from` leads to it."""
    values = insert_values(node)
    await _insert(StoryNode, tuple(values)).execute(connection, values)
    if choices:
        rows = [insert_values(choice) for choice in choices]
        columns = tuple(rows[0])
        if any(tuple(row) != columns for row in rows):
            raise ValueError("the choices of a node are built alike: the same columns set on each")
        await _insert(StoryChoice, columns).executemany(connection, rows)
    await _LED_TO.execute(connection, {"choice_id": led_from, "led_to": node.id})


async def story_after_move(connection: AsyncConnection, story: Story) -> None:
    """What `_state.refresh` recomputed on a story row read as columns (not in the session)."""
    await _STORY_AFTER_MOVE.execute(
        connection,
        {
            "story_id": story.scene_id,
            "new_progress": story.progress,
            "new_state": story.current_state,
            "new_summary": story.rolling_summary,
            "new_updated": story.last_updated,
            "new_counter": story.reveal_counter,
        },
    )

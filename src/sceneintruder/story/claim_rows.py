"""What a choice's claim reads of the node it is taken on: its choices, the node's place on the path and that of
any node a choice led to, and the node and its choices as StoryData encodes them, in one Core statement built once
(the ORM's identity map and unit of work cost more Python than SQLite takes to run it; on SQLite the driver runs it
directly, `db.prepared`); and the rule that says
whether a decision is already taken there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from sceneintruder.core.ids import is_valid_id
from sceneintruder.db.prepared import Prepared
from sceneintruder.story.errors import NodeNotFound
from sceneintruder.story.models import StoryChoice, StoryNode
from sceneintruder.story.node_rows import ENCODED_CHOICE_COLUMNS, ENCODED_NODE_COLUMNS, ChoiceRow, NodeRow

IN_FLIGHT_EXPIRES = timedelta(minutes=10)  # a claim older than this (a crashed request) no longer blocks the node


class ChoiceState(NamedTuple):
    """One of the node's choices as the claim reads it, with the node's place on the path and (if the choice
    led somewhere) that node's."""

    node_scene_id: str
    node_reveal_seq: int | None
    node_abandoned: bool
    id: str | None  # None: the node has no choices (the row is the node's alone)
    text: str
    consequence: str
    next_node_hint: str
    selected: bool
    selected_at: datetime | None
    next_node_id: str | None
    led_reveal_seq: int | None
    led_abandoned: bool | None


_LED_TO = aliased(StoryNode)
# Read on the claim's connection (its write is `_writes.claim`).
_CLAIM_ROWS = Prepared(
    select(
        StoryNode.scene_id,
        StoryNode.reveal_seq,
        StoryNode.abandoned,
        StoryChoice.id,
        StoryChoice.text,
        StoryChoice.consequence,
        StoryChoice.next_node_hint,
        StoryChoice.selected,
        StoryChoice.selected_at,
        StoryChoice.next_node_id,
        _LED_TO.reveal_seq,
        _LED_TO.abandoned,
        *ENCODED_NODE_COLUMNS,  # the node and its choices as StoryData encodes them, for the store to start from
        *ENCODED_CHOICE_COLUMNS,
    )
    .outerjoin(StoryChoice, StoryChoice.node_id == StoryNode.id)
    .outerjoin(_LED_TO, _LED_TO.id == StoryChoice.next_node_id)
    .where(StoryNode.id == bindparam("node_id"))
    .order_by(StoryChoice.position, StoryChoice.id)
)


_NODE_AT = len(ChoiceState._fields)
_CHOICE_AT = _NODE_AT + len(ENCODED_NODE_COLUMNS)
NodeRows = tuple[NodeRow, list[ChoiceRow]]


async def read(connection: AsyncConnection, scene_id: str, node_id: str) -> tuple[list[ChoiceState], NodeRows]:
    """The node's choices (NodeNotFound if the node is not this story's), and the node and its choices as StoryData
    encodes them."""
    found = await _CLAIM_ROWS.rows(connection, {"node_id": node_id}) if is_valid_id(node_id) else []
    rows = [ChoiceState._make(row[:_NODE_AT]) for row in found]
    if not rows or rows[0].node_scene_id != scene_id:
        raise NodeNotFound(details=node_id)
    encoded = [ChoiceRow._make(row[_CHOICE_AT:]) for row in found if row[_CHOICE_AT] is not None]
    return [row for row in rows if row.id is not None], (NodeRow._make(found[0][_NODE_AT:_CHOICE_AT]), encoded)


def decision_taken(rows: list[ChoiceState], now: datetime) -> str | None:
    """The node's choice that decided it on the current path, or is deciding it now (a fresh claim)."""
    for row in rows:
        if not row.selected:
            continue
        if row.next_node_id is None:
            if row.selected_at is None or now - row.selected_at < IN_FLIGHT_EXPIRES:
                return row.id
            continue
        if row.led_reveal_seq is not None and not row.led_abandoned:
            return row.id
    return None

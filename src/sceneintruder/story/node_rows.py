"""Nodes and choices as column rows, in the shape StoryData's node JSON is encoded from.

Read through the Core connection (no ORM identity map): a rebuild of StoryData reads thousands of them, and a
choice's store reads the node it was taken on. Columns are labelled with their attribute names (`meta`, not the
column's `metadata`), so the rows look like the ORM's objects to the presenters; timestamps come formatted by
the database (`rfc3339_text`: no datetime is built per row); JSON columns come as their stored text, passed into
the node's JSON as it is (`orjson.Fragment`), not decoded to be encoded again; a node's source passage is cut to
the preview StoryData shows.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import orjson
from sqlalchemy import JSON, Text, TypeDecorator, cast, func, type_coerce

from sceneintruder.db.base import rfc3339_text
from sceneintruder.story.models import StoryChoice, StoryNode
from sceneintruder.story.presenters import ORIGINAL_PREVIEW_CHARS

NODE_COLUMNS = (
    StoryNode.id,
    StoryNode.scene_id,
    StoryNode.parent_id,
    StoryNode.position,
    StoryNode.segment_index,
    StoryNode.type,
    StoryNode.content,
    StoryNode.content_source,
    StoryNode.source,
    StoryNode.reveal_seq,
    StoryNode.abandoned,
    StoryNode.related_item_ids,
    StoryNode.meta,
    StoryNode.created_at,
)
CHOICE_COLUMNS = tuple(getattr(StoryChoice, column.key) for column in StoryChoice.__mapper__.column_attrs)


class _RawJson(TypeDecorator[Any]):
    """A JSON column read as its stored text; None when empty, as the presenters take an empty value."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None or value in EMPTY_JSON else orjson.Fragment(value)


EMPTY_JSON = frozenset({"{}", "[]", "null"})  # stored JSON the presenters take as empty


def _labelled(columns: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        rfc3339_text(column).label(column.key)
        if column.key.endswith("_at")
        else type_coerce(cast(column, Text), _RawJson()).label(column.key)
        if isinstance(column.type, JSON)
        else column.label(column.key)
        for column in columns
    )


def _row_type(name: str, columns: tuple[Any, ...]) -> Any:
    return namedtuple(name, [column.key for column in columns])


_ORIGINAL = func.substr(StoryNode.original_content, 1, ORIGINAL_PREVIEW_CHARS + 1).label("original_content")
ENCODED_NODE_COLUMNS = (*_labelled(NODE_COLUMNS), _ORIGINAL)
ENCODED_CHOICE_COLUMNS = _labelled(CHOICE_COLUMNS)
# Rows become named tuples before the presenters read them: a SQLAlchemy Row's attribute access costs ~0.4 us,
# a named tuple's ~0.04 us, and a story's thousands of nodes and choices are read a dozen attributes each.
NodeRow = _row_type("NodeRow", ENCODED_NODE_COLUMNS)
ChoiceRow = _row_type("ChoiceRow", ENCODED_CHOICE_COLUMNS)

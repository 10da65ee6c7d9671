"""Each node's StoryData JSON made by SQLite itself, with its JSON functions, for reads of many nodes at once.

A cold `GET /story` of a thousand nodes (a server that just started, a story no cache holds) spent most of its
time turning the rows into Python: some 3,300 rows and 40,000 values fetched into objects, wrapped as rows, made
into dicts (`presenters.node_view`) and encoded node by node. Here the database answers each node as one text,
its JSON as `node_view` writes it: the same keys in the same order, the same optional keys (`parent_id`, a
choice's `next_node_id` and `metadata`), the same booleans, timestamps (`db.base.rfc3339_text`) and preview of the
source passage, the choices in their order. The test compares the two encoders on awkward values.

Numbers: a choice's `impact` is written as SQLite writes a REAL (15 significant digits) when that reads back as
the same double, else with 17 digits: the value is orjson's, the characters not always (`1.0e-07` for `1e-7`).
(SQLite's printf is not exact at the very ends of the double range, near 1.8e308; an impact is a small number.)

SQLite only (3.38 and later build the JSON functions in); other databases use the Python encoder
(`assembling.encode_node`). Both fill the same per-node cache, so a story may be served from a mix of the two.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
)
from sqlalchemy.sql import Select

from sceneintruder.db.base import rfc3339_text
from sceneintruder.story.models import StoryChoice, StoryNode
from sceneintruder.story.node_rows import EMPTY_JSON
from sceneintruder.story.presenters import ORIGINAL_PREVIEW_CHARS

SQLITE_HAS_JSON = sqlite3.sqlite_version_info >= (3, 38, 0)


def available(dialect_name: str) -> bool:
    """Whether nodes can be encoded by the database of this dialect."""
    return dialect_name == "sqlite" and SQLITE_HAS_JSON


def _text(value: str) -> ColumnElement[Any]:
    """A constant written into the statement (keys and the like: fixed words, never input)."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


_TRUE, _FALSE = func.json(_text("true")), func.json(_text("false"))


def _boolean(condition: Any) -> ColumnElement[Any]:
    return case((condition, _TRUE), else_=_FALSE)


def _stored_json(column: Any) -> ColumnElement[Any]:
    return cast(column, Text)


def _is_empty(text: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(text.is_(None), text.in_([_text(empty) for empty in sorted(EMPTY_JSON)]))


def _object(pairs: Sequence[tuple[str, Any]], optional: Sequence[tuple[str, Any, ColumnElement[bool]]]) -> Any:
    """json_object of `pairs`, then each optional (key, value, present) pair in order when present: one CASE
    branch per combination, so SQLite builds the object once (json_patch would parse it again)."""
    if not optional:
        return func.json_object(*itertools.chain.from_iterable((_text(key), value) for key, value in pairs))
    whens = []
    for present in itertools.product((True, False), repeat=len(optional)):
        chosen = [(key, value) for (key, value, _), keep in zip(optional, present, strict=True) if keep]
        condition = and_(*(cond if keep else not_(cond) for (_, _, cond), keep in zip(optional, present, strict=True)))
        whens.append((condition, _object([*pairs, *chosen], [])))
    *rest, (_, last) = whens
    return case(*rest, else_=last)


def _impact(column: Any) -> ColumnElement[Any]:
    """The REAL as a JSON number with the same value: SQLite's own writing (15 digits) when exact, else 17 (the `!`
    lifts SQLite's printf above its usual 16 digits)."""
    return case(
        (cast(func.printf(_text("%.15g"), column), StoryChoice.impact.type) == column, column),
        else_=func.json(func.printf(_text("%!.17g"), column)),
    )


def _choice_json() -> Any:
    meta = _stored_json(StoryChoice.meta)
    return _object(
        [
            ("id", StoryChoice.id),
            ("text", StoryChoice.text),
            ("consequence", StoryChoice.consequence),
            ("next_node_hint", StoryChoice.next_node_hint),
            ("selected", _boolean(StoryChoice.selected)),
            ("is_selected", _boolean(StoryChoice.selected)),
            ("created_at", rfc3339_text(StoryChoice.created_at)),
            ("description", StoryChoice.description),
            ("type", StoryChoice.type),
            ("impact", _impact(StoryChoice.impact)),
            ("order", StoryChoice.position),
            ("source", StoryChoice.source),
        ],
        [
            ("next_node_id", StoryChoice.next_node_id, func.coalesce(StoryChoice.next_node_id, _text("")) != _text("")),
            ("metadata", func.json(meta), not_(_is_empty(meta))),
        ],
    )


def _choices_json() -> Any:
    """The node's choices as a JSON array, in their order (position, then id)."""
    ordered = (
        select(_choice_json().label("choice"))
        .where(StoryChoice.node_id == StoryNode.id)
        .order_by(StoryChoice.position, StoryChoice.id)
        .correlate(StoryNode)
        .subquery()
    )
    return select(func.json_group_array(func.json(ordered.c.choice))).scalar_subquery()


def _preview(column: Any) -> ColumnElement[Any]:
    limit = ORIGINAL_PREVIEW_CHARS
    return case(
        (func.length(column) <= literal_column(str(limit)), column),
        else_=func.substr(column, literal_column("1"), literal_column(str(limit))).concat(_text("...")),
    )


def _json_or(column: Any, empty: str) -> ColumnElement[Any]:
    text = _stored_json(column)
    return func.json(case((_is_empty(text), _text(empty)), else_=text))


def _node_json() -> Any:
    return _object(
        [
            ("id", StoryNode.id),
            ("scene_id", StoryNode.scene_id),
            ("content", StoryNode.content),
            ("original_content", _preview(StoryNode.original_content)),
            ("type", StoryNode.type),
            ("choices", _choices_json()),
            ("is_revealed", _boolean(and_(StoryNode.reveal_seq.is_not(None), not_(StoryNode.abandoned)))),
            ("abandoned", _boolean(StoryNode.abandoned)),
            ("created_at", rfc3339_text(StoryNode.created_at)),
            ("source", StoryNode.source),
            ("metadata", _json_or(StoryNode.meta, "{}")),
            ("related_item_ids", _json_or(StoryNode.related_item_ids, "[]")),
        ],
        [("parent_id", StoryNode.parent_id, func.coalesce(StoryNode.parent_id, _text("")) != _text(""))],
    )


def _statement() -> Select[str, bytes]:
    # As a BLOB: the UTF-8 bytes as SQLite holds them, with no str made and encoded again in Python.
    return select(StoryNode.id, cast(_node_json(), LargeBinary).label("json"))


# Built once (see _state on why): every node of a scene; the nodes of a list of ids.
STORY_NODES_JSON = _statement().where(StoryNode.scene_id == bindparam("scene_id"))
NODES_JSON_IN = _statement().where(StoryNode.id.in_(bindparam("ids", expanding=True)))

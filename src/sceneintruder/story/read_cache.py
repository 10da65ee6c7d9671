"""StoryData as JSON, cached per scene, and each node's JSON, cached per node; both dropped by the ORM itself
when a story row they were built from commits (see db.commit_cache).

`GET /story` of a book of a thousand passages is some 1.7 MB; the page reads it after every move. The whole
StoryData is cached per scene: any committed change to the story, its nodes, choices, tasks, objectives or
locations, from any code path, drops it. Rebuilding it after a move then re-encodes only the nodes that
changed (a node's JSON is its row and its choices: a change to either drops that node's entry), so the answer
to a choice does not cost a reading of the whole book. Choices and
objectives carry no scene id: theirs is found through their node or task in the session; when that is not
loaded, the whole cache is dropped (always correct, rarely needed: every workflow loads the node or task it
changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from sceneintruder.db.commit_cache import UNKNOWN, CommitInvalidatedCache
from sceneintruder.story.models import Story, StoryChoice, StoryLocation, StoryNode, StoryObjective, StoryTask

_WITH_SCENE = (Story, StoryNode, StoryTask, StoryLocation)
STORY_TABLES = frozenset(model.__tablename__ for model in (*_WITH_SCENE, StoryChoice, StoryObjective))


def _through(session: Session, model: type, ident: str | None) -> Any:
    owner = session.identity_map.get(identity_key(model, ident)) if ident else None
    return owner.scene_id if owner is not None else UNKNOWN


def scene_of(session: Session, row: Any) -> Any:
    if isinstance(row, _WITH_SCENE):
        return row.scene_id
    if isinstance(row, StoryChoice):
        return _through(session, StoryNode, row.node_id)
    if isinstance(row, StoryObjective):
        return _through(session, StoryTask, row.task_id)
    return None


class OrderRow(NamedTuple):
    """A node's place in StoryData's `nodes` (position order) and on the path. A named tuple: a rebuild makes one
    per node (a frozen dataclass's __init__ cost ~1 us each, 1.3 ms for a book of 1,100 nodes)."""

    id: str
    reveal_seq: int | None
    abandoned: bool


@dataclass(frozen=True)
class StoryLayout:
    """What a StoryData was assembled from, kept with it so that a move that only adds a node can answer by
    changing it rather than reading the story again (`assembling.after_choice`)."""

    order: tuple[OrderRow, ...]  # every node, in position order
    nodes: Mapping[str, bytes]  # each node's JSON
    task_views: list[Any]
    location_views: list[Any]


@dataclass(frozen=True)
class StoryJson:
    payload: bytes  # StoryData as JSON
    layout: StoryLayout


class StoryReadCache(CommitInvalidatedCache[StoryJson | None]):
    def __init__(self, *, max_entries: int = 256, ttl_seconds: float = 30.0) -> None:
        super().__init__(
            name="story_read_cache",
            tables=STORY_TABLES,
            key_of=scene_of,
            max_entries=max_entries,
            ttl_seconds=ttl_seconds,
        )


def _node_of(_session: Session, row: Any) -> str | None:
    if isinstance(row, StoryNode):
        return row.id
    if isinstance(row, StoryChoice):
        return row.node_id
    return None


class NodeJsonCache(CommitInvalidatedCache[bytes]):
    def __init__(self, *, max_entries: int = 20_000, ttl_seconds: float = 30.0) -> None:
        super().__init__(
            name="story_node_json",
            tables=frozenset({StoryNode.__tablename__, StoryChoice.__tablename__}),
            key_of=_node_of,
            max_entries=max_entries,
            ttl_seconds=ttl_seconds,
        )

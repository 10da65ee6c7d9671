"""Loading and updating the story's rows inside a transaction: the helpers every workflow shares.

Callers hold the scene's lock and an open writer session; nothing here commits. After anything that changes
the current path, `refresh` recomputes what is derived from it (progress, state label, rolling summary), so
those are never incremented and never drift (the reference added +5/+10 and lost updates, spec B16).

The statements a story move runs are built once, here, with bound parameters (`bindparam`): building a
SELECT of SQLAlchemy's expression language costs 0.15-0.5 ms of Python per call (its cache key included),
several times what SQLite takes to run it; a statement built once is keyed once and compiled once.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BindParameter, Integer, Row, Select, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.ids import is_valid_id
from sceneintruder.db.base import unsaved
from sceneintruder.db.json_bundle import JsonBundle
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import graph
from sceneintruder.story._text import bounded_lines, digest
from sceneintruder.story.errors import NodeNotFound, StoryNotFound
from sceneintruder.story.models import Story, StoryChoice, StoryNode, StoryTask
from sceneintruder.story.node_rows import ENCODED_CHOICE_COLUMNS, ENCODED_NODE_COLUMNS, ChoiceRow, NodeRow

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


_SCENE: BindParameter[str] = bindparam("scene_id")
_ON_PATH = (StoryNode.reveal_seq.is_not(None), StoryNode.abandoned.is_(False))  # revealed on the current path
_TOLD_INDEX = func.coalesce(StoryNode.segment_index, StoryNode.covers_segment)  # the passage a node told

_GRAPH_ROWS = select(*GRAPH_COLUMNS).where(StoryNode.scene_id == _SCENE).order_by(StoryNode.position)
NEXT_SOURCE = (
    select(StoryNode.id, StoryNode.segment_index, StoryNode.original_content)
    .where(
        StoryNode.scene_id == _SCENE,
        StoryNode.segment_index.is_not(None),
        StoryNode.segment_index
        > func.coalesce(
            select(func.max(_TOLD_INDEX)).where(StoryNode.scene_id == _SCENE, *_ON_PATH).scalar_subquery(), -1
        ),
        or_(StoryNode.reveal_seq.is_(None), StoryNode.abandoned.is_(True)),
    )
    .order_by(StoryNode.segment_index)
    .limit(1)
)
HAS_BOOK = select(exists().where(StoryNode.scene_id == _SCENE, StoryNode.segment_index.is_not(None)))
_CURRENT_NODE = (
    select(StoryNode).where(StoryNode.scene_id == _SCENE, *_ON_PATH).order_by(StoryNode.reveal_seq.desc()).limit(1)
)
_LAST_POSITION = select(func.max(StoryNode.position)).where(StoryNode.scene_id == _SCENE)
_NODE_CHOICES = (
    select(StoryChoice)
    .where(StoryChoice.node_id == bindparam("node_id"))
    .order_by(StoryChoice.position, StoryChoice.id)
)
_PASSAGES = (
    select(StoryNode.segment_index)
    .where(StoryNode.scene_id == _SCENE, StoryNode.segment_index.is_not(None))
    .correlate(None)
)
# graph.progress's counts: passages told on the current path (a passage revealed, or one a revealed written node
# told in its place) of the book's, and tasks completed of all. Never correlated: they count the whole story
# wherever they stand (in the path's rows below, too).
_COUNTS = (
    select(func.count(func.distinct(_TOLD_INDEX)))
    .where(StoryNode.scene_id == _SCENE, *_ON_PATH, _TOLD_INDEX.in_(_PASSAGES))
    .correlate(None)
    .scalar_subquery(),
    select(func.count(func.distinct(StoryNode.segment_index)))
    .where(StoryNode.scene_id == _SCENE, StoryNode.segment_index.is_not(None))
    .correlate(None)
    .scalar_subquery(),
    select(func.count(StoryTask.id))
    .where(StoryTask.scene_id == _SCENE, StoryTask.status == "completed")
    .correlate(None)
    .scalar_subquery(),
    select(func.count(StoryTask.id)).where(StoryTask.scene_id == _SCENE).correlate(None).scalar_subquery(),
)
_PROGRESS_COUNTS = select(*_COUNTS)
_MARKS = (
    select(func.max(StoryNode.position)).where(StoryNode.scene_id == _SCENE).correlate(None).scalar_subquery(),
    scenes_service.last_message_seq_column(_SCENE),
)
_CHARS: BindParameter[int] = bindparam("chars", type_=Integer)
RECENT_TEXTS = (
    select(func.substr(StoryNode.content, 1, _CHARS), func.substr(StoryNode.original_content, 1, _CHARS))
    .where(StoryNode.scene_id == _SCENE, *_ON_PATH)
    .order_by(StoryNode.reveal_seq.desc())
    .limit(bindparam("count", type_=Integer))
)
RECENT_TEXTS_AND_COUNTS = RECENT_TEXTS.add_columns(*_COUNTS)  # the same counts on every row


# The story with its marks, the path's state (refresh's counts, the last passage told on it, its last texts), one
# node of it and the node's choices (a row per choice; the node's columns NULL if it is not this story's): what a
# choice's store reads first, in one statement of Core columns (the node and its choices as StoryData encodes
# them, `node_rows`). Built per dialect: the path's texts come as one JSON array (db.json_bundle).
_STORY_COLUMNS = tuple(getattr(Story, column.key) for column in Story.__mapper__.column_attrs)
_MAX_TOLD = (
    select(func.max(_TOLD_INDEX)).where(StoryNode.scene_id == _SCENE, *_ON_PATH).correlate(None).scalar_subquery()
)
_RECENT = JsonBundle({"recent": (RECENT_TEXTS, (StoryNode.reveal_seq.desc(),))})
_STORY_KEYS = tuple(column.key for column in _STORY_COLUMNS)
_MARKS_AT = len(_STORY_COLUMNS)
_NODE_AT = _MARKS_AT + len(_MARKS) + len(_COUNTS) + 2  # then _MAX_TOLD and the recent texts' column
_CHOICE_AT = _NODE_AT + len(ENCODED_NODE_COLUMNS)
_story_node_statements: dict[str, Select[Any]] = {}


def _story_node_choices(dialect: str) -> Select[Any]:
    built = _story_node_statements.get(dialect)
    if built is None:
        statement: Select[Any] = (
            select(
                *_STORY_COLUMNS,
                *_MARKS,
                *_COUNTS,
                _MAX_TOLD,
                *_RECENT.columns(dialect),
                *ENCODED_NODE_COLUMNS,
                *ENCODED_CHOICE_COLUMNS,
            )
            .select_from(Story)
            .outerjoin(StoryNode, (StoryNode.id == bindparam("node_id")) & (StoryNode.scene_id == Story.scene_id))
            .outerjoin(StoryChoice, StoryChoice.node_id == StoryNode.id)
            .where(Story.scene_id == _SCENE)
            .order_by(StoryChoice.position, StoryChoice.id)
        )
        built = _story_node_statements[dialect] = statement
    return built


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


@dataclass(frozen=True)
class PathState:
    """What `refresh` reads, as it stood before a step added a node."""

    counts: tuple[int, int, int, int]  # passages told on the path, the book's passages, tasks done, tasks
    last_told: int | None  # the highest passage index told on the path
    recent: list[tuple[str, str]]  # the path's last SUMMARY_NODES texts (content, original; clipped), newest first


@dataclass(frozen=True)
class StoryAndNode:
    story: Story  # not in the session: what the step writes on it, it writes itself
    next_position: int  # the position the story's next node takes
    log_seq: int  # where the message log stands (what `reveal` marks on a node)
    path: PathState
    node: NodeRow | None  # None: no such node in this story
    choices: list[ChoiceRow]


async def story_and_node(session: AsyncSession, scene_id: str, node_id: str) -> StoryAndNode:
    """The story, its marks and its path's state (uncorrelated scalar subqueries as columns), the node and its
    choices, in one Core statement (StoryNotFound; a node missing or another story's is None)."""
    params = {
        "scene_id": scene_id,
        "node_id": node_id if is_valid_id(node_id) else "",
        "chars": DIGEST_SOURCE_CHARS,
        "count": SUMMARY_NODES,
    }
    connection = await session.connection()
    statement = _story_node_choices(connection.dialect.name)
    rows = (await connection.execute(statement, params)).all()
    if not rows:
        raise StoryNotFound(details=scene_id)
    first = rows[0]
    story = unsaved(Story, dict(zip(_STORY_KEYS, first, strict=False)))
    last, log_seq, told, passages, done, tasks, last_told, recent = first[_MARKS_AT:_NODE_AT]
    path = PathState(
        (int(told or 0), int(passages or 0), int(done or 0), int(tasks or 0)),
        last_told,
        [(content, original) for content, original in _RECENT.decode([recent])["recent"]],
    )
    node = NodeRow._make(first[_NODE_AT:_CHOICE_AT]) if first[_NODE_AT] is not None else None
    choices = [ChoiceRow._make(row[_CHOICE_AT:]) for row in rows if row[_CHOICE_AT] is not None]
    return StoryAndNode(story, 0 if last is None else last + 1, int(log_seq or 0), path, node, choices)


@dataclass(frozen=True)
class KeptMove:
    """What a choice's store read, as the next store would read it after this one's commit (the story row's
    columns, its marks, the path's state): kept with the next prompt context (story.context_cache)."""

    story: dict[str, Any]
    next_position: int
    log_seq: int
    path: PathState

    @staticmethod
    def after(story: Story, read: StoryAndNode, path: PathState) -> KeptMove:
        """After a step that added one node (at `read.next_position`) to `read`, leaving `story` and `path`."""
        columns = _copied({key: getattr(story, key) for key in _STORY_KEYS})
        return KeptMove(columns, read.next_position + 1, read.log_seq, path)


def _copied(values: dict[str, Any]) -> dict[str, Any]:
    """The values, with their JSON lists and objects copied (neither side may change the other's)."""
    return {key: copy.deepcopy(value) if isinstance(value, dict | list) else value for key, value in values.items()}


def kept_story(kept: KeptMove, node: NodeRow | None, choices: list[ChoiceRow]) -> StoryAndNode:
    """`story_and_node` from what was kept and the node and its choices as known."""
    return StoryAndNode(unsaved(Story, _copied(kept.story)), kept.next_position, kept.log_seq, kept.path, node, choices)


async def graph_rows(session: AsyncSession, scene_id: str) -> Sequence[Row[*tuple[Any, ...]]]:
    """Every node's place in the graph (no text): what `story.graph` works on."""
    return (await session.execute(_GRAPH_ROWS, {"scene_id": scene_id})).all()


@dataclass(frozen=True)
class NextSource:
    """The book's next passage for a step (`graph.next_source_node`): `NEXT_SOURCE`, and `HAS_BOOK` when nothing
    is left to tell, read by `context.gather_ahead`."""

    node_id: str | None  # None: every passage is told, or the story has no book
    segment_index: int | None
    text: str | None  # its source passage
    has_book: bool  # the story has source passages at all (a shell scene's has none)


async def current_node(session: AsyncSession, scene_id: str) -> StoryNode | None:
    """The revealed, non-abandoned node with the highest reveal order (graph.current_node, as a query)."""
    return await session.scalar(_CURRENT_NODE, {"scene_id": scene_id})


async def next_position(session: AsyncSession, scene_id: str) -> int:
    last = await session.scalar(_LAST_POSITION, {"scene_id": scene_id})
    return 0 if last is None else last + 1


async def node_choices(session: AsyncSession, node_id: str) -> list[StoryChoice]:
    return list((await session.scalars(_NODE_CHOICES, {"node_id": node_id})).all())


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


async def refresh(session: AsyncSession, story: Story, now: datetime, *, reveal_counter: int | None = None) -> None:
    """Recompute progress, the state label and the rolling summary from the rows, after any change: one statement
    whatever the story's size (the path's last texts, clipped, each row carrying the story's counts).
    `reveal_counter`: the story's new counter, set here after the flush, so that the story row is written once,
    at commit, with everything else that changed on it."""
    await session.flush()
    params = {"scene_id": story.scene_id, "chars": DIGEST_SOURCE_CHARS, "count": SUMMARY_NODES}
    connection = await session.connection()  # column rows: a Core read
    rows = (await connection.execute(RECENT_TEXTS_AND_COUNTS, params)).all()
    counts = tuple(rows[0][2:]) if rows else (await connection.execute(_PROGRESS_COUNTS, params)).one()
    told, passages, done, tasks = (int(count or 0) for count in counts)
    _derive(story, [(content, original) for content, original, *_ in rows], (told, passages, done, tasks), now)
    if reveal_counter is not None:
        story.reveal_counter = reveal_counter


def refresh_with_node(
    story: Story, before: PathState, node: StoryNode, *, tasks_added: int, now: datetime
) -> PathState | None:
    """`refresh` after `node` was added at the end of the path (and `tasks_added` tasks), from the path's state
    read before it in the same transaction, not read again; the path's state with the node. None, with nothing
    set, when that cannot be told: the node told a passage no later than the path's last told one (it may be told
    already)."""
    told_here = node.segment_index if node.segment_index is not None else node.covers_segment
    if told_here is not None and before.last_told is not None and told_here <= before.last_told:
        return None
    told, passages, done, tasks = before.counts
    counts = (told + (told_here is not None), passages, done, tasks + tasks_added)
    newest = (node.content[:DIGEST_SOURCE_CHARS], (node.original_content or "")[:DIGEST_SOURCE_CHARS])
    recent = [newest, *before.recent[: SUMMARY_NODES - 1]]
    _derive(story, recent, counts, now)
    story.reveal_counter = node.reveal_seq or story.reveal_counter
    return PathState(counts, before.last_told if told_here is None else told_here, recent)


def _derive(story: Story, recent: list[tuple[str, str]], counts: tuple[int, int, int, int], now: datetime) -> None:
    """Progress, the state label and the rolling summary from the counts and the path's last texts (newest
    first)."""
    story.progress = graph.progress_of(*counts)
    story.current_state = graph.state_label(story.progress, story.language)
    texts = [content or original or "" for content, original in recent][::-1]
    earlier = texts[:-RECENT_NODES] if len(texts) > RECENT_NODES else []
    lines = [f"- {digest(text)}" for text in earlier]
    story.rolling_summary = "\n".join(bounded_lines([line for line in lines if len(line) > 2], SUMMARY_CHARS))
    story.last_updated = now


class ChoiceLike(Protocol):
    @property
    def selected(self) -> bool: ...
    @property
    def next_node_id(self) -> str | None: ...


def in_flight(choice: ChoiceLike) -> bool:
    """Selected, and its node not stored yet: a choice whose model call is running."""
    return choice.selected and choice.next_node_id is None

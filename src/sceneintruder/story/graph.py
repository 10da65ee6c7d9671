"""Pure story-graph logic: the current node, the next source passage, progress, rewinds and the branch tree.

Works on anything shaped like the ORM rows (attribute access only), so it is tested without a database.
The reveal order is the one definition of "where the player is": the revealed, non-abandoned node with the
highest `reveal_seq` is the current node (the reference had four different definitions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

STATE_LABELS = {
    "zh": ("初始", "冲突", "发展", "高潮", "结局"),
    "en": ("Beginning", "Conflict", "Development", "Climax", "Ending"),
}
_THRESHOLDS = (25, 50, 75, 100)


class NodeLike(Protocol):
    id: str
    parent_id: str | None
    position: int
    segment_index: int | None
    covers_segment: int | None
    reveal_seq: int | None
    abandoned: bool


class TaskLike(Protocol):
    status: str


def is_revealed(node: NodeLike) -> bool:
    return node.reveal_seq is not None and not node.abandoned


def active_path(nodes: Iterable[NodeLike]) -> list[NodeLike]:
    """What the player has seen on the current path, in the order they saw it."""
    return sorted((node for node in nodes if is_revealed(node)), key=lambda node: node.reveal_seq or 0)


def current_node(nodes: Iterable[NodeLike]) -> NodeLike | None:
    path = active_path(nodes)
    return path[-1] if path else None


def told_segments(nodes: Iterable[NodeLike]) -> set[int]:
    """The source passages the current path has told: revealed ones, and those a revealed written node told in
    their place (an offline choice tells the next passage; abandoning the node by a rewind untells it)."""
    told: set[int] = set()
    for node in nodes:
        if is_revealed(node):
            index = node.segment_index if node.segment_index is not None else node.covers_segment
            if index is not None:
                told.add(index)
    return told


def next_source_node(nodes: Sequence[NodeLike]) -> NodeLike | None:
    """The first passage of the book after the furthest one told on the current path."""
    segments = sorted((node for node in nodes if node.segment_index is not None), key=lambda n: n.segment_index or 0)
    reached = max(told_segments(nodes), default=-1)
    return next((n for n in segments if (n.segment_index or 0) > reached and not is_revealed(n)), None)


def progress(nodes: Sequence[NodeLike], tasks: Sequence[TaskLike]) -> int:
    """0-100 from state, never from increments: how much of the book is told, and of the tasks done."""
    segments = {node.segment_index for node in nodes if node.segment_index is not None}
    done = sum(1 for task in tasks if task.status == "completed")
    return progress_of(len(told_segments(nodes) & segments), len(segments), done, len(tasks))


def progress_of(told: int, segments: int, tasks_done: int, tasks: int) -> int:
    """`progress` from its counts: passages told of the book's, tasks completed of all."""
    reading = told / segments if segments else 0.0
    if not tasks:
        return round(100 * reading)
    if not segments:
        return round(100 * tasks_done / tasks)
    return round(80 * reading + 20 * tasks_done / tasks)


def state_label(value: int, language: str) -> str:
    labels = STATE_LABELS["zh" if language == "zh" else "en"]
    return labels[sum(1 for threshold in _THRESHOLDS if value >= threshold)]


@dataclass(frozen=True)
class RewindPlan:
    unreveal: list[str]  # source passages after the target: back to "not yet read"
    abandon: list[str]  # generated nodes after the target: kept as an abandoned branch
    cutoff_seq: int

    @property
    def removed_node_ids(self) -> list[str]:
        return [*self.abandon, *self.unreveal]


def plan_rewind(nodes: Sequence[NodeLike], target: NodeLike) -> RewindPlan:
    later = [node for node in active_path(nodes) if (node.reveal_seq or 0) > (target.reveal_seq or 0)]
    return RewindPlan(
        unreveal=[node.id for node in later if node.segment_index is not None],
        abandon=[node.id for node in later if node.segment_index is None],
        cutoff_seq=target.reveal_seq or 0,
    )


@dataclass
class TreeNode:
    node: Any
    children: list[TreeNode] = field(default_factory=list)


def branch_forest(nodes: Sequence[NodeLike]) -> list[TreeNode]:
    """The nodes the player has seen (revealed now or on an abandoned branch) with the ancestors that connect
    them, as trees in creation order. Passages not yet read are left out: the tree never spoils the plot."""
    by_id = {node.id: node for node in nodes}
    shown: set[str] = set()
    for node in nodes:
        if node.reveal_seq is not None or node.abandoned:
            current: NodeLike | None = node
            while current is not None and current.id not in shown:
                shown.add(current.id)
                current = by_id.get(current.parent_id) if current.parent_id else None
    trees = {node_id: TreeNode(by_id[node_id]) for node_id in shown}
    roots: list[TreeNode] = []
    for node in sorted((by_id[node_id] for node_id in shown), key=lambda n: n.position):
        parent = trees.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(trees[node.id])
    return roots

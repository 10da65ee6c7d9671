"""The story graph's rules, without a database."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.story import graph


@dataclass
class Node:
    id: str
    parent_id: str | None
    position: int
    segment_index: int | None = None
    reveal_seq: int | None = None
    covers_segment: int | None = None
    abandoned: bool = False


@dataclass
class Task:
    status: str


def _book(count: int) -> list[Node]:
    return [
        Node(f"s{i}", f"s{i - 1}" if i else None, i, segment_index=i, reveal_seq=1 if i == 0 else None)
        for i in range(count)
    ]


def test_a_written_node_that_told_a_passage_moves_the_story_past_it() -> None:
    nodes = _book(3)
    nodes.append(Node("g1", "s0", 3, reveal_seq=2, covers_segment=1))  # an offline choice told passage 1
    assert graph.next_source_node(nodes).id == "s2"
    assert graph.progress(nodes, []) == 67
    nodes.append(Node("g2", "g1", 4, reveal_seq=3, covers_segment=2))
    assert graph.next_source_node(nodes) is None
    assert graph.progress(nodes, []) == 100
    assert graph.progress(nodes, [Task("open")]) == 80
    nodes[-1].abandoned = True  # a rewind past g2: passage 2 is untold again
    assert graph.next_source_node(nodes).id == "s2"
    assert graph.progress(nodes, []) == 67


def test_current_node_is_the_last_revealed_and_next_source_follows_the_furthest_passage() -> None:
    nodes = _book(4)
    assert graph.current_node(nodes).id == "s0"
    assert graph.next_source_node(nodes).id == "s1"
    nodes.append(Node("g1", "s0", 4, reveal_seq=2))  # a choice made at s0
    assert graph.current_node(nodes).id == "g1"
    assert graph.next_source_node(nodes).id == "s1"
    nodes[1].reveal_seq = 3
    assert [n.id for n in graph.active_path(nodes)] == ["s0", "g1", "s1"]
    assert graph.next_source_node(nodes).id == "s2"


def test_the_end_of_the_book_has_no_next_source() -> None:
    nodes = _book(2)
    nodes[1].reveal_seq = 2
    assert graph.next_source_node(nodes) is None


def test_progress_comes_from_state_and_labels_follow_the_language() -> None:
    nodes = _book(4)
    assert graph.progress(nodes, []) == 25
    assert graph.progress(nodes, [Task("completed"), Task("active")]) == round(80 * 0.25 + 10)
    assert graph.progress([], [Task("completed"), Task("active")]) == 50
    assert graph.state_label(0, "en") == "Beginning"
    assert graph.state_label(50, "zh") == "发展"
    assert graph.state_label(100, "en") == "Ending"


def test_rewind_unreveals_later_passages_and_abandons_later_generated_nodes() -> None:
    nodes = _book(3)
    nodes += [Node("g1", "s0", 3, reveal_seq=2)]
    nodes[1].reveal_seq = 3
    nodes += [Node("g2", "s1", 4, reveal_seq=4)]
    plan = graph.plan_rewind(nodes, next(n for n in nodes if n.id == "g1"))
    assert plan.unreveal == ["s1"] and plan.abandon == ["g2"]
    assert set(plan.removed_node_ids) == {"s1", "g2"}


def test_branch_forest_shows_seen_nodes_and_their_ancestors_but_no_unread_passages() -> None:
    nodes = _book(4)
    nodes += [Node("g1", "s0", 4, reveal_seq=2), Node("g2", "s1", 5, abandoned=True)]
    roots = graph.branch_forest(nodes)
    assert [r.node.id for r in roots] == ["s0"]
    assert sorted(child.node.id for child in roots[0].children) == ["g1", "s1"]
    s1 = next(child for child in roots[0].children if child.node.id == "s1")
    assert [child.node.id for child in s1.children] == ["g2"]
    assert all(node.node.id not in ("s2", "s3") for node in roots[0].children)

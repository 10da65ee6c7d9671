"""On SQLite each node's StoryData JSON is made by the database (`story.node_json_sql`): it must say what the
Python encoder says (`presenters.node_view` over the ORM's rows), on the values most likely to differ."""

from __future__ import annotations

import itertools

import orjson
import pytest
from sqlalchemy import select

from sceneintruder.story import assembling, node_json_sql
from sceneintruder.story.models import StoryChoice, StoryNode
from sceneintruder.story.presenters import ORIGINAL_PREVIEW_CHARS
from sceneintruder.story.read_cache import NodeJsonCache
from tests.story.support import create_scene, excerpt, settle

pytestmark = pytest.mark.sqlite_only

AWKWARD_TEXT = 'quote " backslash \\ newline \n tab \t bell \x07 nul-free \x1f line sep \u2028 中文 🐉 é'
IMPACTS = [0.0, 0.5, 0.1, -3.25, 0.1 + 0.2, 1e-7, 2.5e20, 1.0, 123456789.123456789]
PREVIEW = ORIGINAL_PREVIEW_CHARS


def _originals() -> list[str]:
    """Source passages at, just over and far over the preview's length, in characters that take several bytes."""
    return ["", "短", "é" * PREVIEW, "é" * (PREVIEW + 1), "🐉" * (PREVIEW + 5), AWKWARD_TEXT * 40]


async def _awkward_nodes(app, scene_id: str) -> list[str]:
    ids = []
    async with app.state.db.writer() as session:
        position = 10_000
        for number, (original, parent, meta, related, abandoned, revealed) in enumerate(
            itertools.product(
                _originals(),
                [None, "", "node_parent"],
                [{}, {"k": AWKWARD_TEXT, "n": [1, 2.5, None, True]}],
                [[], ["item_1", "物品"]],
                [False, True],
                [None, 7],
            )
        ):
            if number % 5:  # a spread of the combinations, not all 576
                continue
            position += 1
            node = StoryNode(
                id=f"node_awk_{number}",
                scene_id=scene_id,
                parent_id=parent,
                position=position,
                type="side" if number % 2 else "main",
                content=f"{AWKWARD_TEXT} {number}",
                original_content=original,
                content_source="llm",
                source="GENERATED",
                reveal_seq=revealed,
                abandoned=abandoned,
                related_item_ids=related,
                meta=meta,
            )
            session.add(node)
            ids.append(node.id)
            for index in range(number % 4):  # 0-3 choices, positions out of their insertion order
                impact = IMPACTS[(number + index) % len(IMPACTS)]
                session.add(
                    StoryChoice(
                        id=f"choice_awk_{number}_{index}",
                        node_id=node.id,
                        position=(3 - index) if index != 2 else 3,  # two at one position: the id decides
                        text=f"{AWKWARD_TEXT} choice {index}",
                        consequence="" if index else AWKWARD_TEXT,
                        next_node_hint="hint",
                        next_node_id=[None, "", node.id][index % 3],
                        selected=bool(index % 2),
                        type="dialogue",
                        impact=impact,
                        description=AWKWARD_TEXT,
                        source="llm",
                        meta=[{}, {"why": AWKWARD_TEXT}, {"n": 1}][index % 3],
                    )
                )
        await session.commit()
    return ids


async def _python_json(app, node_ids: list[str]) -> dict[str, bytes]:
    """The Python encoder over the ORM's own objects (the whole source passage, cut by `node_view`)."""
    async with app.state.db.reader() as session:
        nodes = (await session.scalars(select(StoryNode).where(StoryNode.id.in_(node_ids)))).all()
        choices = (await session.scalars(select(StoryChoice).where(StoryChoice.node_id.in_(node_ids)))).all()
        by_node: dict[str, list[StoryChoice]] = {node.id: [] for node in nodes}
        for choice in sorted(choices, key=lambda c: (c.position, c.id)):
            by_node[choice.node_id].append(choice)
        return {node.id: assembling.encode_node(node, by_node[node.id]) for node in nodes}


async def test_the_database_writes_each_node_as_the_python_encoder_does(app, client) -> None:
    scene_id = await create_scene(client, excerpt(1500))
    await settle(client, scene_id)
    awkward = await _awkward_nodes(app, scene_id)
    async with app.state.db.reader() as session:
        assert node_json_sql.available(session.bind.dialect.name)
        every = await assembling._encode_story_nodes(session, scene_id)  # the cold path: the whole story
        some = await assembling._encode_nodes(session, [*awkward[::3], "node_missing"])  # the path after a move
    expected = await _python_json(app, list(every))
    assert set(every) == set(expected) and set(awkward) <= set(every)
    assert set(some) == set(awkward[::3])
    for node_id, made in every.items():
        assert isinstance(made, bytes)
        assert orjson.loads(made) == orjson.loads(expected[node_id]), node_id
        assert some.get(node_id, made) == made
    # Most nodes are byte for byte the same; the numbers SQLite writes its own way are the same values.
    same_bytes = sum(every[node_id] == expected[node_id] for node_id in every)
    assert same_bytes >= len(every) // 2


async def test_the_awkward_values_are_in_the_json_as_written(app, client) -> None:
    """What the comparison above relies on, checked on its own: keys, optional keys, booleans, previews, the
    choices' order and their impacts as the very same doubles."""
    scene_id = await create_scene(client, excerpt(1500))
    await settle(client, scene_id)
    awkward = await _awkward_nodes(app, scene_id)
    async with app.state.db.reader() as session:
        made = {
            node_id: orjson.loads(json) for node_id, json in (await assembling._encode_nodes(session, awkward)).items()
        }
    keys = ["id", "scene_id", "content", "original_content", "type", "choices", "is_revealed", "abandoned"]
    keys += ["created_at", "source", "metadata", "related_item_ids"]
    impacts = set()
    for node in made.values():
        assert list(node)[: len(keys)] == keys
        assert ("parent_id" in node) == bool(node.get("parent_id"))
        assert len(node["original_content"]) <= PREVIEW + 3
        assert node["is_revealed"] in (True, False) and node["abandoned"] in (True, False)
        assert [c["order"] for c in node["choices"]] == sorted(c["order"] for c in node["choices"])
        for choice in node["choices"]:
            assert choice["selected"] is choice["is_selected"]
            assert "metadata" not in choice or choice["metadata"]
            assert "next_node_id" not in choice or choice["next_node_id"]
            impacts.add(choice["impact"])
    assert impacts == set(IMPACTS)  # 0.1 + 0.2 and 1e-7 come back as the same doubles
    cut = next(node for node in made.values() if node["original_content"].startswith("é" * PREVIEW + "..."))
    assert len(cut["original_content"]) == PREVIEW + 3
    whole = next(node for node in made.values() if node["original_content"] == "é" * PREVIEW)
    assert whole["id"]


async def test_a_cold_read_and_a_read_after_a_move_serve_the_same_story(app, client) -> None:
    """The node cache mixes JSON made by the database (cold reads) and by Python (a choice's answer)."""
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    await _awkward_nodes(app, scene_id)
    cache = NodeJsonCache(ttl_seconds=0)
    async with app.state.db.reader() as session:
        from_database = await assembling._story_json(session, scene_id, cache, cache.tick())
    assert from_database is not None
    expected = await _python_json(app, list(from_database.layout.nodes))
    story = orjson.loads(from_database.payload)
    assert [node["id"] for node in story["nodes"]] == [row.id for row in from_database.layout.order]
    for node in story["nodes"]:
        assert node == orjson.loads(expected[node["id"]])

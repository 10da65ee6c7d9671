"""Progress is computed by one aggregate statement (`_state.refresh`), and the book's next passage by a part of
the prompt context's one statement (`context.gather_ahead`); they must say what `graph.progress` and
`graph.next_source_node` say of the rows themselves, through choices, advances (passages told in place by a
written node) and a rewind."""

from __future__ import annotations

from sqlalchemy import select

from sceneintruder.scenes.models import Scene
from sceneintruder.story import _state, context, graph
from sceneintruder.story._text import bounded_lines, digest
from sceneintruder.story.models import Story, StoryNode, StoryTask
from tests.story.support import ENGLISH, create_scene, current_node, excerpt, get_story, settle


async def _both(app, scene_id: str) -> tuple[int, int]:
    async with app.state.db.reader() as session:
        story = await session.get(Story, scene_id)
        rows = await _state.graph_rows(session, scene_id)
        tasks = (await session.execute(select(StoryTask.status).where(StoryTask.scene_id == scene_id))).all()
        assert story is not None
        ahead = graph.next_source_node(rows)
        _context, source = await context.gather_ahead(session, await session.get(Scene, scene_id))
        assert (source.node_id, source.segment_index) == (
            (ahead.id, ahead.segment_index) if ahead is not None else (None, None)
        )
        assert source.has_book == any(row.segment_index is not None for row in rows)
        if ahead is not None:
            assert source.text == await session.scalar(
                select(StoryNode.original_content).where(StoryNode.id == ahead.id)
            )
        assert story.rolling_summary == await _summary_of_the_path(session, scene_id)
        return story.progress, graph.progress(rows, tasks)


async def _summary_of_the_path(session, scene_id: str) -> str:
    """The rolling summary as the rows say it should be: a digest of each node of the current path (graph's
    reading of it) among the last SUMMARY_NODES, but the newest RECENT_NODES."""
    nodes = (
        await session.execute(
            select(*_state.GRAPH_COLUMNS, StoryNode.content, StoryNode.original_content).where(
                StoryNode.scene_id == scene_id
            )
        )
    ).all()
    chars = _state.DIGEST_SOURCE_CHARS
    texts = [
        node.content[:chars] or node.original_content[:chars]
        for node in graph.active_path(nodes)[-_state.SUMMARY_NODES :]
    ]
    lines = [f"- {digest(text)}" for text in texts[: -_state.RECENT_NODES]]
    return "\n".join(bounded_lines([line for line in lines if len(line) > 2], _state.SUMMARY_CHARS))


async def test_the_stored_progress_is_graph_progress_of_the_rows_after_every_kind_of_move(app, client) -> None:
    scene_id = await create_scene(client, excerpt(4000))
    await settle(client, scene_id)
    first = current_node(await get_story(client, scene_id))
    seen = [await _both(app, scene_id)]
    for _ in range(2):
        node = current_node(await get_story(client, scene_id))
        chose = await client.post(
            f"/api/scenes/{scene_id}/story/choice", json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        )
        assert chose.status_code == 200, chose.text
        seen.append(await _both(app, scene_id))
    advanced = await client.post(f"/api/scenes/{scene_id}/story/advance")
    assert advanced.status_code == 200, advanced.text
    seen.append(await _both(app, scene_id))
    rewound = await client.post(f"/api/scenes/{scene_id}/story/rewind", json={"node_id": first["id"]})
    assert rewound.status_code == 200, rewound.text
    seen.append(await _both(app, scene_id))
    assert all(stored == computed for stored, computed in seen), seen
    assert seen[-2][0] > seen[-1][0]  # the moves made progress, and the rewind took it back


async def test_a_choice_stores_what_a_refresh_would_read_past_the_summary_window(app, client) -> None:
    """A choice's store computes progress, state and summary from the path read before its node (not read
    again): through more choices than the summary's window, each one's stored values are what the rows say."""
    scene_id = await create_scene(client, ENGLISH)  # 18 KB: more passages than the choices below tell
    await settle(client, scene_id)
    seen = []
    for _ in range(_state.SUMMARY_NODES + 3):
        node = current_node(await get_story(client, scene_id))
        chose = await client.post(
            f"/api/scenes/{scene_id}/story/choice", json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        )
        assert chose.status_code == 200, chose.text
        assert chose.json()["data"]["next_node"]["metadata"].get("told_segment_index") is not None  # not the end
        seen.append(await _both(app, scene_id))
    assert all(stored == computed for stored, computed in seen), seen
    assert [progress for progress, _ in seen] == sorted(progress for progress, _ in seen) and seen[-1][0] > seen[0][0]


async def test_a_node_that_may_tell_a_passage_told_already_is_refreshed_from_the_rows(app, client) -> None:
    """`refresh_with_node` cannot tell the count when the node tells a passage no later than the path's last
    told one: it says so and sets nothing (the store then reads the path again)."""
    scene_id = await create_scene(client, excerpt(4000))
    await settle(client, scene_id)
    async with app.state.db.writer() as session:
        read = await _state.story_and_node(session, scene_id, "")
        assert read.path.last_told is not None and read.path.counts[0] >= 1
        story = read.story
        before = (story.progress, story.current_state, story.rolling_summary, story.last_updated)
        node = StoryNode(content="again", original_content="", segment_index=None, covers_segment=read.path.last_told)
        assert not _state.refresh_with_node(story, read.path, node, tasks_added=0, now=story.last_updated)
        assert (story.progress, story.current_state, story.rolling_summary, story.last_updated) == before
        node.covers_segment = read.path.last_told + 1
        assert _state.refresh_with_node(story, read.path, node, tasks_added=1, now=story.last_updated)
        told, passages, done, tasks = read.path.counts
        assert story.progress == graph.progress_of(told + 1, passages, done, tasks + 1)

"""A choice's store keeps the next choice's prompt context (story.context_cache), and the next claim takes it
instead of reading: what is kept must be exactly what a reading gives, and anything else that changed the scene
must drop it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.models import Scene
from sceneintruder.story import _state, claim_rows, context
from tests.story.support import create_scene, current_node, excerpt, get_story, settle, vendor_configured
from tests.support.state import story_of


@pytest.fixture
def settings(make_settings):
    return make_settings(allow_private_provider_urls=True, llm_max_retries=0)


def _next_node(number: int, **extra: Any) -> str:
    return orjson.dumps(
        {
            "content": f"Step {number}: Mrs Bennet turns to you   and waits.\n\nThe fire is low." + " More." * 200,
            "type": "event",
            "choices": [{"text": f"Answer {number}", "consequence": "talk"}, {"text": "Leave", "consequence": "go"}],
            **extra,
        }
    ).decode()


async def _fresh(app, scene_id: str) -> tuple[context.StoryContext, Any]:
    async with app.state.db.reader() as session:
        scene = await session.get(Scene, scene_id)
        return await context.gather_ahead(session, scene)


async def _kept(app, scene_id: str) -> Any:
    async with app.state.db.reader() as session:
        scene = await session.get(Scene, scene_id)
    return story_of(app).contexts.kept(scene)


async def _choose(client, scene_id: str) -> dict[str, Any]:
    node = current_node(await get_story(client, scene_id))
    response = await client.post(
        f"/api/scenes/{scene_id}/story/choice", json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _counting(monkeypatch, module: Any, name: str) -> list[str]:
    """The scenes `module.name(session, scene or scene_id, ...)` was called for, as it runs."""
    seen: list[str] = []
    real = getattr(module, name)

    async def counted(session, scene, *args):
        seen.append(getattr(scene, "id", scene))
        return await real(session, scene, *args)

    monkeypatch.setattr(module, name, counted)
    return seen


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The scenes whose prompt context a claim read from the database."""
    return _counting(monkeypatch, context, "gather_ahead")


@pytest.fixture
def full_reads(monkeypatch) -> list[str]:
    """The scenes whose story a store read whole (`_state.story_and_node`)."""
    return _counting(monkeypatch, _state, "story_and_node")


@contextlib.asynccontextmanager
async def _playing(app, client, *replies: str) -> AsyncIterator[tuple[Any, str]]:
    """A scene whose story is built and settled, played through a vendor that answers `replies` in turn."""
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].extend(replies)
        yield vendor, scene_id


async def _fresh_move(app, scene_id: str, node_id: str) -> _state.KeptMove:
    async with app.state.db.reader() as session:
        read = await _state.story_and_node(session, scene_id, node_id)
    columns = {key: getattr(read.story, key) for key in read.story.__mapper__.columns.keys()}  # noqa: SIM118
    return _state.KeptMove(columns, read.next_position, read.log_seq, read.path)


async def test_what_a_store_keeps_is_what_a_reading_gives_and_the_next_choice_reads_none_of_it(
    app, client, reads, full_reads, monkeypatch
) -> None:
    """After every choice: the kept prompt context and next passage equal a fresh `gather_ahead`, and the kept
    story (row, marks, path's state) a fresh `story_and_node`; the next claim and store read neither."""
    node_reads = _counting(monkeypatch, claim_rows, "read")  # the claim's, and any store's own
    async with _playing(app, client, *(_next_node(number) for number in range(4))) as (_, scene_id):
        for number in range(4):
            reads.clear()
            full_reads.clear()
            node_reads.clear()
            answered = await _choose(client, scene_id)
            assert reads == full_reads == ([scene_id] if number == 0 else []), number  # the first had nothing kept
            assert node_reads == [scene_id], number  # the claim's alone: the store starts from what it read
            kept = await _kept(app, scene_id)
            assert kept is not None and kept.move is not None
            assert (kept.context, kept.source) == await _fresh(app, scene_id), number
            assert kept.move == await _fresh_move(app, scene_id, answered["next_node"]["id"]), number
        assert kept.context.recent[-1].startswith("Step 3: Mrs Bennet turns to you and waits. The fire is low.")
        assert kept.context.summary  # the rolling summary moved on with the path
        assert answered["story_data"] == await get_story(client, scene_id)


async def test_with_other_processes_serving_the_store_reads_the_story_whole(app, client, full_reads) -> None:
    runtime = story_of(app)
    object.__setattr__(runtime, "sole_process", False)  # as with a distributed bus: others' commits come late
    async with _playing(app, client, *(_next_node(number) for number in range(3))) as (_, scene_id):
        for _ in range(3):
            full_reads.clear()
            await _choose(client, scene_id)
            assert full_reads == [scene_id]


async def test_a_line_committed_while_the_store_begins_is_read_and_the_store_done_again(
    app, client, full_reads, monkeypatch
) -> None:
    """A console line committed after the store checked what was kept but before its transaction began (its first
    write waited for the lock): that write is undone and the store done again from a reading, so the new node marks
    the log where it now stands, and is stored once."""
    from sceneintruder.story import _writes

    real = _writes.insert_node
    calls: list[str] = []

    async def after_a_line(connection, node, choices, *, led_from):
        calls.append(node.id)
        if len(calls) == 1:
            await _console_line_alone(app, client, node.scene_id)  # as if it committed while this one waited
        return await real(connection, node, choices, led_from=led_from)

    async with _playing(app, client, *(_next_node(number) for number in range(2))) as (_, scene_id):
        await _choose(client, scene_id)
        before = len((await get_story(client, scene_id))["nodes"])
        monkeypatch.setattr(_writes, "insert_node", after_a_line)
        full_reads.clear()
        answered = await _choose(client, scene_id)
        assert len(calls) == 2 and full_reads == [scene_id]  # undone once, then done again reading the story
        async with app.state.db.reader() as session:
            last = await scenes_service.last_message_seq(session, scene_id=scene_id)
        assert answered["next_node"]["metadata"]["log_seq"] == last
        story = await get_story(client, scene_id)
        assert len(story["nodes"]) == before + 1 and story["current_node_id"] == answered["next_node"]["id"]


async def _console_command(app, client, scene_id: str) -> str:
    commanded = await client.post(
        f"/api/scenes/{scene_id}/story/command", json={"input": "I look around the drawing room", "mode": "story"}
    )
    assert commanded.status_code == 200, commanded.text
    return "Vendor console reply."


async def _console_line_alone(app, client, scene_id: str) -> str:
    """A console line appended to the scene's log (a Core INSERT the scenes domain notes for the caches), with no
    story row touched."""
    async with app.state.db.writer() as session:
        await scenes_service.append_message(
            session,
            scene_id=scene_id,
            speaker_id="narrator",
            content="A carriage stops at the door.",
            conversation_type=context.CONSOLE_TYPE,
        )
    return "A carriage stops at the door."


@pytest.mark.parametrize("change", [_console_command, _console_line_alone])
async def test_a_console_line_between_two_choices_drops_what_was_kept_and_is_in_the_next_prompt(
    app, client, reads, change
) -> None:
    async with _playing(app, client, *(_next_node(number) for number in range(2))) as (vendor, scene_id):
        await _choose(client, scene_id)
        assert await _kept(app, scene_id) is not None
        line = await change(app, client, scene_id)
        assert await _kept(app, scene_id) is None  # dropped at the change's commit
        reads.clear()
        await _choose(client, scene_id)
        assert reads == [scene_id]
        assert line in orjson.dumps(vendor.chat_bodies("story_next_node")[-1]).decode()


async def test_a_step_that_brings_a_task_keeps_nothing(app, client) -> None:
    with_task = _next_node(0, new_task={"title": "Find the letter"})
    async with _playing(app, client, with_task, _next_node(1)) as (_, scene_id):
        await _choose(client, scene_id)
        assert await _kept(app, scene_id) is None
        await _choose(client, scene_id)
        kept = await _kept(app, scene_id)
        assert kept is not None and "Find the letter" in kept.context.known_tasks
        assert kept.context == (await _fresh(app, scene_id))[0]


async def test_a_rewind_drops_what_was_kept(app, client) -> None:
    async with _playing(app, client, _next_node(0)) as (_, scene_id):
        start = current_node(await get_story(client, scene_id))
        await _choose(client, scene_id)
        assert await _kept(app, scene_id) is not None
        rewound = await client.post(f"/api/scenes/{scene_id}/story/rewind", json={"node_id": start["id"]})
        assert rewound.status_code == 200, rewound.text
        assert await _kept(app, scene_id) is None


async def test_offline_a_choice_tells_the_next_passage_and_keeps_nothing(app, client, reads) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    for _ in range(2):
        reads.clear()
        answered = await _choose(client, scene_id)
        assert answered["next_node"]["metadata"]["told_segment_index"] is not None
        assert reads == [scene_id]
        assert await _kept(app, scene_id) is None

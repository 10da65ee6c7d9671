"""A choice's store keeps the next choice's prompt context (story.context_cache), and the next claim takes it
instead of reading: what is kept must be exactly what a reading gives, and anything else that changed the scene
must drop it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from sceneintruder.scenes.models import Scene
from sceneintruder.story import _state, context
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


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The scenes whose prompt context a claim read from the database."""
    seen: list[str] = []
    real = context.gather_ahead

    async def counted(session, scene):
        seen.append(scene.id)
        return await real(session, scene)

    monkeypatch.setattr(context, "gather_ahead", counted)
    return seen


async def test_the_kept_context_is_what_a_reading_gives_and_the_next_claim_takes_it(app, client, reads) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].extend(_next_node(number) for number in range(4))
        for number in range(4):
            reads.clear()
            await _choose(client, scene_id)
            assert reads == ([scene_id] if number == 0 else []), number  # the first claim had nothing kept
            kept = await _kept(app, scene_id)
            assert kept is not None
            fresh_context, fresh_source = await _fresh(app, scene_id)
            assert kept.context == fresh_context, number
            assert kept.source == fresh_source
        assert kept.context.recent[-1].startswith("Step 3: Mrs Bennet turns to you and waits. The fire is low.")
        assert kept.context.summary  # the rolling summary moved on with the path


async def _fresh_move(app, scene_id: str, node_id: str) -> _state.KeptMove:
    async with app.state.db.reader() as session:
        read = await _state.story_and_node(session, scene_id, node_id)
    columns = {key: getattr(read.story, key) for key in read.story.__mapper__.columns.keys()}  # noqa: SIM118
    return _state.KeptMove(columns, read.next_position, read.log_seq, read.path)


@pytest.fixture
def full_reads(monkeypatch) -> list[str]:
    """The scenes whose story a store read whole (`_state.story_and_node`)."""
    seen: list[str] = []
    real = _state.story_and_node

    async def counted(session, scene_id, node_id):
        seen.append(scene_id)
        return await real(session, scene_id, node_id)

    monkeypatch.setattr(_state, "story_and_node", counted)
    return seen


async def test_the_story_kept_for_the_next_store_is_what_a_reading_gives(app, client, full_reads) -> None:
    """The story row, its marks and the path's state the store keeps are those a reading gives after its commit,
    and the next store reads only the node and its choices."""
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].extend(_next_node(number) for number in range(4))
        for number in range(4):
            full_reads.clear()
            answered = await _choose(client, scene_id)
            assert full_reads == ([scene_id] if number == 0 else []), number
            kept = await _kept(app, scene_id)
            assert kept is not None and kept.move is not None
            assert kept.move == await _fresh_move(app, scene_id, answered["next_node"]["id"]), number
        assert answered["story_data"] == await get_story(client, scene_id)


async def test_with_other_processes_serving_the_store_reads_the_story_whole(app, client, full_reads) -> None:
    runtime = story_of(app)
    object.__setattr__(runtime, "sole_process", False)  # as with a distributed bus: others' commits come late
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].extend(_next_node(number) for number in range(3))
        for _ in range(3):
            full_reads.clear()
            await _choose(client, scene_id)
            assert full_reads == [scene_id]


async def test_a_console_line_between_two_choices_is_in_the_next_prompt(app, client, reads) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].extend(_next_node(number) for number in range(2))
        await _choose(client, scene_id)
        assert await _kept(app, scene_id) is not None
        commanded = await client.post(
            f"/api/scenes/{scene_id}/story/command", json={"input": "I look around the drawing room", "mode": "story"}
        )
        assert commanded.status_code == 200, commanded.text
        assert await _kept(app, scene_id) is None  # the console's lines changed: dropped at its commit
        reads.clear()
        await _choose(client, scene_id)
        assert reads == [scene_id]
        prompt = orjson.dumps(vendor.chat_bodies("story_next_node")[-1]).decode()
        assert "Vendor console reply." in prompt


async def test_a_line_written_by_the_scenes_domain_alone_drops_what_was_kept(app, client, reads) -> None:
    """A console line appended to the scene's log (a Core INSERT the scenes domain notes for the caches), with no
    story row touched: the kept context is dropped, and the next prompt has the line."""
    from sceneintruder.scenes import service as scenes_service

    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].extend(_next_node(number) for number in range(2))
        await _choose(client, scene_id)
        assert await _kept(app, scene_id) is not None
        async with app.state.db.writer() as session:
            await scenes_service.append_message(
                session,
                scene_id=scene_id,
                speaker_id="narrator",
                content="A carriage stops at the door.",
                conversation_type=context.CONSOLE_TYPE,
            )
        assert await _kept(app, scene_id) is None
        reads.clear()
        await _choose(client, scene_id)
        assert reads == [scene_id]
        assert "A carriage stops at the door." in orjson.dumps(vendor.chat_bodies("story_next_node")[-1]).decode()


async def test_a_step_that_brings_a_task_keeps_nothing(app, client) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        vendor.by_task["story_next_node"].append(_next_node(0, new_task={"title": "Find the letter"}))
        await _choose(client, scene_id)
        assert await _kept(app, scene_id) is None
        vendor.by_task["story_next_node"].append(_next_node(1))
        await _choose(client, scene_id)
        kept = await _kept(app, scene_id)
        assert kept is not None and "Find the letter" in kept.context.known_tasks
        assert kept.context == (await _fresh(app, scene_id))[0]


async def test_a_rewind_drops_what_was_kept(app, client) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        start = current_node(await get_story(client, scene_id))
        vendor.by_task["story_next_node"].extend(_next_node(number) for number in range(2))
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

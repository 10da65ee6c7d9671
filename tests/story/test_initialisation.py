"""A story's initialisation: started by scene creation, every segment a node, narrated in the background without
ever overwriting the player's moves, followed over SSE; GETs never start LLM work."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sceneintruder.app import create_app
from sceneintruder.jobs.models import JobRecord
from sceneintruder.story.models import Story
from tests.story.support import (
    ENGLISH,
    GatedProvider,
    create_scene,
    current_node,
    excerpt,
    get_story,
    node_by_id,
    settle,
)
from tests.support.servers import run_uvicorn
from tests.support.sse import sse_events


async def _task(client: httpx.AsyncClient, task_id: str, **expected: Any) -> dict[str, Any]:
    async with asyncio.timeout(120):
        while True:
            task = (await client.get(f"/api/tasks/{task_id}")).json()["data"]
            if all(task[key] == value for key, value in expected.items()):
                return task
            assert task["status"] not in ("failed", "cancelled"), task
            await asyncio.sleep(0.05)


@pytest.fixture
def settings(make_settings):
    return make_settings(analysis_chunk_chars=100_000, story_narrate_ahead=2, story_init_wait_seconds=0.2)


async def test_a_300_page_text_becomes_one_node_per_segment(client) -> None:
    source = "\n\n".join([ENGLISH] * 33)  # about 600,000 characters: some 300 pages
    started = await client.post("/api/analyze", json={"title": "Long Pride", "text": source})
    task = await _task(client, started.json()["data"]["task_id"], status="completed")
    scene_id = task["result"]["scene_id"]
    segments = (await client.get(f"/api/scenes/{scene_id}")).json()["data"]["original_segments"]
    assert len(segments) > 700
    await settle(client, scene_id)
    story = await get_story(client, scene_id)
    nodes = story["nodes"]
    assert len(nodes) == len(segments)  # all of them (the reference kept 12)
    assert [n["metadata"]["original_segment_index"] for n in nodes] == [s["index"] for s in segments]
    assert all(n["parent_id"] == p["id"] for p, n in itertools.pairwise(nodes))
    last = (await client.get(f"/api/scenes/{scene_id}/nodes/{nodes[-1]['id']}/content")).json()["data"]
    assert last["original_content"] == segments[-1]["original_text"]
    assert [n["is_revealed"] for n in nodes].count(True) == 1
    narrated = [n for n in nodes if n["content"]]
    assert len(narrated) == 2  # only the passages near the player (STORY_NARRATE_AHEAD=2)


async def test_the_narration_never_overwrites_what_the_player_did_meanwhile(app, client) -> None:
    gated = GatedProvider(app, "story_segment").install(app)
    scene_id = await create_scene(client, excerpt(4000))
    await gated.waiting["story_segment"].wait()  # the job built the nodes and now waits on its first narration
    story = await get_story(client, scene_id)  # waits 0.2 s, then answers with what exists
    assert story["init_status"] == "building" and story["task_id"]
    first, third = story["nodes"][0], story["nodes"][2]
    assert first["content"] == "" and first["choices"][0]["source"] == "system"

    chose = await client.post(
        f"/api/scenes/{scene_id}/story/choice",
        json={"node_id": first["id"], "choice_id": first["choices"][0]["id"]},
    )
    generated = chose.json()["data"]["next_node"]  # offline, it tells the second passage
    advanced = (await client.post(f"/api/scenes/{scene_id}/story/advance")).json()["data"]
    assert advanced["story_update"]["title"] == third["id"]
    before = await get_story(client, scene_id)

    gated.gates["story_segment"].set()
    task = await settle(client, scene_id)
    assert task["status"] == "completed" and task["result"]["narrated"] == 3  # the window moved with the player
    after = await get_story(client, scene_id)
    assert after["current_node_id"] == third["id"] and after["progress"] == before["progress"]
    assert node_by_id(after, generated["id"])["is_revealed"]
    kept = node_by_id(after, first["id"])
    assert [c["id"] for c in kept["choices"]] == [c["id"] for c in first["choices"]]  # the choice the player took
    assert kept["choices"][0]["selected"] and kept["choices"][0]["next_node_id"] == generated["id"]
    assert kept["content"]  # narrated all the same: the player had not touched the text
    narrated = node_by_id(after, third["id"])
    assert narrated["is_revealed"] and narrated["content"]  # the text the player reads is narrated...
    shown = node_by_id(before, third["id"])["choices"]
    assert [c["id"] for c in narrated["choices"]] == [c["id"] for c in shown]  # ...but choices on screen stay valid


async def test_gets_never_call_the_model_nor_start_a_job(app, client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    node = current_node(await get_story(client, scene_id))
    shell = (await client.post("/api/scenes/shell", json={"title": "Empty"})).json()["data"]["id"]
    counting = GatedProvider(app).install(app)
    async with app.state.db.reader() as session:
        jobs_before = await session.scalar(select(func.count()).select_from(JobRecord))
    for scene in (scene_id, shell):
        for path in (
            "story",
            "story/branches",
            "story/choices",
            "aggregate",
            f"nodes/{node['id']}/content",
            "export/story?format=markdown",
            "conversations",
        ):
            await client.get(f"/api/scenes/{scene}/{path}")
    assert counting.calls == []
    async with app.state.db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(JobRecord)) == jobs_before
        assert await session.get(Story, shell) is None  # reading a shell's story stores nothing


async def test_progress_over_sse_and_deleting_the_scene_cancels_its_initialisation(make_settings) -> None:
    app = create_app(make_settings(story_init_wait_seconds=0.1, sse_heartbeat_seconds=0.5))
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        gated = GatedProvider(app, "story_segment").install(app)
        scene_id = await create_scene(client, excerpt(3000))
        await gated.waiting["story_segment"].wait()
        task_id = (await get_story(client, scene_id))["task_id"]
        async with client.stream("GET", f"/api/progress/{task_id}", headers={"Accept": "text/event-stream"}) as sse:
            events = []
            async for event in sse_events(sse):
                if event.event != "progress":
                    continue
                events.append(event.data)
                if event.data.get("stage") == "building" and not gated.gates["story_segment"].is_set():
                    gated.gates["story_segment"].set()
                if event.data["status"] != "running":
                    break
        stages = [data["stage"] for data in events if "stage" in data]
        assert stages[0] == "building" and stages[-1] == "playable"
        final = events[-1]
        assert final["status"] == "completed" and final["result"]["scene_id"] == scene_id
        assert final["result"]["nodes"] == len((await get_story(client, scene_id))["nodes"])

        gated.gates["story_segment"].clear()
        gated.waiting["story_segment"].clear()
        other = await create_scene(client, excerpt(3000))
        await gated.waiting["story_segment"].wait()
        other_task = (await get_story(client, other))["task_id"]
        assert (await client.delete(f"/api/scenes/{other}")).status_code == 200
        cancelled = (await client.get(f"/api/tasks/{other_task}")).json()["data"]
        assert cancelled["status"] == "cancelled"

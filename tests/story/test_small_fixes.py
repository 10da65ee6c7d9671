"""Small hardening fixes: rewind options a user can tell apart, `story/command` modes checked, an aggregate's
`node_id` checked against the scene, and an initialisation a restart cut short carried on."""

from __future__ import annotations

import re

import httpx
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.story.models import Story
from tests.story.support import ENGLISH, create_scene, excerpt, get_story, settle
from tests.support.builders import assert_error


def frontend_label(node_id: str, history: list[str]) -> str:
    """The reference frontend's label for a rewind option (`R` in index-*.js)."""
    if match := re.search(r"node_(\d+)", node_id, re.IGNORECASE):
        return f"node_{match.group(1)}"
    if digits := re.findall(r"(\d+)", node_id):
        return f"node_{digits[-1]}"
    return f"node_{history.index(node_id) + 1}" if node_id in history else node_id


async def test_rewind_options_have_distinct_labels(client) -> None:
    scene_id = await create_scene(client, excerpt(6000))
    await settle(client, scene_id)
    for _ in range(3):
        story = await get_story(client, scene_id)
        node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
        choice = next(c for c in node["choices"] if not c.get("selected"))
        response = await client.post(
            f"/api/scenes/{scene_id}/story/choice", json={"node_id": node["id"], "choice_id": choice["id"]}
        )
        assert response.status_code == 200, response.text
    story = await get_story(client, scene_id)
    ids = [node["id"] for node in story["nodes"]]
    labels = [frontend_label(node_id, ids) for node_id in ids]
    assert len(set(labels)) == len(labels), labels
    assert labels[0] == "node_1"


async def test_story_command_refuses_an_unknown_mode(client) -> None:
    scene_id = await create_scene(client, excerpt(2000))
    await settle(client, scene_id)
    response = await client.post(f"/api/scenes/{scene_id}/story/command", json={"input": "look", "mode": "hack"})
    body = assert_error(response, 400, "BAD_REQUEST")
    assert body["error"]["details"][0]["field"] == "mode"
    for mode in ("story", "STORY", ""):
        ok = await client.post(f"/api/scenes/{scene_id}/story/command", json={"input": "look", "mode": mode})
        assert ok.status_code == 200, ok.text


async def test_aggregate_node_id_must_belong_to_the_scene(client) -> None:
    first = await create_scene(client, excerpt(2000))
    other = await create_scene(client, excerpt(2000), title="Other")
    await settle(client, first)
    await settle(client, other)
    characters = (await client.get(f"/api/scenes/{first}/characters")).json()["data"]
    own_node = (await get_story(client, first))["current_node_id"]
    foreign_node = (await get_story(client, other))["current_node_id"]
    body = {"scene_id": first, "character_ids": [characters[0]["id"]], "message": "Hello"}
    for node_id in (foreign_node, "node_missing"):
        response = await client.post("/api/interactions/aggregate", json={**body, "node_id": node_id})
        assert_error(response, 404, "NODE_NOT_FOUND")
    ok = await client.post("/api/interactions/aggregate", json={**body, "node_id": own_node})
    assert ok.status_code == 200, ok.text


async def test_an_interrupted_initialisation_carries_on_after_a_restart(make_settings) -> None:
    settings = make_settings()
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            scene_id = await create_scene(client, ENGLISH)
            await settle(client, scene_id)
        async with app.state.db.writer() as session:  # as a stop mid-build leaves it: pending, its job gone
            story = await session.get(Story, scene_id)
            story.init_status = "pending"
            story.init_job_id = "task_gone"
            await session.commit()
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            task = await settle(client, scene_id)
            assert task["status"] in ("completed", "ready"), task
            story = await get_story(client, scene_id)
            assert story["init_status"] == "ready" and story["nodes"]

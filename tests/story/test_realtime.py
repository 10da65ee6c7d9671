"""The scene room hears every story change: a WebSocket `story_choice` is confirmed to the whole room, and HTTP
moves (advance, command, rewind, explore) are announced as `story:updated`. Over a real uvicorn."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from sceneintruder.app import create_app
from tests.story.support import create_scene, current_node, excerpt, get_story, settle
from tests.support.builders import bearer, make_user, token_for
from tests.support.servers import run_uvicorn
from tests.support.ws import receive, receive_type, ws_connect


@pytest.fixture
async def server(make_settings) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    app = create_app(make_settings())
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        await make_user(app, "alice")
        yield client, token_for(app, "alice")


async def test_a_websocket_choice_is_confirmed_to_the_whole_room(server) -> None:
    client, token = server
    headers = bearer(token)
    scene_id = await create_scene(client, excerpt(3000), headers=headers)
    await settle(client, scene_id, headers)
    node = current_node(await get_story(client, scene_id, headers))
    ws_base = "ws" + str(client.base_url).removeprefix("http")
    path = f"/ws/scene/{scene_id}?token={token}"
    async with ws_connect(ws_base, path) as sender, ws_connect(ws_base, path) as watcher:
        for ws in (sender, watcher):
            assert (await receive(ws))["type"] == "connected"
        await sender.send(
            json.dumps({"type": "story_choice", "node_id": node["id"], "choice_id": node["choices"][0]["id"]})
        )
        for ws in (sender, watcher):
            confirmed = await receive_type(ws, "story:choice_confirmed")
            data = confirmed["data"]
            assert data["node_id"] == node["id"] and data["choice_id"] == node["choices"][0]["id"]
            assert data["user_id"] == "alice" and data["next_node"]["parent_id"] == node["id"]
            updated = await receive_type(ws, "story:updated")
            assert updated["data"]["reason"] == "choice"
            assert updated["data"]["current_node_id"] == data["next_node"]["id"]
        story = await get_story(client, scene_id, headers)
        assert story["current_node_id"] == data["next_node"]["id"]

        await sender.send(json.dumps({"type": "story_choice", "node_id": node["id"], "choice_id": "nope"}))
        error = await receive_type(sender, "error")
        assert error["code"] == "CHOICE_INVALID"
        await sender.send(json.dumps({"type": "story_choice", "node_id": "node_gone", "choice_id": "x"}))
        assert (await receive_type(sender, "error"))["code"] == "NODE_NOT_FOUND"


async def test_http_moves_are_announced_to_the_room(server) -> None:
    client, token = server
    headers = bearer(token)
    scene_id = await create_scene(client, excerpt(3000), headers=headers)
    await settle(client, scene_id, headers)
    story = await get_story(client, scene_id, headers)
    first = story["nodes"][0]
    ws_base = "ws" + str(client.base_url).removeprefix("http")
    async with ws_connect(ws_base, f"/ws/scene/{scene_id}?token={token}") as ws:
        assert (await receive(ws))["type"] == "connected"
        base = f"/api/scenes/{scene_id}"
        location = next(loc for loc in story["locations"] if loc["accessible"])
        moves = [
            ("advance", f"{base}/story/advance", None),
            ("command", f"{base}/story/command", {"input": "I bow politely"}),
            ("rewind", f"{base}/story/rewind", {"node_id": first["id"]}),
            ("explore", f"{base}/story/locations/{location['id']}/explore", None),
        ]
        for reason, url, body in moves:
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 200, response.text
            updated = await receive_type(ws, "story:updated")
            assert updated["scene_id"] == scene_id and updated["data"]["reason"] == reason
            assert updated["data"]["user_id"] == "alice"

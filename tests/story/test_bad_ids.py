"""Every unknown id on the story routes is a 404 with the code that names what is missing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.story.support import create_scene, excerpt, get_story
from tests.support.builders import assert_error, bearer, make_user, token_for

# (method, path under /api/scenes/{scene}, body, status, code); {node}, {choice}, {task} and {char} are real ids
CASES: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
    ("POST", "story/choice", {"node_id": "node_nope", "choice_id": "choice_x"}, 404, "NODE_NOT_FOUND"),
    ("POST", "story/choice", {"node_id": "../../etc", "choice_id": "choice_x"}, 404, "NODE_NOT_FOUND"),
    ("POST", "story/choice", {"node_id": "{node}", "choice_id": "choice_nope"}, 404, "CHOICE_INVALID"),
    ("POST", "story/choice", {"node_id": "{other_node}", "choice_id": "{choice}"}, 404, "CHOICE_INVALID"),
    ("POST", "story/nodes/node_nope/insert", None, 404, "NODE_NOT_FOUND"),
    ("POST", "story/rewind", {"node_id": "node_nope"}, 404, "NODE_NOT_FOUND"),
    ("GET", "nodes/node_nope/content", None, 404, "NODE_NOT_FOUND"),
    ("GET", "nodes/%2E%2E/content", None, 404, "NODE_NOT_FOUND"),
    ("POST", "story/tasks/task_nope/objectives/obj_nope/complete", None, 404, "TASK_NOT_FOUND"),
    ("POST", "story/tasks/{task}/objectives/obj_nope/complete", None, 404, "RESOURCE_NOT_FOUND"),
    ("POST", "story/locations/loc_nope/unlock", None, 404, "RESOURCE_NOT_FOUND"),
    ("POST", "story/locations/loc_nope/explore", None, 404, "RESOURCE_NOT_FOUND"),
    ("POST", "story/command", {"input": "hello", "character_ids": ["char_nope"]}, 404, "CHARACTER_NOT_FOUND"),
    ("POST", "story/command", {"input": "hello", "location_ids": ["loc_nope"]}, 404, "RESOURCE_NOT_FOUND"),
    ("POST", "story/command", {"input": "   "}, 400, "BAD_REQUEST"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), CASES)
async def test_unknown_ids_are_404_with_their_code(client, method, path, body, status, code) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    story = await get_story(client, scene_id)
    first, other = story["nodes"][0], story["nodes"][1]
    ids = {
        "{node}": first["id"],
        "{other_node}": first["id"],
        "{choice}": other["choices"][0]["id"],  # a real choice, but of another node
        "{task}": story["tasks"][0]["id"],
    }

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return ids.get(value, value)
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    for placeholder, real in ids.items():
        path = path.replace(placeholder, real)
    response = await client.request(method, f"/api/scenes/{scene_id}/{path}", json=fill(body))
    assert_error(response, status, code)


STORY_ROUTES = [
    ("GET", "story"),
    ("POST", "story/choice"),
    ("POST", "story/advance"),
    ("POST", "story/command"),
    ("POST", "story/rewind"),
    ("GET", "story/branches"),
    ("GET", "story/choices"),
    ("GET", "aggregate"),
    ("GET", "export/story"),
]


@pytest.mark.parametrize(("method", "path"), STORY_ROUTES)
async def test_someone_elses_scene_is_a_missing_scene(app, client, method, path) -> None:
    await make_user(app, "alice")
    await make_user(app, "bob")
    scene_id = await create_scene(client, excerpt(2000), headers=bearer(token_for(app, "alice")))
    body = {"node_id": "x", "choice_id": "y", "input": "hi"} if method == "POST" else None
    for scene in (scene_id, "scene_nope"):
        response = await client.request(
            method, f"/api/scenes/{scene}/{path}", json=body, headers=bearer(token_for(app, "bob"))
        )
        assert_error(response, 404, "SCENE_NOT_FOUND")


async def test_a_scene_without_a_story_says_so(client) -> None:
    shell = (await client.post("/api/scenes/shell", json={"title": "Empty"})).json()["data"]["id"]
    base = f"/api/scenes/{shell}/story"
    assert_error(await client.post(f"{base}/choice", json={"node_id": "n", "choice_id": "c"}), 404, "STORY_NOT_FOUND")
    assert_error(await client.post(f"{base}/nodes/node_x/insert"), 404, "STORY_NOT_FOUND")
    assert_error(await client.post(f"{base}/locations/loc_x/unlock"), 404, "STORY_NOT_FOUND")
    assert_error(
        await client.post(f"{base}/batch", json={"operations": [{"type": "add_item"}]}), 404, "STORY_NOT_FOUND"
    )

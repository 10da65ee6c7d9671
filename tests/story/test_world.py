"""Tasks, objectives, locations, exploring, and the batch of them: idempotent, 404/409 where due, atomic."""

from __future__ import annotations

from typing import Any

from tests.story.support import create_scene, excerpt, get_story
from tests.support.builders import assert_error


async def _scene(client) -> tuple[str, dict[str, Any]]:
    scene_id = await create_scene(client, excerpt(3000))
    return scene_id, await get_story(client, scene_id)


async def _items(client, scene_id: str) -> dict[str, Any]:
    return (await client.get(f"/api/scenes/{scene_id}/items")).json()["data"]


async def test_completing_objectives_is_idempotent_and_completes_the_task_once(client) -> None:
    scene_id, story = await _scene(client)
    task = story["tasks"][0]
    assert task["status"] == "active" and len(task["objectives"]) >= 2
    base = f"/api/scenes/{scene_id}/story/tasks/{task['id']}/objectives"
    first = task["objectives"][0]["id"]
    once = (await client.post(f"{base}/{first}/complete")).json()["data"]
    twice = (await client.post(f"{base}/{first}/complete")).json()["data"]
    done = once["tasks"][0]["objectives"][0]
    assert done["completed"] and done["completed_at"] == twice["tasks"][0]["objectives"][0]["completed_at"]
    assert once["progress"] == twice["progress"]
    for objective in task["objectives"][1:]:
        data = (await client.post(f"{base}/{objective['id']}/complete")).json()["data"]
    completed = data["tasks"][0]
    assert completed["status"] == "completed" and completed["completed"] and completed["completed_at"]
    again = (await client.post(f"{base}/{first}/complete")).json()["data"]
    assert again["progress"] == data["progress"] > story["progress"]  # from state, never re-added
    assert again["tasks"][0]["completed_at"] == completed["completed_at"]


async def test_unknown_tasks_objectives_and_locations_are_404(client) -> None:
    scene_id, story = await _scene(client)
    task = story["tasks"][0]
    base = f"/api/scenes/{scene_id}/story"
    assert_error(await client.post(f"{base}/tasks/task_nope/objectives/obj_x/complete"), 404, "TASK_NOT_FOUND")
    assert_error(
        await client.post(f"{base}/tasks/{task['id']}/objectives/obj_nope/complete"), 404, "RESOURCE_NOT_FOUND"
    )
    assert_error(await client.post(f"{base}/locations/loc_nope/unlock"), 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.post(f"{base}/locations/loc_nope/explore"), 404, "RESOURCE_NOT_FOUND")


async def test_a_locked_location_is_409_until_unlocked_then_exploring_sets_explored_at(client) -> None:
    scene_id, story = await _scene(client)
    locked = next(loc for loc in story["locations"] if not loc["accessible"])
    base = f"/api/scenes/{scene_id}/story/locations/{locked['id']}"
    assert_error(await client.post(f"{base}/explore"), 409, "CONFLICT")
    unlocked = (await client.post(f"{base}/unlock")).json()["data"]
    assert next(loc for loc in unlocked["locations"] if loc["id"] == locked["id"])["accessible"] is True
    explored = await client.post(f"{base}/explore", params={"preferences": '{"creativity_level": "expansive"}'})
    assert explored.status_code == 200, explored.text
    result = explored.json()["data"]
    assert result["location_id"] == locked["id"] and result["description"] and result["explored_time"]
    after = await get_story(client, scene_id)
    assert (
        next(loc for loc in after["locations"] if loc["id"] == locked["id"])["explored_at"] == result["explored_time"]
    )
    if "story_node" in result:
        assert after["current_node_id"] == result["story_node"]["id"]
        assert result["story_node"]["source"] == "EXPLORATION"
    if "found_item" in result:
        owned = (await _items(client, scene_id))["owned_items"]
        assert any(item["id"] == result["found_item"]["id"] and item["source"] == "EXPLORATION" for item in owned)


async def test_a_batch_applies_every_operation(client) -> None:
    scene_id, story = await _scene(client)
    task, locked = story["tasks"][0], next(loc for loc in story["locations"] if not loc["accessible"])
    operations = [
        {"type": "complete_objective", "data": {"task_id": task["id"], "objective_id": task["objectives"][0]["id"]}},
        {"type": "unlock_location", "data": {"location_id": locked["id"]}},
        {"type": "add_item", "data": {"name": "silver thimble", "description": "Kitty's", "is_owned": True}},
    ]
    response = await client.post(f"/api/scenes/{scene_id}/story/batch", json={"operations": operations})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["operations"] == 3 and [r["type"] for r in data["results"]] == [op["type"] for op in operations]
    after = await get_story(client, scene_id)
    assert after["tasks"][0]["objectives"][0]["completed"]
    assert next(loc for loc in after["locations"] if loc["id"] == locked["id"])["accessible"]
    assert any(item["name"] == "silver thimble" for item in (await _items(client, scene_id))["owned_items"])


async def test_a_batch_with_one_bad_operation_changes_nothing(client) -> None:
    scene_id, story = await _scene(client)
    task, locked = story["tasks"][0], next(loc for loc in story["locations"] if not loc["accessible"])
    good = [
        {"type": "complete_objective", "data": {"task_id": task["id"], "objective_id": task["objectives"][0]["id"]}},
        {"type": "add_item", "data": {"name": "silver thimble"}},
        {"type": "unlock_location", "data": {"location_id": locked["id"]}},
    ]
    for bad, status, code in (
        ({"type": "unlock_location", "data": {"location_id": "loc_nope"}}, 404, "RESOURCE_NOT_FOUND"),
        ({"type": "summon_dragon", "data": {}}, 400, "BAD_REQUEST"),
        ({"type": "add_item", "data": {"name": ""}}, 400, "BAD_REQUEST"),
    ):
        response = await client.post(f"/api/scenes/{scene_id}/story/batch", json={"operations": [*good, bad]})
        body = assert_error(response, status, code)
        assert body["error"]["details"]["operation_index"] == 3
        after = await get_story(client, scene_id)
        assert not after["tasks"][0]["objectives"][0]["completed"]
        assert not next(loc for loc in after["locations"] if loc["id"] == locked["id"])["accessible"]
        assert (await _items(client, scene_id))["owned_items"] == []
    assert_error(await client.post(f"/api/scenes/{scene_id}/story/batch", json={"operations": []}), 400, "BAD_REQUEST")

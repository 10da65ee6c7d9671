"""Every number a client sends is range-checked (400 naming the field, never a 500), and free-form JSON objects
are bounded in size and depth."""

from __future__ import annotations

import pytest

from tests.support.builders import assert_error

HUGE = 99999999999999999999
HUGE_JSON_INT = 10**30
DEEP: list = [1]
for _ in range(20):
    DEEP = [DEEP]


def _fields(body: dict) -> set[str]:
    return {detail["field"] for detail in body["error"]["details"]}


async def _shell(client) -> str:
    response = await client.post("/api/scenes/shell", json={"title": "Harbour", "description": "fog"})
    return response.json()["data"]["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/scenes?page={n}",
        "/api/scenes?page={n}&paginated=true",
        "/api/scenes?limit={n}",
        "/api/scenes/{scene}/conversations?page={n}",
        "/api/scenes/{scene}/conversations?limit={n}",
        "/api/interactions/{scene}?page={n}",
        "/api/interactions/{scene}?limit={n}",
        "/api/scenes/{scene}/aggregate?conversation_limit={n}",
        "/api/progress/task_x?last_event_id={n}",
        "/api/scenes?page=-{n}",
    ],
)
async def test_out_of_range_query_numbers_are_400(client, path: str) -> None:
    scene = await _shell(client)
    response = await client.get(path.format(n=HUGE, scene=scene))
    body = assert_error(response, 400, "BAD_REQUEST")
    assert _fields(body) & {"page", "limit", "conversation_limit", "last_event_id"}


async def test_a_huge_last_event_id_header_is_400_before_the_stream(client) -> None:
    started = await client.post("/api/analyze", json={"title": "T", "text": "Alice met Bob in the garden."})
    task_id = started.json()["data"]["task_id"]
    response = await client.get(f"/api/progress/{task_id}", headers={"Last-Event-ID": "9" * 30})
    body = assert_error(response, 400, "BAD_REQUEST")
    assert _fields(body) == {"Last-Event-ID"}
    resumed = await client.get(f"/api/progress/{task_id}", headers={"Last-Event-ID": "not-a-number"})
    assert resumed.status_code == 200  # an unknown id is ignored, as the SSE spec has it


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Lamp", "properties": {"weight": HUGE_JSON_INT}}, "properties"),
        ({"name": "Lamp", "properties": {"a": {"b": [1, 2, -HUGE_JSON_INT]}}}, "properties"),
        ({"name": "Lamp", "properties": {"blob": "x" * 20_000}}, "properties"),
        ({"name": "Lamp", "properties": {"deep": DEEP}}, "properties"),
    ],
)
async def test_item_properties_are_bounded(client, body: dict, field: str) -> None:
    scene = await _shell(client)
    response = await client.post(f"/api/scenes/{scene}/items", json=body)
    details = assert_error(response, 400, "BAD_REQUEST")["error"]["details"]
    assert details[0]["field"] == field
    ok = await client.post(f"/api/scenes/{scene}/items", json={"name": "Lamp", "properties": {"weight": 2**53 - 1}})
    assert ok.status_code == 201
    assert ok.json()["data"]["properties"] == {"weight": 2**53 - 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Fire", "effects": [{"description": "burn", "value": HUGE_JSON_INT}]}, "effects.0.value"),
        ({"name": "Fire", "effects": [{"description": "burn", "duration": HUGE_JSON_INT}]}, "effects.0.duration"),
        ({"name": "Fire", "effects": [{"description": "burn"}], "cooldown": HUGE_JSON_INT}, "cooldown"),
        ({"name": "Fire", "effects": [{"description": "burn"}], "cooldown": -HUGE_JSON_INT}, "cooldown"),
    ],
)
async def test_skill_numbers_are_range_checked(client, body: dict, field: str) -> None:
    response = await client.post("/api/users/console_user/skills", json=body)
    assert field in _fields(assert_error(response, 400, "BAD_REQUEST"))


async def test_item_effect_numbers_are_range_checked(client) -> None:
    body = {"name": "Potion", "effects": [{"description": "heal", "value": HUGE_JSON_INT}]}
    response = await client.post("/api/users/console_user/items", json=body)
    assert "effects.0.value" in _fields(assert_error(response, 400, "BAD_REQUEST"))


async def test_aggregate_free_form_objects_are_bounded(client) -> None:
    scene = await _shell(client)
    body = {"scene_id": scene, "character_ids": [], "message": "hi", "emotion_data": {"x": HUGE_JSON_INT}}
    assert "emotion_data" in _fields(
        assert_error(await client.post("/api/interactions/aggregate", json=body), 400, "BAD_REQUEST")
    )
    body = {"scene_id": scene, "character_ids": [], "message": "hi", "context": {"x": "y" * 20_000}}
    assert "context" in _fields(
        assert_error(await client.post("/api/interactions/aggregate", json=body), 400, "BAD_REQUEST")
    )


async def test_simulation_turns_are_range_checked(client) -> None:
    scene = await _shell(client)
    body = {"scene_id": scene, "character_ids": ["a", "b"], "initial_situation": "x", "number_of_turns": HUGE_JSON_INT}
    response = await client.post("/api/interactions/simulate", json=body)
    assert "number_of_turns" in _fields(assert_error(response, 400, "BAD_REQUEST"))

"""Characters among themselves: trigger with two and three characters, the pair endpoint, simulate, the history
with filters and pages, aggregate, and the reference's error codes."""

from __future__ import annotations

import pytest

from tests.chat.conftest import conversations, scene_with_cast
from tests.support.builders import assert_error


async def _trigger(client, headers, scene_id: str, character_ids: list[str], topic: str = "the ball") -> dict:
    body = {"scene_id": scene_id, "character_ids": character_ids, "topic": topic, "context_description": "at dusk"}
    response = await client.post("/api/interactions/trigger", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_trigger_with_two_characters_returns_and_stores_the_exchange(client, alice, scene) -> None:
    ids = scene.ids("Elizabeth", "Darcy")
    interaction = await _trigger(client, alice, scene.id, ids)
    assert set(interaction) == {"id", "scene_id", "character_ids", "topic", "dialogues", "timestamp", "metadata"}
    assert (interaction["scene_id"], interaction["character_ids"], interaction["topic"]) == (scene.id, ids, "the ball")
    assert interaction["metadata"]["context_description"] == "at dusk"
    dialogues = interaction["dialogues"]
    assert len(dialogues) >= 3 and {d["character_id"] for d in dialogues} == set(ids)
    for line in dialogues:
        assert line["character_name"] == next(c["name"] for c in scene.characters if c["id"] == line["character_id"])
        assert line["message"] and line["emotion"] and line["action"]
    log = await conversations(client, alice, scene.id)
    assert [(m["id"], m["speaker_id"], m["content"]) for m in log] == [
        (d["message_id"], d["character_id"], d["message"]) for d in dialogues
    ]
    meta = log[0]["metadata"]
    assert meta["interaction_id"] == interaction["id"] and meta["conversation_type"] == "character_interaction"
    assert meta["character_ids"] == ids and meta["target_character_id"] == ids[1]
    offline = {"provider": "builtin", "model": "builtin", "offline": True}
    for labelled in (interaction["metadata"], meta, *dialogues):
        assert {key: labelled[key] for key in offline} == offline
    assert interaction["metadata"]["tokens_used"] == 0  # no model ran


async def test_the_pair_endpoint_returns_what_trigger_stored(client, alice, scene) -> None:
    elizabeth, darcy, jane = scene.ids("Elizabeth", "Darcy", "Jane")
    pair = await _trigger(client, alice, scene.id, [elizabeth, darcy])
    trio = await _trigger(client, alice, scene.id, [elizabeth, darcy, jane], topic="Netherfield")
    assert {d["character_id"] for d in trio["dialogues"]} == {elizabeth, darcy, jane}
    response = await client.get(f"/api/interactions/{scene.id}/{elizabeth}/{darcy}?limit=100", headers=alice)
    assert response.json()["message"] == "获取角色互动记录成功"
    between = response.json()["data"]
    pair_ids = [d["message_id"] for d in pair["dialogues"]]
    assert [m["id"] for m in between][: len(pair_ids)] == pair_ids  # the whole two-person exchange
    for line in between[len(pair_ids) :]:  # then the lines of the three-person one they said to each other
        assert {line["speaker_id"], line["metadata"]["target_character_id"]} == {elizabeth, darcy}
        assert line["metadata"]["interaction_id"] == trio["id"]
    reverse = (await client.get(f"/api/interactions/{scene.id}/{darcy}/{elizabeth}?limit=100", headers=alice)).json()
    assert reverse["data"] == between
    nothing = (await client.get(f"/api/interactions/{scene.id}/{jane}/{scene.ids('Kitty')[0]}", headers=alice)).json()
    assert (nothing["data"], nothing["message"]) == ([], "暂无互动记录")


async def test_simulate_returns_the_dialogue_array_and_its_id(client, alice, scene) -> None:
    ids = scene.ids("Elizabeth", "Jane", "Mrs. Bennet")
    body = {"scene_id": scene.id, "character_ids": ids, "initial_situation": "A letter arrives", "number_of_turns": 5}
    response = await client.post("/api/interactions/simulate", headers=alice, json=body)
    assert response.status_code == 200, response.text
    envelope = response.json()
    simulation_id = envelope["meta"]["simulation_id"]
    assert response.headers["x-simulation-id"] == simulation_id and simulation_id.startswith("simulation_")
    dialogues = envelope["data"]
    assert isinstance(dialogues, list) and len(dialogues) == 5
    assert {"character_id", "character_name", "message", "emotion", "action", "timestamp"} <= set(dialogues[0])
    history = await client.get(f"/api/interactions/{scene.id}?simulation_id={simulation_id}", headers=alice)
    stored = history.json()["data"]
    assert [m["id"] for m in stored] == [d["message_id"] for d in dialogues]
    assert {m["metadata"]["conversation_type"] for m in stored} == {"character_simulation"}
    assert {(d["provider"], d["offline"]) for d in dialogues} == {("builtin", True)}
    assert {(m["metadata"]["provider"], m["metadata"]["offline"]) for m in stored} == {("builtin", True)}
    default = {"scene_id": scene.id, "character_ids": ids[:2], "initial_situation": "Rain", "number_of_turns": 0}
    assert len((await client.post("/api/interactions/simulate", headers=alice, json=default)).json()["data"]) == 3


async def test_history_filters_and_pages(client, alice, scene) -> None:
    ids = scene.ids("Elizabeth", "Darcy")
    first = await _trigger(client, alice, scene.id, ids, topic="dancing")
    second = await _trigger(client, alice, scene.id, ids, topic="reading")
    chat = {"scene_id": scene.id, "character_id": ids[0], "message": "Hello"}
    await client.post("/api/chat", headers=alice, json=chat)  # plain chats are not interactions
    base = f"/api/interactions/{scene.id}"
    every = [d["message_id"] for d in first["dialogues"] + second["dialogues"]]
    all_lines = (await client.get(f"{base}?limit=100", headers=alice)).json()["data"]
    assert [m["id"] for m in all_lines] == every
    only_first = (await client.get(f"{base}?interaction_id={first['id']}", headers=alice)).json()["data"]
    assert [m["id"] for m in only_first] == [d["message_id"] for d in first["dialogues"]]
    darcy_only = (await client.get(f"{base}?character_id={ids[1]}&limit=100", headers=alice)).json()["data"]
    assert darcy_only and {m["speaker_id"] for m in darcy_only} == {ids[1]}
    page = (await client.get(f"{base}?limit=3&page=2&paginated=true", headers=alice)).json()
    assert [m["id"] for m in page["data"]] == every[-6:-3]
    assert page["meta"] == {"page": 2, "per_page": 3, "total": len(every), "total_pages": (len(every) + 2) // 3}
    for bad in ("limit=0", "limit=-1", "page=0", "limit=abc"):
        assert_error(await client.get(f"{base}?{bad}", headers=alice), 400, "BAD_REQUEST")


async def test_aggregate_answers_with_the_full_shape_and_writes_each_line_once(client, alice, scene) -> None:
    ids = scene.ids("Elizabeth", "Darcy")
    body = {"scene_id": scene.id, "character_ids": ids, "message": "I know a secret about Mr. Wickham!"}
    response = await client.post("/api/interactions/aggregate", headers=alice, json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert {
        "messages",
        "story_updates",
        "character_states",
        "new_choices",
        "ui_updates",
        "notifications",
        "events",
        "stats",
    } <= set(data)
    assert [m["character_id"] for m in data["messages"]] == ids
    message = data["messages"][0]
    assert message["message_type"] == "response" and message["content"] == message["emotion_data"]["text"]
    assert set(message["emotion_data"]) == {
        "text", "emotion", "action", "intensity", "body_language", "facial_expression", "voice_tone",
        "secondary_emotions",
    }  # fmt: skip
    state = data["character_states"][ids[0]]
    assert {"character_id", "mood", "energy", "relationship", "current_activity", "status_effects"} <= set(state)
    assert set(state["relationship"]) == {"user", ids[1]}
    updates = data["story_updates"]
    assert isinstance(updates["progress_change"], int) and updates["progress_change"] >= 1
    assert "secret" in updates["keywords"] and updates["applied"] is False
    assert {e["event_type"] for e in data["events"]} >= {"keyword_trigger"}
    assert 1 <= len(data["new_choices"]) <= 3 and data["ui_updates"]["highlight_characters"] == ids
    stats = data["stats"]
    assert (stats["characters_involved"], stats["messages_generated"], stats["messages_saved"]) == (2, 2, 3)
    assert (stats["tokens_used"], stats["offline"]) == (0, True)  # offline: no model ran, no tokens used
    assert all(m["metadata"]["offline"] and m["metadata"]["provider"] == "builtin" for m in data["messages"])
    log = await conversations(client, alice, scene.id)
    assert [m["speaker_id"] for m in log] == ["user", *ids]  # each line once (the reference wrote them twice)
    assert [m["id"] for m in log[1:]] == [m["metadata"]["message_id"] for m in data["messages"]]


async def test_aggregate_options_switch_parts_off(client, alice, scene) -> None:
    body = {
        "scene_id": scene.id,
        "character_ids": scene.ids("Jane"),
        "message": "Good morning.",
        "options": {"generate_follow_ups": True},
    }
    data = (await client.post("/api/interactions/aggregate", headers=alice, json=body)).json()["data"]
    assert "story_updates" not in data and data["events"] == [] and data["new_choices"]
    assert data["stats"]["messages_saved"] == 0 and await conversations(client, alice, scene.id) == []


@pytest.mark.parametrize("path", ["trigger", "simulate"])
async def test_exchange_bad_inputs_get_the_reference_codes(app, client, alice, bob, scene, path) -> None:
    elizabeth, darcy = scene.ids("Elizabeth", "Darcy")
    other = await scene_with_cast(app, client, alice, "zh")
    text_key = "topic" if path == "trigger" else "initial_situation"

    async def post(headers=alice, **body):
        payload = {"scene_id": scene.id, text_key: "the ball", **body}
        return await client.post(f"/api/interactions/{path}", headers=headers, json=payload)

    assert_error(await post(character_ids=[elizabeth]), 400, "INSUFFICIENT_CHARACTERS")
    assert_error(await post(character_ids=[elizabeth, elizabeth]), 400, "INSUFFICIENT_CHARACTERS")
    assert_error(await post(character_ids=[]), 400, "INSUFFICIENT_CHARACTERS")
    assert_error(await post(character_ids=[elizabeth, "char_nobody"]), 404, "CHARACTER_NOT_FOUND")
    foreign = other.character("林黛玉")["id"]
    assert_error(await post(character_ids=[elizabeth, foreign]), 404, "CHARACTER_NOT_FOUND")
    assert_error(await post(character_ids=[elizabeth, darcy], **{text_key: "  "}), 400, "INVALID_INTERACTION_PARAMS")
    assert_error(await post(character_ids=elizabeth), 400, "BAD_REQUEST")
    assert_error(await post(headers=bob, character_ids=[elizabeth, darcy]), 404, "SCENE_NOT_FOUND")
    assert await conversations(client, alice, scene.id) == []


async def test_read_endpoints_check_scene_and_characters(client, alice, bob, scene) -> None:
    elizabeth, darcy = scene.ids("Elizabeth", "Darcy")
    assert_error(await client.get(f"/api/interactions/{scene.id}", headers=bob), 404, "SCENE_NOT_FOUND")
    assert_error(
        await client.get(f"/api/interactions/{scene.id}/{elizabeth}/{darcy}", headers=bob), 404, "SCENE_NOT_FOUND"
    )
    assert_error(
        await client.get(f"/api/interactions/{scene.id}/{elizabeth}/char_nobody", headers=alice),
        404,
        "CHARACTER_NOT_FOUND",
    )
    assert_error(
        await client.get(f"/api/interactions/{scene.id}/{elizabeth}/{elizabeth}", headers=alice),
        400,
        "INVALID_INTERACTION_PARAMS",
    )
    aggregate = {"scene_id": scene.id, "character_ids": [], "message": "Hi"}
    response = await client.post("/api/interactions/aggregate", headers=alice, json=aggregate)
    assert_error(response, 400, "INSUFFICIENT_CHARACTERS")

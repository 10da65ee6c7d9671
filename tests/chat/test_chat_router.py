"""POST /api/chat and /api/chat/emotion with the builtin provider: reference shapes, persistence, bad inputs,
and 20 chats at once to one scene."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.chat.conftest import conversations, scene_with_cast
from tests.support.builders import assert_error

EMOTIONS = {"joy", "anger", "sadness", "fear", "surprise", "contempt", "disgust", "neutral"}


async def test_chat_answers_in_character_and_stores_both_lines_once(client, alice, scene) -> None:
    elizabeth = scene.character("Elizabeth")
    body = {"scene_id": scene.id, "character_id": elizabeth["id"], "message": "What do you think of Mr. Darcy?"}
    response = await client.post("/api/chat", headers=alice, json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["character"] == elizabeth["name"] and data["character_id"] == elizabeth["id"]
    assert data["response"] and "Darcy" in data["response"]
    log = await conversations(client, alice, scene.id)
    assert [(m["speaker_id"], m["content"]) for m in log] == [
        ("user", "What do you think of Mr. Darcy?"),
        (elizabeth["id"], data["response"]),
    ]
    assert [m["id"] for m in log] == [data["user_message_id"], data["message_id"]]
    assert log[1]["parent_id"] == log[0]["id"] and log[1]["speaker_name"] == elizabeth["name"]
    offline = {"provider": "builtin", "model": "builtin", "offline": True}  # who made it, on the wire and stored
    assert {key: data[key] for key in offline} == offline
    assert {key: log[1]["metadata"][key] for key in offline} == offline
    assert not {"provider", "offline"} & set(log[0]["metadata"])  # the user's line is the user's


async def test_emotion_chat_has_the_reference_shape_and_counts_its_tokens(client, alice, scene) -> None:
    darcy = scene.character("Darcy")
    body = {"scene_id": scene.id, "character_id": darcy["id"], "message": "You are rude and proud, sir!"}
    response = await client.post("/api/chat/emotion", headers=alice, json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert {
        "character_id",
        "character_name",
        "response",
        "emotion",
        "intensity",
        "body_language",
        "facial_expression",
        "voice_tone",
        "secondary_emotions",
        "timestamp",
        "tokens_used",
    } <= set(data)
    assert data["character_name"] == darcy["name"] and data["emotion"] in EMOTIONS
    assert 1 <= data["intensity"] <= 10
    # offline: no model ran, so no tokens were used, and the reply says who made it
    assert (data["tokens_used"], data["provider"], data["model"], data["offline"]) == (0, "builtin", "builtin", True)
    assert set(data["secondary_emotions"]) <= EMOTIONS and len(data["secondary_emotions"]) <= 2
    log = await conversations(client, alice, scene.id)
    assert [m["speaker_id"] for m in log] == ["user", darcy["id"]]
    stored = log[1]["metadata"]
    assert (stored["emotion"], stored["intensity"], stored["tokens_used"], stored["offline"]) == (
        data["emotion"],
        data["intensity"],
        data["tokens_used"],
        True,
    )


async def test_a_chinese_scene_is_answered_in_chinese(app, client, alice) -> None:
    scene = await scene_with_cast(app, client, alice, "zh")
    daiyu = scene.character("林黛玉")
    body = {"scene_id": scene.id, "character_id": daiyu["id"], "message": "你觉得宝玉这个人怎么样？"}
    data = (await client.post("/api/chat", headers=alice, json=body)).json()["data"]
    assert data["character"] == "林黛玉"
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in data["response"]) > len(data["response"]) / 3


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/emotion"])
async def test_bad_inputs_get_the_reference_codes(app, client, alice, bob, scene, path) -> None:
    elizabeth = scene.character("Elizabeth")["id"]
    other = await scene_with_cast(app, client, alice, "zh")

    async def post(headers=alice, **body):
        return await client.post(path, headers=headers, json={"scene_id": scene.id, **body})

    assert_error(await post(character_id="char_nobody", message="hi"), 404, "CHARACTER_NOT_FOUND")
    foreign = other.character("林黛玉")["id"]
    assert_error(await post(character_id=foreign, message="hi"), 404, "CHARACTER_NOT_FOUND")
    assert_error(await post(character_id=elizabeth, message=""), 400, "BAD_REQUEST")
    assert_error(await post(character_id=elizabeth, message="   "), 400, "BAD_REQUEST")
    assert_error(await post(character_id=elizabeth, message="x" * 10_001), 400, "BAD_REQUEST")
    assert_error(await post(character_id=elizabeth), 400, "BAD_REQUEST")
    assert_error(await post(headers=bob, character_id=elizabeth, message="hi"), 404, "SCENE_NOT_FOUND")
    missing = await client.post(path, headers=alice, json={"scene_id": "scene_x", "character_id": "c", "message": "m"})
    assert_error(missing, 404, "SCENE_NOT_FOUND")
    assert await conversations(client, alice, scene.id) == []  # nothing was stored by any of them


async def test_twenty_concurrent_chats_to_one_scene_store_every_message_exactly_once(client, alice, scene) -> None:
    speakers = [c["id"] for c in scene.characters[:4]]

    async def chat(n: int):
        body = {"scene_id": scene.id, "character_id": speakers[n % 4], "message": f"Question number {n}?"}
        return await client.post("/api/chat", headers=alice, json=body)

    responses = await asyncio.gather(*(chat(n) for n in range(20)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    log = await conversations(client, alice, scene.id)
    assert len(log) == 40 and len({m["id"] for m in log}) == 40
    user_lines = sorted(m["content"] for m in log if m["speaker_id"] == "user")
    assert user_lines == sorted(f"Question number {n}?" for n in range(20))
    by_id = {m["id"]: m for m in log}
    for response in responses:
        data = response.json()["data"]
        reply, question = by_id[data["message_id"]], by_id[data["user_message_id"]]
        assert reply["parent_id"] == question["id"] and reply["content"] == data["response"]
    # The log stays one chain: each turn follows the previous one.
    for previous, message in itertools.pairwise(log):
        assert message["parent_id"] == previous["id"]


async def test_a_deleted_scene_cannot_be_chatted_with(client, alice, scene) -> None:
    body = {"scene_id": scene.id, "character_id": scene.character("Jane")["id"], "message": "Hello"}
    assert (await client.post("/api/chat", headers=alice, json=body)).status_code == 200  # scene and cast cached
    assert (await client.delete(f"/api/scenes/{scene.id}", headers=alice)).status_code == 200
    assert_error(await client.post("/api/chat", headers=alice, json=body), 404, "SCENE_NOT_FOUND")

"""What a real model is sent (a fake OpenAI server records it), and how its answers are read: roles and
attribution of the history, the bounded history window, real character ids in dialogue prompts, unknown ids in
a model's dialogue mapped or dropped, and real token counts."""

from __future__ import annotations

import json

import pytest

from tests.chat.conftest import chat_requests, conversations
from tests.support.builders import assert_error


@pytest.fixture
def settings(make_settings):
    return make_settings(allow_private_provider_urls=True, chat_history_messages=6)


def _dialogue(*lines: dict) -> str:
    return json.dumps({"dialogues": list(lines)})


async def test_multi_turn_chat_sends_attributed_history_in_a_bounded_window(client, alice, scene, vendor) -> None:
    elizabeth, darcy = scene.character("Elizabeth"), scene.character("Darcy")
    vendor.replies.append(
        _dialogue(
            {"character_id": darcy["id"], "character_name": "Mr. Darcy", "message": "She is tolerable."},
            {"character_id": elizabeth["id"], "character_name": "Elizabeth", "message": "How very kind."},
        )
    )
    body = {"scene_id": scene.id, "character_ids": [darcy["id"], elizabeth["id"]], "topic": "the assembly"}
    assert (await client.post("/api/interactions/trigger", headers=alice, json=body)).status_code == 200
    for n in range(4):
        vendor.replies.append(f"Reply number {n}.")
        chat = {"scene_id": scene.id, "character_id": elizabeth["id"], "message": f"Line {n} from me."}
        assert (await client.post("/api/chat", headers=alice, json=chat)).json()["data"]["response"] == (
            f"Reply number {n}."
        )
    first_chat, *_, last_chat = chat_requests(vendor)[1:]
    system = last_chat["messages"][0]
    assert system["role"] == "system"
    assert elizabeth["name"] in system["content"] and "Pride and Prejudice" in system["content"]
    assert darcy["id"] in system["content"]  # the other characters are named with their ids
    # The first chat heard the exchange: Darcy's line attributed to Darcy, Elizabeth's own line as hers.
    assert first_chat["messages"][1:] == [
        {"role": "user", "content": "[Mr. Darcy] She is tolerable."},
        {"role": "assistant", "content": "How very kind."},
        {"role": "user", "content": "Line 0 from me."},
    ]
    # The last one sees only the 6 latest messages of the branch, then the new line.
    assert last_chat["messages"][1:] == [
        {"role": "user", "content": "Line 0 from me."},
        {"role": "assistant", "content": "Reply number 0."},
        {"role": "user", "content": "Line 1 from me."},
        {"role": "assistant", "content": "Reply number 1."},
        {"role": "user", "content": "Line 2 from me."},
        {"role": "assistant", "content": "Reply number 2."},
        {"role": "user", "content": "Line 3 from me."},
    ]
    assert last_chat["temperature"] == 0.8


async def test_emotion_counts_the_tokens_of_every_attempt(client, alice, scene, vendor) -> None:
    darcy = scene.character("Darcy")
    vendor.replies.extend(["not json at all", json.dumps({"response": "Hm.", "emotion": "愤怒", "intensity": "7"})])
    body = {"scene_id": scene.id, "character_id": darcy["id"], "message": "Dance with me."}
    data = (await client.post("/api/chat/emotion", headers=alice, json=body)).json()["data"]
    assert (data["response"], data["emotion"], data["intensity"]) == ("Hm.", "anger", 7)
    assert data["tokens_used"] == 2 * 18  # the fake reports 18 tokens a call; the answer took two
    sent = chat_requests(vendor)[0]["messages"]
    assert any(m["content"] == "Dance with me." for m in sent if m["role"] == "user")
    assert "Pride and Prejudice" in "".join(m["content"] for m in sent if m["role"] == "system")


async def test_dialogue_prompts_carry_real_ids_and_unknown_speakers_are_mapped_or_dropped(
    client, alice, scene, vendor
) -> None:
    elizabeth, darcy, jane = scene.character("Elizabeth"), scene.character("Darcy"), scene.character("Jane")
    vendor.replies.append(
        _dialogue(
            {"character_name": "ELIZABETH BENNET", "message": "By name only."},
            {"character_id": "char_invented", "character_name": "Mr. Collins", "message": "I am not here."},
            {"character_id": darcy["id"], "character_name": "whoever", "message": "By id."},
            {"character_id": "Jane", "message": "An id that holds a name."},
        )
    )
    body = {
        "scene_id": scene.id,
        "character_ids": [elizabeth["id"], darcy["id"], jane["id"]],
        "topic": "Netherfield",
    }
    data = (await client.post("/api/interactions/trigger", headers=alice, json=body)).json()["data"]
    assert [(d["character_id"], d["character_name"], d["message"]) for d in data["dialogues"]] == [
        (elizabeth["id"], elizabeth["name"], "By name only."),
        (darcy["id"], darcy["name"], "By id."),
        (jane["id"], jane["name"], "An id that holds a name."),
    ]
    prompt = "\n".join(m["content"] for m in chat_requests(vendor)[0]["messages"])
    for character in (elizabeth, darcy, jane):
        assert f"character_id: {character['id']} | {character['name']}" in prompt
    assert "Netherfield" in prompt
    stored = await conversations(client, alice, scene.id)
    assert [m["speaker_id"] for m in stored] == [elizabeth["id"], darcy["id"], jane["id"]]


async def test_a_dialogue_nobody_of_the_exchange_speaks_is_a_502_and_stores_nothing(
    client, alice, scene, vendor
) -> None:
    vendor.replies.append(_dialogue({"character_id": "x", "character_name": "Nobody", "message": "Hello."}))
    body = {"scene_id": scene.id, "character_ids": scene.ids("Elizabeth", "Darcy"), "topic": "Netherfield"}
    assert_error(
        await client.post("/api/interactions/trigger", headers=alice, json=body), 502, "CHARACTER_INTERACTION_FAILED"
    )
    assert await conversations(client, alice, scene.id) == []


async def test_an_empty_dialogue_is_re_asked_then_answered_offline_and_labelled(client, alice, scene, vendor) -> None:
    vendor.replies.extend([_dialogue(), _dialogue({"character_name": "Mr. Darcy", "message": "   "})])
    simulate = {"scene_id": scene.id, "character_ids": scene.ids("Elizabeth", "Darcy"), "initial_situation": "Rain"}
    response = await client.post("/api/interactions/simulate", headers=alice, json=simulate)
    assert response.status_code == 200, response.text
    assert not vendor.replies  # the empty exchange was asked for again before falling back
    lines = response.json()["data"]
    assert lines and all(line["provider"] == "builtin" and line["offline"] is True for line in lines)
    assert all("unusable JSON (dialogues: empty" in line["fallback_reason"] for line in lines)


async def test_a_provider_failure_is_a_typed_error_and_stores_nothing(client, alice, scene, vendor) -> None:
    vendor.plan("401")
    body = {"scene_id": scene.id, "character_id": scene.character("Elizabeth")["id"], "message": "Hello"}
    assert_error(await client.post("/api/chat", headers=alice, json=body), 502, "LLM_AUTH_FAILED")
    vendor.replies.append("   ")
    assert_error(await client.post("/api/chat", headers=alice, json=body), 502, "LLM_BAD_RESPONSE")
    assert await conversations(client, alice, scene.id) == []

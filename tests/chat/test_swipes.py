"""Swipes: regenerate any reply into alternatives, choose which one is active, edit a user message into a new
branch; nothing is ever overwritten, and GET /conversations keeps serving the active path."""

from __future__ import annotations

import httpx

from tests.chat.conftest import conversations
from tests.support.builders import assert_error
from tests.support.sse import sse_events


async def _chat(client, headers, scene_id: str, character_id: str, message: str) -> dict:
    body = {"scene_id": scene_id, "character_id": character_id, "message": message}
    response = await client.post("/api/chat", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _base(scene_id: str, message_id: str) -> str:
    return f"/api/scenes/{scene_id}/conversations/{message_id}"


async def test_regenerate_adds_alternatives_and_activate_switches_between_them(client, alice, scene) -> None:
    jane = scene.character("Jane")["id"]
    first = await _chat(client, alice, scene.id, jane, "How was the ball?")
    second = await _chat(client, alice, scene.id, jane, "And Mr. Bingley?")
    regenerated = await client.post(f"{_base(scene.id, first['message_id'])}/regenerate", headers=alice)
    assert regenerated.status_code == 201, regenerated.text
    again = regenerated.json()["data"]
    assert again["character_id"] == jane and again["response"] == again["message"]["content"]
    assert again["message"]["parent_id"] == first["user_message_id"]
    assert again["message"]["alternatives"] == {
        "count": 2,
        "index": 1,
        "ids": [first["message_id"], again["message"]["id"]],
    }
    assert again["response"] != first["response"]  # the builtin provider words a regeneration differently
    # The active path now ends with the new reply; the later turn went with the old one (kept, not deleted).
    log = await conversations(client, alice, scene.id)
    assert [m["id"] for m in log] == [first["user_message_id"], again["message"]["id"]]
    assert log[1]["alternatives"]["count"] == 2
    listed = (await client.get(f"{_base(scene.id, first['message_id'])}/alternatives", headers=alice)).json()["data"]
    assert listed["selected_id"] == again["message"]["id"]
    assert [(a["id"], a["active"], a["selected"], a["content"]) for a in listed["alternatives"]] == [
        (first["message_id"], False, False, first["response"]),
        (again["message"]["id"], True, True, again["response"]),
    ]
    # Choosing the first reply again brings back the branch that followed it.
    chosen = await client.post(f"{_base(scene.id, first['message_id'])}/activate", headers=alice)
    assert chosen.status_code == 200 and chosen.json()["data"]["selected_id"] == first["message_id"]
    log = await conversations(client, alice, scene.id)
    assert [m["id"] for m in log] == [
        first["user_message_id"],
        first["message_id"],
        second["user_message_id"],
        second["message_id"],
    ]
    third = await client.post(f"{_base(scene.id, first['message_id'])}/regenerate", headers=alice)
    assert third.json()["data"]["message"]["alternatives"]["count"] == 3


async def test_regenerating_a_user_message_answers_it_again_and_streams_too(server, client, alice, scene) -> None:
    darcy = scene.character("Darcy")["id"]
    turn = await _chat(client, alice, scene.id, darcy, "Do you read much?")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        url = f"{_base(scene.id, turn['user_message_id'])}/regenerate"
        async with http.stream("POST", url, headers=alice, json={"stream": True}) as response:
            assert response.status_code == 200  # a stream opens with 200; what it created arrives in `done`
            events = [event async for event in sse_events(response)]
    done = events[-1]
    assert done.event == "done" and {e.event for e in events[:-1]} == {"delta"}
    assert "".join(e.data["delta"] for e in events[:-1]).strip() == done.data["message"]["content"]
    assert done.data["message"]["parent_id"] == turn["user_message_id"]
    assert done.data["message"]["alternatives"]["ids"] == [turn["message_id"], done.data["message"]["id"]]
    log = await conversations(client, alice, scene.id)
    assert [m["id"] for m in log] == [turn["user_message_id"], done.data["message"]["id"]]


async def test_editing_a_user_message_forks_a_branch_and_keeps_the_original(client, alice, scene) -> None:
    elizabeth = scene.character("Elizabeth")["id"]
    first = await _chat(client, alice, scene.id, elizabeth, "Is Mr. Darcy proud?")
    await _chat(client, alice, scene.id, elizabeth, "Why?")
    edited = await client.post(
        f"{_base(scene.id, first['user_message_id'])}/edit", headers=alice, json={"content": "Is Mr. Darcy kind?"}
    )
    assert edited.status_code == 201, edited.text
    data = edited.json()["data"]
    assert data["message"]["content"] == "Is Mr. Darcy kind?"
    assert data["message"]["alternatives"]["ids"] == [first["user_message_id"], data["message"]["id"]]
    assert data["reply"]["character_id"] == elizabeth and data["reply"]["message"]["parent_id"] == data["message"]["id"]
    log = await conversations(client, alice, scene.id)
    assert [m["content"] for m in log] == ["Is Mr. Darcy kind?", data["reply"]["response"]]
    original = (await client.get(f"{_base(scene.id, first['user_message_id'])}/alternatives", headers=alice)).json()
    assert [a["content"] for a in original["data"]["alternatives"]] == ["Is Mr. Darcy proud?", "Is Mr. Darcy kind?"]
    # An edit without a reply only forks.
    bare = await client.post(
        f"{_base(scene.id, data['message']['id'])}/edit", headers=alice, json={"content": "Hm.", "reply": False}
    )
    assert bare.status_code == 201 and "reply" not in bare.json()["data"]
    assert [m["content"] for m in await conversations(client, alice, scene.id)] == ["Hm."]


async def test_swipe_errors(app, client, alice, bob, scene) -> None:
    jane = scene.character("Jane")["id"]
    turn = await _chat(client, alice, scene.id, jane, "Hello")
    async with app.state.db.writer() as session:
        from sceneintruder.scenes import service as scenes_service

        narration = await scenes_service.append_message(session, scene_id=scene.id, speaker_id="story", content="Dusk.")
    assert_error(
        await client.post(f"{_base(scene.id, 'conv_missing')}/regenerate", headers=alice), 404, "RESOURCE_NOT_FOUND"
    )
    assert_error(await client.post(f"{_base(scene.id, narration.id)}/regenerate", headers=alice), 400, "BAD_REQUEST")
    assert_error(
        await client.post(f"{_base(scene.id, turn['message_id'])}/edit", headers=alice, json={"content": "x"}),
        400,
        "BAD_REQUEST",
    )
    assert_error(
        await client.post(f"{_base(scene.id, turn['user_message_id'])}/edit", headers=alice, json={"content": ""}),
        400,
        "BAD_REQUEST",
    )
    other_character = await client.post(
        f"{_base(scene.id, turn['user_message_id'])}/regenerate", headers=alice, json={"character_id": "char_zzz"}
    )
    assert_error(other_character, 404, "CHARACTER_NOT_FOUND")
    for path in ("regenerate", "activate"):
        assert_error(
            await client.post(f"{_base(scene.id, turn['message_id'])}/{path}", headers=bob), 404, "SCENE_NOT_FOUND"
        )
    assert_error(
        await client.get(f"{_base(scene.id, turn['message_id'])}/alternatives", headers=bob), 404, "SCENE_NOT_FOUND"
    )
    log = await conversations(client, alice, scene.id)
    assert [m["content"] for m in log] == ["Hello", turn["response"], "Dusk."]

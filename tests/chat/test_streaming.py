"""Streaming over a real uvicorn: SSE from POST /api/chat, `character_interaction` over /ws/scene/:id, a model
stream cut part-way, and every chat (HTTP too) announced to the scene's room."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.chat.conftest import conversations
from tests.support.sse import SseEvent, sse_events
from tests.support.ws import receive, receive_type, ws_connect


async def _sse_chat(base: str, headers: dict[str, str], body: dict[str, Any]) -> list[SseEvent]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        async with http.stream("POST", "/api/chat", headers=headers, json=body) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            return [event async for event in sse_events(response)]


def _interaction(character_id: str, message: str) -> str:
    return json.dumps({"type": "character_interaction", "character_id": character_id, "message": message})


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def test_sse_streams_deltas_then_done_with_the_stored_message(client, server, alice, scene) -> None:
    elizabeth = scene.character("Elizabeth")
    body = {"scene_id": scene.id, "character_id": elizabeth["id"], "message": "Tell me about Jane.", "stream": True}
    events = await _sse_chat(server, alice, body)
    names = [event.event for event in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) > 2
    streamed = "".join(event.data["delta"] for event in events[:-1])
    done = events[-1].data
    assert done["response"] == streamed.strip() == done["message"]["content"]
    assert done["character"] == elizabeth["name"] and done["user_message"]["content"] == "Tell me about Jane."
    assert (done["provider"], done["offline"], done["message"]["metadata"]["offline"]) == ("builtin", True, True)
    log = await conversations(client, alice, scene.id)
    assert [(m["id"], m["content"]) for m in log] == [
        (done["user_message_id"], "Tell me about Jane."),
        (done["message_id"], streamed.strip()),
    ]


async def test_accept_event_stream_asks_for_a_stream_too(server, alice, scene) -> None:
    body = {"scene_id": scene.id, "character_id": scene.character("Darcy")["id"], "message": "Good evening."}
    events = await _sse_chat(server, {**alice, "Accept": "text/event-stream"}, body)
    assert events[-1].event == "done"


async def test_errors_found_before_the_stream_are_json(server, alice, scene) -> None:
    body = {"scene_id": scene.id, "character_id": "char_nobody", "message": "Hi", "stream": True}
    async with httpx.AsyncClient(base_url=server) as http:
        response = await http.post("/api/chat", headers=alice, json=body)
    assert response.status_code == 404 and response.json()["error"]["code"] == "CHARACTER_NOT_FOUND"


async def test_a_stream_cut_mid_way_ends_with_an_error_event_and_stores_nothing(
    client, server, alice, scene, vendor
) -> None:
    vendor.plan("cut")
    vendor.replies.append("one two three four five six seven eight")
    body = {"scene_id": scene.id, "character_id": scene.character("Jane")["id"], "message": "Hi", "stream": True}
    events = await _sse_chat(server, alice, body)
    assert [event.event for event in events[:-1]] == ["delta"] * (len(events) - 1) and len(events) >= 2
    error = events[-1]
    assert error.event == "error" and error.data["code"] == "LLM_SERVICE_UNAVAILABLE"
    assert await conversations(client, alice, scene.id) == []


async def test_websocket_chat_streams_to_the_whole_room_and_stores_what_it_streamed(
    client, server, alice, scene
) -> None:
    darcy = scene.character("Darcy")
    ws_base = "ws" + server.removeprefix("http")
    path = f"/ws/scene/{scene.id}?token={_token(alice)}"
    async with ws_connect(ws_base, path) as talker, ws_connect(ws_base, path) as listener:
        await receive(talker)
        await receive(listener)
        await talker.send(_interaction(darcy["id"], "Do you dance?"))
        for ws in (talker, listener):
            deltas = []
            while (event := await receive(ws))["type"] == "conversation:delta":
                assert (event["scene_id"], event["character_id"]) == (scene.id, darcy["id"])
                deltas.append(event)
            assert deltas and len({d["stream_id"] for d in deltas}) == 1
            assert event["type"] == "conversation:new"
            assert event["conversation"] == {"character": darcy["name"], "response": event["message"]["content"]}
            assert (event["speaker_id"], event["stream_id"]) == (darcy["id"], deltas[0]["stream_id"])
            assert "".join(d["delta"] for d in deltas).strip() == event["message"]["content"]
    log = await conversations(client, alice, scene.id)
    assert [(m["speaker_id"], m["content"]) for m in log] == [
        ("user", "Do you dance?"),
        (darcy["id"], event["message"]["content"]),
    ]


async def test_websocket_errors_before_the_model_go_to_the_sender_and_a_cut_stream_to_the_room(
    client, server, alice, scene, vendor
) -> None:
    ws_base = "ws" + server.removeprefix("http")
    async with ws_connect(ws_base, f"/ws/scene/{scene.id}?token={_token(alice)}") as ws:
        await receive(ws)
        await ws.send('{"type": "character_interaction", "character_id": "char_nobody", "message": "Hi"}')
        error = await receive_type(ws, "error")
        assert error["code"] == "CHARACTER_NOT_FOUND"
        vendor.plan("cut")
        vendor.replies.append("one two three four five six")
        jane = scene.character("Jane")["id"]
        await ws.send(_interaction(jane, "Hi"))
        failed = await receive_type(ws, "conversation:error")
        assert (failed["code"], failed["character_id"]) == ("LLM_SERVICE_UNAVAILABLE", jane)
        await ws.send('{"type": "ping"}')
        assert (await receive_type(ws, "pong"))["type"] == "pong"
    assert await conversations(client, alice, scene.id) == []


async def test_http_chats_and_exchanges_are_announced_to_the_room(client, server, alice, scene) -> None:
    elizabeth, darcy = scene.character("Elizabeth"), scene.character("Darcy")
    ws_base = "ws" + server.removeprefix("http")
    async with ws_connect(ws_base, f"/ws/scene/{scene.id}?token={_token(alice)}") as ws:
        await receive(ws)
        body = {"scene_id": scene.id, "character_id": elizabeth["id"], "message": "Hello there."}
        chat = (await client.post("/api/chat", headers=alice, json=body)).json()["data"]
        new = await receive_type(ws, "conversation:new")
        assert new["conversation"] == {"character": elizabeth["name"], "response": chat["response"]}
        assert (new["message"]["id"], new["user_message"]["id"]) == (chat["message_id"], chat["user_message_id"])
        trigger = {"scene_id": scene.id, "character_ids": [elizabeth["id"], darcy["id"]], "topic": "books"}
        interaction = (await client.post("/api/interactions/trigger", headers=alice, json=trigger)).json()["data"]
        announced = await receive_type(ws, "character_interaction")
        assert announced["data"] == interaction


async def test_a_client_that_leaves_stops_the_model_call_and_nothing_is_stored(
    app, client, server, alice, scene, vendor
) -> None:
    """The stream has started (its headers are out) and the model has not answered yet: the client goes away.
    The server cancels the model call at once (the ledger says so) and stores nothing."""
    import asyncio

    from sqlalchemy import select

    from sceneintruder.settings.models import LLMCall

    vendor.plan("hang")
    body = {"scene_id": scene.id, "character_id": scene.character("Jane")["id"], "message": "Hi", "stream": True}
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        async with http.stream("POST", "/api/chat", headers=alice, json=body) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            for _ in range(500):  # until the model call is under way
                if vendor.requests:
                    break
                await asyncio.sleep(0.01)
            assert vendor.requests
        # leaving the block mid-body closes the connection
    outcomes: list[str] = []
    for _ in range(100):
        async with app.state.db.reader() as session:
            outcomes = list((await session.scalars(select(LLMCall.outcome))).all())
        if "cancelled" in outcomes:
            break
        await asyncio.sleep(0.05)
    assert "cancelled" in outcomes, outcomes
    assert await conversations(client, alice, scene.id) == []

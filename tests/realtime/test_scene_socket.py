"""/ws/scene/:id over a real uvicorn with a real `websockets` client (reference spec §5c)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from sceneintruder.core.errors import Conflict
from sceneintruder.realtime.hub import SocketContext
from sceneintruder.realtime.messages import ClientMessage
from tests.support.builders import make_user, token_for
from tests.support.live import serve_demo
from tests.support.state import hub_of
from tests.support.ws import receive, receive_type, ws_connect


async def test_connect_greets_the_client_and_ping_gets_pong(live) -> None:
    async with ws_connect(live.ws, "/ws/scene/scene_a?user_id=reader") as ws:
        hello = await receive(ws)
        assert hello.keys() == {"type", "scene_id", "user_id", "timestamp", "message"}
        assert (hello["type"], hello["scene_id"], hello["user_id"]) == ("connected", "scene_a", "reader")
        assert hello["message"] == "WebSocket 连接已建立"
        assert datetime.fromisoformat(hello["timestamp"]).utcoffset() is not None
        await ws.send('{"type": "ping"}')
        pong = await receive(ws)
        assert pong["type"] == "pong" and isinstance(pong["timestamp"], int)


async def test_a_signed_in_user_is_their_account_whatever_user_id_says(live) -> None:
    await make_user(live.app, "alice")
    token = token_for(live.app, "alice")
    async with ws_connect(live.ws, f"/ws/scene/scene_a?token={token}&user_id=mallory") as ws:
        assert (await receive(ws))["user_id"] == "alice"
    headers = {"Authorization": f"Bearer {token}"}
    async with ws_connect(live.ws, "/ws/scene/scene_a?user_id=mallory", additional_headers=headers) as ws:
        assert (await receive(ws))["user_id"] == "alice"
    async with ws_connect(live.ws, "/ws/scene/scene_a") as ws:
        assert (await receive(ws))["user_id"] == "anonymous"  # a guest without a name


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/ws/scene/scene_a?token=forged.token.value", "invalid or expired token"),
        ("/ws/user/status?token=forged", "invalid or expired token"),
        ("/ws/scene/scene_a?user_id=../../etc", "invalid user_id"),
        ("/ws/scene/bad%20id", "scene not found"),
    ],
)
async def test_a_bad_token_or_name_is_refused_with_1008_never_a_guest(live, path: str, reason: str) -> None:
    async with ws_connect(live.ws, path) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, reason)


async def test_without_guests_a_socket_needs_a_token(make_settings) -> None:
    async with serve_demo(make_settings(allow_guest=False)) as live:
        async with ws_connect(live.ws, "/ws/scene/scene_a") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "authentication required")


async def test_a_foreign_origin_is_refused_before_the_handshake(live) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(live.ws, "/ws/scene/scene_a", origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    async with ws_connect(live.ws, "/ws/scene/scene_a", origin=live.base) as ws:  # the server's own host
        assert (await receive(ws))["type"] == "connected"


async def test_scene_rooms_are_isolated(live) -> None:
    hub = hub_of(live.app)
    async with (
        ws_connect(live.ws, "/ws/scene/scene_a?user_id=a1") as a1,
        ws_connect(live.ws, "/ws/scene/scene_a?user_id=a2") as a2,
        ws_connect(live.ws, "/ws/scene/scene_b?user_id=b1") as b1,
    ):
        for ws in (a1, a2, b1):
            await receive(ws)
        await hub.publish("scene_a", {"type": "conversation:new", "scene_id": "scene_a", "n": 1})
        await a1.send('{"type": "user_status_update", "status": "typing", "action": "writing"}')
        for ws in (a1, a2):
            assert (await receive(ws))["n"] == 1
            presence = await receive(ws)
            assert {k: presence[k] for k in ("type", "user_id", "scene_id", "status", "action")} == {
                "type": "user:presence",
                "user_id": "a1",
                "scene_id": "scene_a",
                "status": "typing",
                "action": "writing",
            }
        # Had b1 been sent anything from scene_a, it would have arrived before this marker (a socket is FIFO).
        await hub.publish("scene_b", {"type": "marker"})
        assert await receive(b1) == {"type": "marker"}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "INVALID_JSON"),
        ("[1, 2]", "INVALID_JSON"),
        ('{"type": "dance"}', "UNKNOWN_TYPE"),
        ('{"no_type": 1}', "UNKNOWN_TYPE"),
        ('{"type": "story_choice", "node_id": "n1"}', "INVALID_MESSAGE"),
        ('{"type": "user_status_update", "status": ""}', "INVALID_MESSAGE"),
        (b"\xff\xfe binary garbage", "INVALID_JSON"),
        ('{"type": "character_interaction", "character_id": "c1", "message": "hi"}', "SCENE_NOT_FOUND"),
        # handled by the story domain, which answers for this scene like any story route would
        ('{"type": "story_choice", "node_id": "n1", "choice_id": "c1"}', "SCENE_NOT_FOUND"),
    ],
)
async def test_bad_or_unhandled_frames_are_answered_with_an_error_and_the_socket_lives_on(live, frame, code) -> None:
    async with ws_connect(live.ws, "/ws/scene/scene_a") as ws:
        await receive(ws)
        await ws.send(frame)
        error = await receive(ws)
        assert (error["type"], error["code"]) == ("error", code)
        assert error["error"] and datetime.fromisoformat(error["timestamp"])
        await ws.send('{"type": "ping"}')
        assert (await receive(ws))["type"] == "pong"


async def test_an_oversize_frame_gets_an_error_then_close_1009(make_settings) -> None:
    async with serve_demo(make_settings(ws_max_message_bytes=1024)) as live:
        async with ws_connect(live.ws, "/ws/scene/scene_a") as ws:
            await receive(ws)
            await ws.send('{"type": "ping", "pad": "' + "x" * 2000 + '"}')
            error = await receive(ws)
            assert (error["code"], error["details"]) == ("MESSAGE_TOO_LARGE", {"limit": 1024})
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
        assert closed.value.rcvd.code == 1009


async def test_handlers_run_as_tasks_so_a_slow_one_does_not_stop_the_reader(live) -> None:
    hub = hub_of(live.app)
    release = asyncio.Event()
    seen: list[tuple[str, str | None, str]] = []

    async def chat(context: SocketContext, message: ClientMessage) -> None:
        seen.append((context.user_id, context.scene_id, context.principal.user_id))
        await release.wait()  # a slow LLM call
        await context.publish({"type": "conversation:new", "character_id": message.character_id})
        await context.send({"type": "just_for_you"})

    async def choose(context: SocketContext, message: ClientMessage) -> None:
        raise Conflict("选项已被选择")

    hub.register_handler("character_interaction", chat, replace=True)  # instead of the chat domain's
    hub.register_handler("story_choice", choose, replace=True)
    async with (
        ws_connect(live.ws, "/ws/scene/scene_a?user_id=talker") as talker,
        ws_connect(live.ws, "/ws/scene/scene_a?user_id=listener") as listener,
    ):
        await receive(talker)
        await receive(listener)
        await talker.send('{"type": "character_interaction", "character_id": "c1", "message": "hello"}')
        await talker.send('{"type": "ping"}')
        assert (await receive(talker))["type"] == "pong"  # answered while the handler still waits
        assert seen == [("talker", "scene_a", "console_user")]
        release.set()
        assert await receive(talker) == {"type": "conversation:new", "character_id": "c1"}
        assert await receive(talker) == {"type": "just_for_you"}
        assert await receive(listener) == {"type": "conversation:new", "character_id": "c1"}
        await talker.send('{"type": "story_choice", "node_id": "n1", "choice_id": "c1"}')
        error = await receive_type(talker, "error")
        assert (error["code"], error["error"]) == ("CONFLICT", "选项已被选择")


async def test_the_scene_access_hook_decides_who_may_open_a_scene(live) -> None:
    async def only_mine(principal, scene_id: str) -> bool:
        return scene_id == "scene_mine"

    hub_of(live.app).set_scene_access(only_mine)
    async with ws_connect(live.ws, "/ws/scene/scene_other") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "scene not found")
    async with ws_connect(live.ws, "/ws/scene/scene_mine") as ws:
        assert (await receive(ws))["type"] == "connected"


async def test_close_room_closes_the_scene_sockets_after_what_is_queued(live) -> None:
    hub = hub_of(live.app)
    async with ws_connect(live.ws, "/ws/scene/scene_a") as ws:
        await receive(ws)
        await hub.publish("scene_a", {"type": "scene:deleted"})
        assert await hub.close_room("scene_a", 4000, "scene deleted") == 1
        assert await receive(ws) == {"type": "scene:deleted"}
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "scene deleted")


async def test_a_token_in_the_query_string_never_reaches_the_logs(live, caplog) -> None:
    await make_user(live.app, "alice")
    token = token_for(live.app, "alice")
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    async with ws_connect(live.ws, f"/ws/scene/scene_a?user_id=x&token={token}") as ws:
        assert (await receive(ws))["user_id"] == "alice"
    handshakes = [r.getMessage() for r in caplog.records if "WebSocket /ws/scene/scene_a" in r.getMessage()]
    assert handshakes and all("token=[redacted]" in line for line in handshakes)
    assert token not in caplog.text

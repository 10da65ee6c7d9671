"""WebSocket flow control over a real uvicorn: a client's message budget, a room's presence budget, and logout
closing the sockets opened with the token."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.builders import PASSWORD, bearer, login, make_user
from tests.support.ws import receive, ws_connect


async def _drain_until_closed(ws) -> tuple[list[dict], int, str]:
    messages = []
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            while True:
                messages.append(json.loads(await ws.recv()))
    return messages, closed.value.rcvd.code, closed.value.rcvd.reason


async def test_a_ping_flood_gets_a_coded_error_then_1008(live) -> None:
    async with ws_connect(live.ws, "/ws/scene/scene_a?user_id=flooder") as ws:
        await receive(ws)  # connected
        for _ in range(500):
            await ws.send('{"type": "ping"}')
        messages, code, reason = await _drain_until_closed(ws)
    pongs = [m for m in messages if m["type"] == "pong"]
    errors = [m for m in messages if m["type"] == "error"]
    assert (code, reason) == (1008, "message rate limit exceeded")
    assert errors and errors[0]["code"] == "RATE_LIMITED"
    assert 30 <= len(pongs) <= 45  # the burst (40), give or take what refilled meanwhile


async def test_a_paced_client_is_never_limited(live) -> None:
    async with ws_connect(live.ws, "/ws/scene/scene_a?user_id=calm") as ws:
        await receive(ws)
        for _ in range(60):
            await ws.send('{"type": "ping"}')
            assert (await receive(ws))["type"] == "pong"
            await asyncio.sleep(0.06)  # ~16 a second, under the 20/s budget


async def test_http_keeps_answering_while_a_socket_floods(live) -> None:
    """The flooding client runs on a loop of its own (as it would on another machine): it sends pings until the
    server closes it."""

    async def flood() -> int:
        sent = 0
        try:
            async with ws_connect(live.ws, "/ws/scene/scene_a?user_id=flooder") as ws:
                while True:
                    await ws.send('{"type": "ping"}')
                    sent += 1
        except ConnectionClosed:
            return sent

    task = asyncio.create_task(asyncio.to_thread(asyncio.run, flood()))
    answered = 0
    while not task.done():
        assert (await live.client.get("/api/health")).status_code == 200
        answered += 1
        await asyncio.sleep(0.005)
    assert await task > 40  # the flood went on until the server closed it
    assert answered >= 1
    assert (await live.client.get("/api/health")).status_code == 200


async def test_presence_broadcasts_have_a_room_budget(live) -> None:
    update = json.dumps({"type": "user_status_update", "status": "typing", "action": "typing"})
    async with (
        ws_connect(live.ws, "/ws/scene/scene_p?user_id=watcher") as watcher,
        ws_connect(live.ws, "/ws/scene/scene_p?user_id=chatty") as chatty,
    ):
        await receive(watcher)
        await receive(chatty)
        for _ in range(30):
            await chatty.send(update)
        messages, code, reason = await _drain_until_closed(chatty)
        assert (code, reason) == (1008, "presence rate limit exceeded")
        assert any(m["type"] == "error" and m["code"] == "RATE_LIMITED" for m in messages)
        seen = []
        try:
            async with asyncio.timeout(0.5):
                while True:
                    seen.append(await receive(watcher))
        except TimeoutError:
            pass
        presence = [m for m in seen if m["type"] != "error"]
        assert 15 <= len(presence) <= 22  # the room's burst (20) reached the others, no more


async def test_logout_closes_the_sockets_opened_with_that_token(live) -> None:
    await make_user(live.app, "alice", password=PASSWORD)
    first = await login(live.client, "alice")
    second = await login(live.client, "alice")
    async with (
        ws_connect(live.ws, f"/ws/scene/scene_a?token={first}") as by_first,
        ws_connect(live.ws, "/ws/user/status", additional_headers=bearer(second)) as by_second,
    ):
        await receive(by_first)
        await receive(by_second)
        out = await live.client.post("/api/auth/logout", headers=bearer(first))
        assert out.status_code == 200
        _, code, reason = await _drain_until_closed(by_first)
        assert (code, reason) == (1008, "token revoked")
        await by_second.send('{"type": "ping"}')
        assert (await receive(by_second))["type"] == "pong"  # the other token's socket stays

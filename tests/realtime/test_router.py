"""/ws/user/status rooms, and the admin endpoints GET /api/ws/status and POST /api/ws/cleanup (spec §5c, §8)."""

from __future__ import annotations

from datetime import datetime

import pytest

from sceneintruder.core.principal import Role
from tests.support.builders import assert_error, bearer, make_user, token_for
from tests.support.live import Live, serve_demo
from tests.support.state import hub_of
from tests.support.ws import receive, receive_type, ws_connect


@pytest.fixture
async def tokens(live: Live) -> dict[str, str]:
    await make_user(live.app, "alice")
    await make_user(live.app, "bob")
    await make_user(live.app, "root", role=Role.ADMIN)
    return {name: token_for(live.app, name) for name in ("alice", "bob", "root")}


async def test_status_rooms_are_per_user(live: Live, tokens) -> None:
    hub = hub_of(live.app)
    async with (
        ws_connect(live.ws, f"/ws/user/status?token={tokens['alice']}") as phone,
        ws_connect(live.ws, f"/ws/user/status?token={tokens['alice']}") as laptop,
        ws_connect(live.ws, f"/ws/user/status?token={tokens['bob']}") as bob,
    ):
        hello = await receive(phone)
        assert hello.keys() == {"type", "user_id", "timestamp", "message"}
        assert (hello["type"], hello["user_id"]) == ("user_status_connected", "alice")
        await receive(laptop)
        assert (await receive(bob))["user_id"] == "bob"

        await phone.send('{"type": "user_status_update", "status": "online"}')
        for ws in (phone, laptop):
            presence = await receive(ws)
            assert (presence["type"], presence["user_id"], presence["status"], presence["scene_id"]) == (
                "user:presence",
                "alice",
                "online",
                "user_status",
            )
        await hub.publish_user("alice", {"type": "job:done", "task_id": "task_1"})
        assert await receive(laptop) == {"type": "job:done", "task_id": "task_1"}
        # The reference put every status socket in one room; bob's next message shows he got none of alice's.
        await hub.publish_user("bob", {"type": "marker"})
        assert await receive(bob) == {"type": "marker"}


async def test_status_sockets_get_the_reference_heartbeat(make_settings) -> None:
    async with serve_demo(make_settings(ws_heartbeat_seconds=0.05)) as live:
        async with ws_connect(live.ws, "/ws/user/status?user_id=guest_1") as ws:
            assert (await receive(ws))["user_id"] == "guest_1"
            heartbeat = await receive_type(ws, "heartbeat")
            assert heartbeat.keys() == {"type", "timestamp"} and isinstance(heartbeat["timestamp"], int)


async def test_ws_status_shows_user_ids_to_admins_only(live: Live, tokens) -> None:
    async with (
        ws_connect(live.ws, f"/ws/scene/scene_a?token={tokens['alice']}") as alice,
        ws_connect(live.ws, f"/ws/scene/scene_b?token={tokens['bob']}") as bob,
        ws_connect(live.ws, f"/ws/user/status?token={tokens['bob']}") as bob_status,
    ):
        for ws in (alice, bob, bob_status):
            await receive(ws)
        admin = await live.client.get("/api/ws/status", headers=bearer(tokens["root"]))
        assert admin.status_code == 200 and admin.json()["message"] == "WebSocket status retrieved successfully"
        data = admin.json()["data"]
        assert (data["total_scenes"], data["total_connections"], data["ping_timeout_seconds"]) == (2, 3, 60)
        assert datetime.fromisoformat(data["timestamp"]).utcoffset() is not None
        assert set(data["scenes"]) == {"scene_a", "scene_b", "user_status"}
        entry = data["scenes"]["scene_a"]
        assert entry["client_count"] == 1
        assert [(u["user_id"], u["scene_id"]) for u in entry["users"]] == [("alice", "scene_a")]
        assert datetime.fromisoformat(entry["users"][0]["connected_at"]) <= datetime.fromisoformat(
            entry["users"][0]["last_ping"]
        )
        assert [u["user_id"] for u in data["scenes"]["user_status"]["users"]] == ["bob"]

        mine = await live.client.get("/api/ws/status", headers=bearer(tokens["alice"]))
        data = mine.json()["data"]
        assert (data["total_scenes"], data["total_connections"]) == (2, 3)
        assert data["scenes"] == {"scene_a": {"client_count": 1, "users": []}}
        assert "bob" not in mine.text and "alice" not in mine.text
        guest = (await live.client.get("/api/ws/status")).json()["data"]
        assert guest["scenes"] == {} and guest["total_connections"] == 3


async def test_ws_cleanup_is_for_admins(live: Live, tokens) -> None:
    assert_error(await live.client.post("/api/ws/cleanup"), 401, "UNAUTHORIZED")
    assert_error(await live.client.post("/api/ws/cleanup", headers=bearer(tokens["bob"])), 403, "FORBIDDEN")
    done = await live.client.post("/api/ws/cleanup", headers=bearer(tokens["root"]))
    assert done.status_code == 200
    assert (done.json()["data"], done.json()["message"]) == (None, "Connection cleanup executed")

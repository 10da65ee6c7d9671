"""A second browser in the scene's room sees the comic's frames appear: the job's progress, `image_written`
per frame included, reaches every socket of the room. Over a real uvicorn with real WebSocket clients."""

from __future__ import annotations

import httpx

from sceneintruder.app import create_app
from tests.comic.support import run_step, wait_task
from tests.story.support import create_scene, excerpt, settle
from tests.support.builders import bearer, make_user, token_for
from tests.support.servers import run_uvicorn
from tests.support.ws import receive, receive_type, ws_connect


async def test_frames_written_reach_the_scene_room(make_settings) -> None:
    app = create_app(make_settings())
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        await make_user(app, "alice")
        token = token_for(app, "alice")
        headers = bearer(token)
        scene_id = await create_scene(client, excerpt(3000), headers=headers)
        await settle(client, scene_id, headers)
        comic = f"/api/scenes/{scene_id}/comic"
        await run_step(client, f"{comic}/analysis", {"target_frames": 4}, headers)
        await run_step(client, f"{comic}/prompts", {}, headers)
        ws_base = "ws" + base.removeprefix("http")
        async with ws_connect(ws_base, f"/ws/scene/{scene_id}?token={token}") as watcher:
            assert (await receive(watcher))["type"] == "connected"
            started = await client.post(f"{comic}/generate", json={}, headers=headers)
            task_id = started.json()["data"]["task_id"]
            seen: set[str] = set()
            while len(seen) < 4:
                event = await receive_type(watcher, "comic:progress")
                assert event["scene_id"] == scene_id and event["data"]["task_id"] == task_id
                if event["data"]["event_type"] == "image_written":
                    seen.add(event["data"]["frame_id"])
            assert seen == {f"frame_{i}" for i in range(1, 5)}
        assert (await wait_task(client, task_id, headers))["status"] == "completed"

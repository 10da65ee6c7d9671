"""GET /api/progress/:id over a real uvicorn, read as a browser's EventSource would (reference spec §7.2)."""

from __future__ import annotations

from sceneintruder.core.principal import Role
from tests.support.builders import assert_error, bearer, make_user, token_for
from tests.support.live import serve_demo
from tests.support.sse import read_stream, sse_events

SSE = {"Accept": "text/event-stream"}


def _started(task_id: str) -> dict:
    return {
        "progress": 0,
        "message": "任务初始化中...",
        "status": "running",
        "event_type": "progress",
        "task_id": task_id,
    }


async def test_stream_sends_connected_snapshot_updates_and_a_final_event_in_order(live) -> None:
    task_id = await live.start_job()
    await live.wait_for(task_id, status="running")  # its events so far: 1 queued, 2 started
    async with live.client.stream("GET", f"/api/progress/{task_id}", headers=SSE) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = sse_events(response)
        connected = await anext(events)
        assert (connected.event, connected.id, connected.data) == ("connected", "0", {"message": "连接已建立"})
        snapshot = await anext(events)
        assert (snapshot.event, snapshot.id, snapshot.data) == ("progress", "2", _started(task_id))

        live.script.push(task_id, "progress", percent=40, message="提取场景信息...", extra={"phase": "scenes"})
        update = await anext(events)
        assert (update.event, update.id) == ("progress", "3")
        assert update.data == {
            "progress": 40,
            "message": "提取场景信息...",
            "status": "running",
            "event_type": "progress",
            "task_id": task_id,
            "phase": "scenes",
        }
        live.script.push(task_id, "progress", percent=10, message="lower values never move progress back")
        assert (await anext(events)).data["progress"] == 40

        live.script.push(task_id, "return", result={"scene_id": "scene_1"})
        final = await anext(events)
        assert (final.event, final.id) == ("progress", "5")
        assert final.data == {
            "progress": 100,
            "message": "任务已完成",
            "status": "completed",
            "event_type": "completed",
            "task_id": task_id,
            "result": {"scene_id": "scene_1"},
        }
        assert [event async for event in events] == []  # the server ended the stream


async def test_idle_stream_gets_named_heartbeats_that_repeat_the_last_id(make_settings) -> None:
    async with serve_demo(make_settings(sse_heartbeat_seconds=0.05)) as live:
        task_id = await live.start_job()
        await live.wait_for(task_id, status="running")  # 1 queued, 2 started
        async with live.client.stream("GET", f"/api/progress/{task_id}") as response:
            events = sse_events(response)
            assert [(await anext(events)).event for _ in range(2)] == ["connected", "progress"]
            heartbeat = await anext(events)
            assert (heartbeat.event, heartbeat.id) == ("heartbeat", "2")
            assert set(heartbeat.data) == {"time"} and isinstance(heartbeat.data["time"], int)
            live.script.push(task_id, "return")
            rest = [event async for event in events]
        assert rest[-1].data["event_type"] == "completed" and rest[-1].id == "3"
        assert {event.event for event in rest} <= {"heartbeat", "progress"}


async def test_last_event_id_replays_what_the_client_missed_then_goes_live(live) -> None:
    task_id = await live.start_job(
        commands=[{"op": "progress", "percent": p, "message": f"step {p}"} for p in (10, 20, 30)]
    )  # its events: 1 queued, 2 started, 3 step 10, 4 step 20, 5 step 30
    async with live.client.stream("GET", f"/api/progress/{task_id}", headers={**SSE, "Last-Event-ID": "3"}) as response:
        events = sse_events(response)
        connected = await anext(events)
        assert (connected.event, connected.id) == ("connected", "3")
        replayed = [await anext(events) for _ in range(2)]
        assert [(e.id, e.data["message"]) for e in replayed] == [("4", "step 20"), ("5", "step 30")]
        live.script.push(task_id, "return", result={"n": 1})
        final = await anext(events)
        assert (final.id, final.data["event_type"], final.data["result"]) == ("6", "completed", {"n": 1})

    # A client that reconnects after the end gets exactly what it missed; one that had everything gets the end again.
    missed = await read_stream(live.client, f"/api/progress/{task_id}", headers={"Last-Event-ID": "4"})
    assert [(e.event, e.id) for e in missed] == [("connected", "4"), ("progress", "5"), ("progress", "6")]
    again = await read_stream(live.client, f"/api/progress/{task_id}?last_event_id=6")
    assert [(e.event, e.id, e.data.get("event_type")) for e in again] == [
        ("connected", "6", None),
        ("progress", "6", "completed"),
    ]
    # A Last-Event-ID that is not one of ours is ignored, as the SSE spec says: a fresh subscription.
    fresh = await read_stream(live.client, f"/api/progress/{task_id}", headers={"Last-Event-ID": "abc"})
    assert [(e.event, e.id) for e in fresh] == [("connected", "0"), ("progress", "6")]


async def test_a_finished_job_subscribed_to_later_gives_its_final_state_at_once(live) -> None:
    task_id = await live.start_job(commands=[{"op": "return", "result": {"scene_id": "scene_9"}}])
    await live.wait_for(task_id, status="completed")
    events = await read_stream(live.client, f"/api/progress/{task_id}", headers=SSE)
    assert [e.event for e in events] == ["connected", "progress"]
    assert events[1].data["status"] == "completed" and events[1].data["result"] == {"scene_id": "scene_9"}


async def test_unknown_task_is_a_404_envelope_or_one_failed_sse_event(live) -> None:
    body = assert_error(await live.client.get("/api/progress/task_missing"), 404, "TASK_NOT_FOUND")
    assert body["error"]["message"] == "任务不存在（可能已完成并被清理或服务已重启）"
    events = await read_stream(live.client, "/api/progress/task_missing", headers=SSE)
    assert [(e.event, e.id) for e in events] == [("progress", "0")]
    assert events[0].data == {
        "progress": 0,
        "message": "任务不存在（可能已完成并被清理或服务已重启），请重新发起任务",
        "status": "failed",
        "event_type": "task_not_found",
        "task_id": "task_missing",
    }


async def test_the_task_id_is_the_capability_but_a_token_only_sees_its_own_tasks(live) -> None:
    await make_user(live.app, "alice")
    await make_user(live.app, "bob")
    await make_user(live.app, "root", role=Role.ADMIN)
    alice, bob, root = (bearer(token_for(live.app, name)) for name in ("alice", "bob", "root"))
    task_id = await live.start_job(headers=alice)
    url = f"/api/progress/{task_id}"

    assert_error(await live.client.get(url, headers=bob), 404, "TASK_NOT_FOUND")
    refused = await read_stream(live.client, url, headers={**SSE, **bob})
    assert [e.data["event_type"] for e in refused] == ["task_not_found"]
    assert_error(await live.client.get(url, headers=bearer("not-a-token")), 401, "UNAUTHORIZED")

    live.script.push(task_id, "return")
    for headers in ({}, alice, root):  # no token (EventSource), the owner, an admin
        events = await read_stream(live.client, url, headers=headers)
        assert events[-1].data["event_type"] == "completed", headers

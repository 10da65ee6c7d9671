"""POST /api/cancel/:id, GET /api/tasks/:id, queue limits, idempotency and how jobs fail, over a real uvicorn."""

from __future__ import annotations

from datetime import datetime

import pytest

from sceneintruder.core.principal import Role
from tests.support.builders import assert_error, bearer, make_user, token_for
from tests.support.live import Live
from tests.support.sse import sse_events


@pytest.fixture
async def people(live: Live) -> dict[str, dict[str, str]]:
    await make_user(live.app, "alice")
    await make_user(live.app, "bob")
    await make_user(live.app, "root", role=Role.ADMIN)
    return {name: bearer(token_for(live.app, name)) for name in ("alice", "bob", "root")}


async def test_cancel_mid_run_cancels_the_coroutine_and_subscribers_see_it(live: Live, people) -> None:
    alice = people["alice"]
    task_id = await live.start_job(headers=alice, commands=[{"op": "progress", "percent": 30, "message": "half"}])
    async with live.client.stream("GET", f"/api/progress/{task_id}?last_event_id=0") as response:
        events = sse_events(response)
        # connected, queued, started, 30 %
        assert [(await anext(events)).id for _ in range(4)] == ["0", "1", "2", "3"]

        cancelled = await live.client.post(f"/api/cancel/{task_id}", headers=alice)
        assert cancelled.status_code == 200
        assert (cancelled.json()["data"], cancelled.json()["message"]) == (None, "任务已取消")

        final = await anext(events)
        assert final.data == {
            "progress": 30,
            "message": "任务失败: 用户取消了任务",
            "status": "failed",
            "event_type": "cancelled",
            "task_id": task_id,
            "error": "TASK_CANCELLED",
        }
        assert [event async for event in events] == []
    assert task_id in live.script.cancelled  # the coroutine itself got CancelledError
    live.script.push(task_id, "progress", percent=90, message="never runs")
    task = await live.task(task_id, alice)
    assert (task["status"], task["progress"], task["error"]) == ("cancelled", 30, "TASK_CANCELLED")
    assert live.script.executed[task_id] == ["progress"]

    again = await live.client.post(f"/api/cancel/{task_id}", headers=alice)
    assert again.status_code == 200 and again.json()["message"] == "任务已结束，无需取消"


async def test_cancelling_a_queued_job_frees_its_place_in_line(live: Live, people) -> None:
    running = await live.start_job(headers=people["alice"], kind="narrow")
    queued = await live.start_job(headers=people["alice"], kind="narrow")
    assert (await live.task(queued, people["alice"]))["status"] == "queued"
    assert (await live.client.post(f"/api/cancel/{queued}", headers=people["alice"])).json()["message"] == "任务已取消"
    assert (await live.task(queued, people["alice"]))["status"] == "cancelled"
    assert live.script.executed[queued] == []  # it never started
    assert await live.start_job(headers=people["alice"], kind="narrow")  # the line has room again
    live.script.push(running, "return")


async def test_someone_elses_task_is_not_found_on_cancel_and_tasks_but_admins_reach_it(live: Live, people) -> None:
    task_id = await live.start_job(headers=people["alice"])
    for headers in (people["bob"], {}):  # another user; a guest
        assert_error(await live.client.post(f"/api/cancel/{task_id}", headers=headers), 404, "TASK_NOT_FOUND")
        assert_error(await live.client.get(f"/api/tasks/{task_id}", headers=headers), 404, "TASK_NOT_FOUND")
    assert (await live.task(task_id, people["alice"]))["status"] == "running"  # untouched
    assert (await live.task(task_id, people["root"]))["task_id"] == task_id
    cancelled = await live.client.post(f"/api/cancel/{task_id}", headers=people["root"])
    assert cancelled.json()["message"] == "任务已取消"
    for path in ("/api/tasks/task_nope", "/api/tasks/bad%20id"):
        assert_error(await live.client.get(path, headers=people["root"]), 404, "TASK_NOT_FOUND")
    assert_error(await live.client.post("/api/cancel/task_nope", headers=people["root"]), 404, "TASK_NOT_FOUND")


async def test_tasks_shows_the_job_for_clients_that_poll(live: Live, people) -> None:
    task_id = await live.start_job(
        headers=people["alice"], commands=[{"op": "progress", "percent": 12.5, "message": "m"}]
    )
    running = await live.wait_for(task_id, headers=people["alice"], progress=12.5)
    assert set(running) == {
        "task_id", "kind", "status", "progress", "message", "result", "error",
        "created_at", "started_at", "finished_at", "updated_at",
    }  # fmt: skip
    assert (running["kind"], running["status"], running["message"], running["finished_at"]) == (
        "demo",
        "running",
        "m",
        None,
    )
    live.script.push(task_id, "return", result={"scene_id": "scene_1"})
    done = await live.wait_for(task_id, headers=people["alice"], status="completed")
    assert (done["progress"], done["result"], done["error"], done["message"]) == (
        100,
        {"scene_id": "scene_1"},
        None,
        "任务已完成",
    )
    for key in ("created_at", "started_at", "finished_at", "updated_at"):
        assert datetime.fromisoformat(done[key]).utcoffset() is not None


async def test_a_full_queue_is_429_with_retry_after_and_the_line_moves_on(live: Live, people) -> None:
    alice = people["alice"]
    first = await live.start_job(headers=alice, kind="narrow")  # the one slot
    second = await live.start_job(headers=alice, kind="narrow")  # the one place in line
    full = await live.client.post("/api/_demo/jobs", json={"kind": "narrow"}, headers=alice)
    body = assert_error(full, 429, "QUEUE_FULL")
    assert int(full.headers["retry-after"]) >= 1
    assert body["error"]["message"] == "任务队列已满，请稍后重试"
    assert (await live.client.post("/api/_demo/jobs", json={"kind": "demo"}, headers=alice)).status_code == 200

    async with live.client.stream("GET", f"/api/progress/{second}") as response:
        events = sse_events(response)
        await anext(events)
        waiting = await anext(events)
        assert (waiting.data["status"], waiting.data["event_type"], waiting.data["message"]) == (
            "running",
            "queued",
            "任务排队中...",
        )
        live.script.push(first, "return")
        started = await anext(events)
        assert (started.id, started.data["event_type"], started.data["message"]) == ("2", "progress", "任务初始化中...")
        live.script.push(second, "return")
        assert (await anext(events)).data["event_type"] == "completed"


async def test_idempotency_key_returns_the_same_task_for_the_same_owner(live: Live, people) -> None:
    alice, bob = people["alice"], people["bob"]
    first = await live.start_job(headers={**alice, "Idempotency-Key": "analyze-42"})
    again = await live.start_job(headers={**alice, "Idempotency-Key": "analyze-42"})
    other_owner = await live.start_job(headers={**bob, "Idempotency-Key": "analyze-42"})
    other_key = await live.start_job(headers={**alice, "Idempotency-Key": "analyze-43"})
    assert first == again
    assert len({first, other_owner, other_key}) == 3
    live.script.push(first, "return", result={"v": 1})
    await live.wait_for(first, headers=alice, status="completed")
    assert await live.start_job(headers={**alice, "Idempotency-Key": "analyze-42"}) == first  # finished: still the same

    conflict = await live.client.post(
        "/api/_demo/jobs", json={"kind": "narrow"}, headers={**alice, "Idempotency-Key": "analyze-42"}
    )
    assert_error(conflict, 409, "IDEMPOTENCY_KEY_CONFLICT")
    for bad in ("", "has space", "x" * 256):
        response = await live.client.post("/api/_demo/jobs", json={}, headers={**alice, "Idempotency-Key": bad})
        assert_error(response, 400, "BAD_REQUEST")


async def test_a_job_past_its_timeout_fails_with_task_timeout(live: Live) -> None:
    task_id = await live.start_job(kind="hasty")  # 0.3 s timeout; it waits for commands that never come
    task = await live.wait_for(task_id, status="failed")
    assert task["error"] == "TASK_TIMEOUT"
    assert task["message"] == "任务失败: 任务超时（超过 0.3 秒）"
    assert task_id in live.script.cancelled  # the timeout cancels the coroutine too


async def test_a_job_that_raises_fails_without_leaking_the_exception(live: Live) -> None:
    crashing = await live.start_job(commands=[{"op": "raise", "message": "boom at /srv/secret api_key=sk-1"}])
    task = await live.wait_for(crashing, status="failed")
    assert (task["message"], task["error"]) == ("任务失败: 服务器内部错误", "INTERNAL_ERROR")
    refusing = await live.start_job(commands=[{"op": "app_error", "message": "文本为空"}])
    task = await live.wait_for(refusing, status="failed")
    assert (task["message"], task["error"]) == ("任务失败: 文本为空", "BAD_REQUEST")
    events = [event async for event in _events(live, refusing)]
    assert events[-1].data["event_type"] == "failed" and events[-1].data["error"] == "BAD_REQUEST"


async def _events(live: Live, task_id: str):
    async with live.client.stream("GET", f"/api/progress/{task_id}") as response:
        async for event in sse_events(response):
            yield event

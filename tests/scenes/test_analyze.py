"""POST /api/analyze as a job over a real server: per-chunk progress, result.scene_id, cancel creates nothing;
and the scene's WebSocket room follows the scene (access check, closed on delete)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import websockets

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from tests.fakes._base import API_KEY
from tests.fakes.openai_compatible import FakeOpenAI
from tests.support.builders import assert_error, bearer, make_user, token_for
from tests.support.servers import run_uvicorn
from tests.support.sse import read_stream, sse_events

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENGLISH = (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")


@pytest.fixture
async def server(make_settings) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    app = create_app(
        make_settings(
            allow_private_provider_urls=True,
            analysis_chunk_chars=50_000,
            sse_heartbeat_seconds=0.5,
            story_narrate_ahead=0,  # these tests count analysis calls, not the new story's
        )
    )
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        await make_user(app, "alice")
        yield app, client


async def test_a_megabyte_is_analysed_in_chunks_with_progress_and_the_scene_id_at_the_end(server) -> None:
    app, client = server
    alice = bearer(token_for(app, "alice"))
    source = "\n\n".join([ENGLISH] * (1_000_000 // len(ENGLISH) + 1))  # about 1 MB
    assert len(source) > 1_000_000
    started = await client.post("/api/analyze", headers=alice, json={"title": "Long Pride", "text": source})
    assert started.status_code == 200, started.text
    task_id = started.json()["data"]["task_id"]
    assert started.json()["data"]["message"] == "文本分析已开始，请订阅进度更新"
    events = await read_stream(client, f"/api/progress/{task_id}", headers={"Accept": "text/event-stream"})
    progress = [event.data for event in events if event.event == "progress"]
    chunked = [data for data in progress if "chunks_done" in data]
    final = progress[-1]
    assert final["status"] == "completed" and final["task_id"] == task_id
    scene_id = final["result"]["scene_id"]
    assert chunked and final["result"]["character_count"] > 0
    total = chunked[-1]["chunks_total"]
    assert total >= 20  # the whole megabyte, in chunks
    done = [data["chunks_done"] for data in chunked]
    assert done == sorted(done) and done[-1] == total
    values = [data["progress"] for data in progress]
    assert values == sorted(values) and values[-1] == 100
    scene = (await client.get(f"/api/scenes/{scene_id}", headers=alice)).json()["data"]
    assert scene["scene"]["analysis"]["chunk_count"] == total
    assert len(scene["original_text"]) == len(source)
    assert any("Elizabeth" in c["name"] for c in scene["characters"][:8])


async def test_the_same_idempotency_key_starts_one_job(server) -> None:
    app, client = server
    headers = {**bearer(token_for(app, "alice")), "Idempotency-Key": "novel-42"}
    body = {"title": "Once", "text": "Ann walked to town."}
    first = await client.post("/api/analyze", headers=headers, json=body)
    second = await client.post("/api/analyze", headers=headers, json=body)
    assert first.json()["data"]["task_id"] == second.json()["data"]["task_id"]


@pytest.mark.parametrize(
    "body", [{}, {"title": "t"}, {"text": "x"}, {"title": "t", "text": "  "}, {"title": "", "text": "x"}]
)
async def test_bad_bodies_start_nothing(server, body) -> None:
    _, client = server
    assert_error(await client.post("/api/analyze", json=body), 400, "BAD_REQUEST")


async def test_cancel_mid_analysis_creates_no_scene(server) -> None:
    app, client = server
    await make_user(app, "root", role=Role.ADMIN)
    fake = FakeOpenAI()
    async with fake.serving(fake.app()) as vendor:
        saved = await client.post(
            "/api/settings",
            headers=bearer(token_for(app, "root")),
            json={"llm_provider": "openai", "llm_config": {"api_key": API_KEY, "base_url": f"{vendor}/v1"}},
        )
        assert saved.status_code == 200, saved.text
        fake.plan(*["hang"] * 10)
        alice = bearer(token_for(app, "alice"))
        task_id = (await client.post("/api/analyze", headers=alice, json={"title": "Slow", "text": ENGLISH})).json()[
            "data"
        ]["task_id"]
        async with client.stream("GET", f"/api/progress/{task_id}", headers={"Accept": "text/event-stream"}) as sse:
            seen, asked, cancelled = [], False, None
            async for event in sse_events(sse):  # heartbeats every 0.5 s: the vendor's call may land after an event
                seen.append(event)
                asked = asked or (event.event == "progress" and event.data["progress"] >= 1)
                if asked and cancelled is None and len(fake.requests) >= 1:
                    cancelled = await client.post(f"/api/cancel/{task_id}", headers=alice)
                    assert cancelled.status_code == 200, cancelled.text
                if event.event == "progress" and event.data["status"] != "running":
                    break
        assert seen[-1].data["status"] == "failed" and seen[-1].data["event_type"] == "cancelled"
    task = (await client.get(f"/api/tasks/{task_id}", headers=alice)).json()["data"]
    assert task["status"] == "cancelled"
    assert (await client.get("/api/scenes", headers=alice)).json()["data"] == []


async def test_analyze_needs_a_ready_llm(make_settings) -> None:
    app = create_app(make_settings(llm_provider="openai"))  # a vendor named without a key: not ready
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/api/analyze", json={"title": "t", "text": "Ann walked."})
        assert_error(response, 503, "LLM_NOT_READY")


async def test_scene_rooms_admit_only_those_who_may_see_the_scene_and_close_on_delete(server) -> None:
    app, client = server
    await make_user(app, "bob")
    alice, bob = token_for(app, "alice"), token_for(app, "bob")
    scene = (await client.post("/api/scenes/shell", headers=bearer(alice), json={"title": "Room"})).json()["data"]
    ws_base = "ws" + str(client.base_url).removeprefix("http")
    async with websockets.connect(f"{ws_base}/ws/scene/{scene['id']}?token={bob}") as intruder:
        with pytest.raises(websockets.ConnectionClosed) as refused:
            while True:
                await asyncio.wait_for(intruder.recv(), 5)
        assert refused.value.rcvd.code == 1008
    async with websockets.connect(f"{ws_base}/ws/scene/{scene['id']}?token={alice}") as owner:
        assert json.loads(await asyncio.wait_for(owner.recv(), 5))["type"] == "connected"
        deleted = await client.delete(f"/api/scenes/{scene['id']}", headers=bearer(alice))
        assert deleted.status_code == 200
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(owner.recv(), 5)
        assert closed.value.rcvd.code == 4404

"""Comic jobs with a real image vendor (a fake OpenAI images server on 127.0.0.1): the panels it draws, one
comic job per scene, reset and cancel mid-way, a restart mid-job and a resumed run, the ledger, the room."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from sceneintruder.settings.models import LLMCall
from sceneintruder.settings.runtime import SettingsRuntime
from tests.comic.support import make_scene, run_step, wait_task
from tests.fakes.images import FakeImageVendor, jpeg
from tests.support.builders import assert_error, bearer, make_user, token_for

KEY = "img-key-0123456789"


@contextlib.asynccontextmanager
async def _app(make_settings, vendor: FakeImageVendor | None) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(make_settings(allow_private_provider_urls=True, comic_image_concurrency=2))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as client,
    ):
        if vendor is not None:
            await make_user(app, "root", role=Role.ADMIN)
            saved = await client.post(
                "/api/settings",
                headers=bearer(token_for(app, "root")),
                json={"vision_provider": "openai", "vision_config": {"endpoint": f"{vendor.base}/v1", "api_key": KEY}},
            )
            assert saved.status_code == 200, saved.text
        yield app, client


@contextlib.asynccontextmanager
async def _vendor(delay: float = 0.0) -> AsyncIterator[FakeImageVendor]:
    fake = FakeImageVendor(api_key=KEY, delay=delay)
    async with fake.serving(fake.app()) as base:
        fake.base = base
        yield fake


async def _storyboard(client: httpx.AsyncClient, scene_id: str, frames: int = 4) -> str:
    base = f"/api/scenes/{scene_id}/comic"
    await run_step(client, f"{base}/analysis", {"target_frames": frames})
    await run_step(client, f"{base}/prompts", {})
    return base


async def test_panels_from_a_vendor_are_fitted_lettered_and_recorded(make_settings) -> None:
    async with _vendor() as vendor:
        vendor.image = jpeg(1536, 1024)
        async with _app(make_settings, vendor) as (app, client):
            scene_id = await make_scene(client)
            base = await _storyboard(client, scene_id)
            task = await run_step(client, f"{base}/generate", {})
            assert task["result"]["provider"] == "openai" and task["result"]["offline"] is False
            overview = (await client.get(base)).json()["data"]
            assert overview["images"] == [f"frame_{i}.jpg" for i in range(1, 5)] and overview["offline_images"] == 0
            panel = await client.get(f"{base}/images/frame_1")
            assert panel.headers["content-type"] == "image/jpeg"
            with Image.open(io.BytesIO(panel.content)) as opened:
                assert opened.size == (1024, 768) and opened.format == "JPEG"
            ledger = app.state.components.get(SettingsRuntime).ledger
            await ledger.flush()
            async with app.state.db.reader() as session:
                rows = (await session.scalars(select(LLMCall).where(LLMCall.task == "comic_image"))).all()
    assert len(rows) == 4 and all(r.provider == "openai" and r.outcome == "ok" for r in rows)
    assert all(r.completion_tokens == 4160 for r in rows)
    sizes = {seen.body["size"] for seen in vendor.requests}
    assert sizes == {"1536x1024"}  # the vendor's legal size nearest 4:3, never 512x512


async def test_a_vendor_failure_fails_the_job_and_says_which_frame(make_settings) -> None:
    async with _vendor() as vendor, _app(make_settings, vendor) as (_, client):
        scene_id = await make_scene(client)
        base = await _storyboard(client, scene_id, frames=4)
        vendor.plan("401", "401", "401", "401")
        started = await client.post(f"{base}/generate", json={})
        task = await wait_task(client, started.json()["data"]["task_id"])
        assert task["status"] == "failed"
        assert "图片服务认证失败" in task["message"] and "provider=openai" in task["message"]
        assert "Incorrect API key" not in str(task)


async def test_one_comic_job_per_scene_and_reset_cancels_it(make_settings) -> None:
    async with _vendor(delay=0.3) as vendor, _app(make_settings, vendor) as (_, client):
        scene_id = await make_scene(client)
        base = await _storyboard(client, scene_id, frames=6)
        started = await client.post(f"{base}/generate", json={})
        task_id = started.json()["data"]["task_id"]
        second = await client.post(f"{base}/prompts", json={})
        body = assert_error(second, 409, "CONFLICT")
        assert body["error"]["details"]["task_id"] == task_id
        reset = await client.delete(base)
        assert reset.status_code == 200 and reset.json()["data"] == {"scene_id": scene_id}
        task = await wait_task(client, task_id)
        assert task["status"] == "cancelled"
        overview = (await client.get(base)).json()["data"]
        assert not overview["has_analysis"] and overview["images"] == []


async def test_a_cancelled_run_keeps_the_previous_panels(make_settings) -> None:
    async with _vendor() as vendor, _app(make_settings, vendor) as (_, client):
        scene_id = await make_scene(client)
        base = await _storyboard(client, scene_id, frames=4)
        await run_step(client, f"{base}/generate", {})
        before = {i: (await client.get(f"{base}/images/frame_{i}")).content for i in range(1, 5)}
        vendor.delay = 0.4
        vendor.image = jpeg(800, 600)
        await client.put(f"{base}/prompts/frame_1", json={"prompt": "a new prompt for frame one"})
        started = await client.post(f"{base}/generate", json={})
        task_id = started.json()["data"]["task_id"]
        await asyncio.sleep(0)  # let it start; cancelling a queued job is as valid
        cancelled = await client.post(f"/api/cancel/{task_id}")
        assert cancelled.status_code == 200, cancelled.text
        task = await wait_task(client, task_id)
        assert task["status"] == "cancelled"
        for i in range(1, 5):
            after = await client.get(f"{base}/images/frame_{i}")
            assert after.status_code == 200
            with Image.open(io.BytesIO(after.content)) as opened:
                opened.verify()  # whole files, old or new: never half written
            if after.content != before[i]:
                assert after.headers["content-type"] == "image/jpeg"


async def test_a_restart_mid_job_fails_it_and_a_resumed_run_skips_what_was_drawn(make_settings) -> None:
    async with _vendor(delay=0.5) as vendor:
        async with _app(make_settings, vendor) as (_, client):
            scene_id = await make_scene(client)
            base = await _storyboard(client, scene_id, frames=6)
            started = await client.post(f"{base}/generate", json={})
            task_id = started.json()["data"]["task_id"]
            async with asyncio.timeout(60):  # synchronisation on the rows; the timeout stops a hung test
                while True:
                    if len((await client.get(base)).json()["data"]["images"]) >= 2:
                        break
                    await asyncio.sleep(0.02)
        async with _app(make_settings, None) as (_, client):
            task = (await client.get(f"/api/tasks/{task_id}")).json()["data"]
            assert task["status"] == "failed"
            drawn = (await client.get(base)).json()["data"]["images"]
            assert 2 <= len(drawn) < 6
            before = len(vendor.requests)
            resumed = await run_step(client, f"{base}/generate", {"resume": True})
            assert sorted(resumed["result"]["skipped"]) == sorted(name.split(".")[0] for name in drawn)
            assert len(vendor.requests) - before == 6 - len(drawn)
            assert len((await client.get(base)).json()["data"]["images"]) == 6


async def test_deleting_the_scene_stops_its_comic_job(make_settings) -> None:
    async with _vendor(delay=0.3) as vendor, _app(make_settings, vendor) as (app, client):
        scene_id = await make_scene(client)
        base = await _storyboard(client, scene_id, frames=6)
        started = await client.post(f"{base}/generate", json={})
        task_id = started.json()["data"]["task_id"]
        deleted = await client.delete(f"/api/scenes/{scene_id}")
        assert deleted.status_code == 200, deleted.text
        task = await wait_task(client, task_id)
        assert task["status"] in ("cancelled", "failed")
        assert not (app.state.settings.data_dir / "scenes" / scene_id).exists()

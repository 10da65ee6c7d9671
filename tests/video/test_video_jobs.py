"""Video jobs cut short: a cancel mid-render kills ffmpeg and leaves no partial file; a restart mid-job fails
it, the overview says it can resume, and generating again keeps the clips already made."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from sceneintruder.providers.media import ffmpeg, speech
from tests.comic.support import comic_through_panels, make_scene, run_step, wait_task
from tests.fakes.videos import KEY, FakeVideoVendor, short_mp4
from tests.support.builders import bearer, make_user, token_for

FFMPEG = ffmpeg.find_ffmpeg()
pytestmark = pytest.mark.skipif(FFMPEG is None or speech.find_espeak() is None, reason=".ci/run installs espeak-ng")


def _ffmpeg_writing_under(folder: Path) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(folder).encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found


async def _until(predicate, client: httpx.AsyncClient, url: str) -> dict:
    """Poll `url` until `predicate(data)` (synchronisation on state; the timeout only stops a hung test)."""
    async with asyncio.timeout(300):
        while True:
            data = (await client.get(url)).json()["data"]
            if predicate(data):
                return data
            await asyncio.sleep(0.05)


async def test_a_cancel_mid_render_kills_ffmpeg_and_leaves_no_partial_file(client, settings) -> None:
    scene_id = await make_scene(client)
    await comic_through_panels(client, scene_id, frames=4)
    video = f"/api/scenes/{scene_id}/comic/video"
    await client.post(f"{video}/timeline", json={"duration": 60, "resolution": "1080P"})  # a long render
    task_id = (await client.post(f"{video}/generate", json={})).json()["data"]["task_id"]
    renders = settings.data_dir / "scenes" / scene_id / "video" / "renders"
    rendering = await _until(
        lambda task: task["progress"] > 80 or task["status"] in ("completed", "failed", "cancelled"),
        client,
        f"/api/tasks/{task_id}",
    )
    assert rendering["status"] == "running"  # ffmpeg is composing the film (above 80%: its own progress)
    assert await asyncio.to_thread(_ffmpeg_writing_under, renders) != []
    second = await client.post(f"{video}/frames/frame_1/regenerate", json={})
    assert second.status_code == 409 and second.json()["error"]["details"]["task_id"] == task_id  # one at a time
    cancelled = await client.post(f"/api/cancel/{task_id}")
    assert cancelled.status_code == 200, cancelled.text
    assert (await wait_task(client, task_id))["status"] == "cancelled"
    assert await asyncio.to_thread(_ffmpeg_writing_under, renders) == []
    leftovers = await asyncio.to_thread(lambda: [p.name for p in renders.glob("*")] if renders.is_dir() else [])
    assert leftovers == []


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return short_mp4(str(FFMPEG), tmp_path_factory.mktemp("cdn") / "clip.mp4", seconds=2, size="320x180")


@contextlib.asynccontextmanager
async def _app(make_settings, vendor: FakeVideoVendor, *, configure: bool) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(allow_private_provider_urls=True))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as client,
    ):
        if configure:
            await make_user(app, "root", role=Role.ADMIN)
            config = {"endpoint": f"{vendor.base}/api/v3", "api_key": KEY, "poll_interval_ms": 20, "max_concurrency": 1}
            saved = await client.post(
                "/api/settings",
                headers=bearer(token_for(app, "root")),
                json={"video_provider": "ark", "video_config": config},
            )
            assert saved.status_code == 200, saved.text
        yield client


async def test_a_restart_mid_job_resumes_with_the_clips_already_made(make_settings, mp4) -> None:
    vendor = FakeVideoVendor(mp4, latency=0.6)
    async with vendor.serving(vendor.app()) as base:
        vendor.base = base
        async with _app(make_settings, vendor, configure=True) as client:
            scene_id = await make_scene(client)
            await comic_through_panels(client, scene_id, frames=4)
            video = f"/api/scenes/{scene_id}/comic/video"
            await client.post(f"{video}/timeline", json={"duration": 2})
            task_id = (await client.post(f"{video}/generate", json={})).json()["data"]["task_id"]
            await _until(lambda o: sum(c["status"] == "completed" for c in o["clips"]) >= 2, client, video)
        async with _app(make_settings, vendor, configure=False) as client:
            assert (await client.get(f"/api/tasks/{task_id}")).json()["data"]["status"] == "failed"
            overview = (await client.get(video)).json()["data"]
            kept = [c["frame_id"] for c in overview["clips"] if c["status"] == "completed"]
            assert 2 <= len(kept) < 4
            assert overview["recovery"]["status"] == "interrupted" and overview["recovery"]["can_resume"] is True
            submits = len(vendor.tasks)
            task = await run_step(client, f"{video}/generate", {})
            assert task["result"]["degraded"] == []
            assert len(vendor.tasks) - submits == 4 - len(kept)  # only the missing clips went to the vendor
            final = (await client.get(video)).json()["data"]
            assert all(c["status"] == "completed" for c in final["clips"])
            assert {
                c["frame_id"]: c["attempt_count"] for c in final["clips"] if c["frame_id"] in kept
            } == dict.fromkeys(kept, 1)

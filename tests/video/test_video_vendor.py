"""The film through a video vendor (a fake Seedance on 127.0.0.1): clips submitted, polled and downloaded inside
the job, concatenated with the same subtitles and narration; a clip that fails and one that never finishes
(its poll budget) degrade the film instead of failing it; a vendor without its key is reported, not used."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from sceneintruder.providers.media import ffmpeg, speech
from tests.comic.support import comic_through_panels, make_scene, run_step
from tests.fakes.videos import KEY, FakeVideoVendor, short_mp4
from tests.support.builders import bearer, make_user, token_for

FFMPEG = ffmpeg.find_ffmpeg()
pytestmark = pytest.mark.skipif(FFMPEG is None or speech.find_espeak() is None, reason=".ci/run installs espeak-ng")


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return short_mp4(str(FFMPEG), tmp_path_factory.mktemp("cdn") / "clip.mp4", seconds=2, size="320x180")


@contextlib.asynccontextmanager
async def _served(make_settings, config: dict) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(allow_private_provider_urls=True))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as client,
    ):
        await make_user(app, "root", role=Role.ADMIN)
        saved = await client.post("/api/settings", headers=bearer(token_for(app, "root")), json=config)
        assert saved.status_code == 200, saved.text
        yield client


async def test_vendor_clips_make_a_degraded_film_when_some_fail(make_settings, mp4, tmp_path) -> None:
    vendor = FakeVideoVendor(mp4, steps=2)
    async with vendor.serving(vendor.app()) as base:
        vendor.base = base
        config = {
            "video_provider": "ark",
            "video_config": {
                "endpoint": f"{base}/api/v3",
                "api_key": KEY,
                "poll_interval_ms": 10,
                "max_poll_attempts": 6,
                "max_concurrency": 1,
            },
        }
        async with _served(make_settings, config) as client:
            scene_id = await make_scene(client)
            await comic_through_panels(client, scene_id, frames=4)
            video = f"/api/scenes/{scene_id}/comic/video"
            timeline = (await client.post(f"{video}/timeline", json={"duration": 3})).json()["data"]
            assert timeline["provider"] == "ark"
            vendor.plan("ok", "fail", "never", "ok")
            task = await run_step(client, f"{video}/generate", {})
            degraded = sorted(task["result"]["degraded"])  # which frames got which answer depends on the order
            assert len(degraded) == 2  # the clips reached the vendor in; the fake answers in submit order
            overview = (await client.get(video)).json()["data"]
            statuses = {c["frame_id"]: (c["status"], c["provider_status"]) for c in overview["clips"]}
            failed = sorted(frame for frame, (status, _) in statuses.items() if status == "failed")
            assert failed == degraded
            assert sorted(statuses[f][1] for f in failed) == ["poll_timeout", "provider_failed"]
            assert all(statuses[f] == ("completed", "succeeded") for f in statuses if f not in failed)
            assert overview["meta"]["generation_status"] == "completed_degraded" and overview["offline"] is False
            assert overview["recovery"]["status"] == "resumable" and overview["recovery"]["failed_frame_ids"] == failed
            film = await client.get(f"{video}/render")
            path = tmp_path / "film.mp4"
            path.write_bytes(film.content)
            probe = await ffmpeg.probe(FFMPEG, path)
            assert probe.video_codec == "h264" and probe.audio_codec == "aac"
            assert abs(probe.duration - overview["meta"]["render_seconds"]) <= 0.05 * overview["meta"]["render_seconds"]
            assert "ark" in probe.comment
            done = next(f for f in statuses if f not in failed)
            assert (await client.get(f"{video}/clips/{done}/asset")).status_code == 200
            events = await client.get(
                f"/api/progress/{task['task_id']}", headers={"Accept": "text/event-stream", "Last-Event-ID": "0"}
            )
            clip_events = [line for line in events.text.splitlines() if '"event_type":"video_clip_generate"' in line]
            assert any('"provider_task_id":"cgt-' in line for line in clip_events)
            before = len([s for s in vendor.requests if s.method == "POST"])
            again = await run_step(client, f"{video}/generate", {})  # resumes: only the failed clips go again
            assert again["result"]["degraded"] == []
            assert len([s for s in vendor.requests if s.method == "POST"]) - before == 2


async def test_a_vendor_without_its_key_is_reported_and_the_film_is_made_offline(make_settings) -> None:
    config = {"video_provider": "kling", "video_config": {"endpoint": "https://api-beijing.klingai.com/v1"}}
    async with _served(make_settings, config) as client:
        scene_id = await make_scene(client)
        await comic_through_panels(client, scene_id, frames=4)
        video = f"/api/scenes/{scene_id}/comic/video"
        timeline = (await client.post(f"{video}/timeline", json={"duration": 2})).json()["data"]
        assert timeline["provider"] == "offline"
        overview = (await client.get(video)).json()["data"]
        assert overview["configured_provider"] == "kling" and overview["provider_ready"] is False
        assert overview["offline"] is True

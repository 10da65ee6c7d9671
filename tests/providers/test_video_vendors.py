"""Each video adapter against a fake vendor on 127.0.0.1 with a per-task state machine: submit, poll through
pending and running to a finished task, download a real MP4 from a fake CDN (with the vendor's auth where its
files need it); failures: a task that fails, one that never finishes (the poll budget), 429 with Retry-After,
transient poll errors tolerated, and the vendors' own quirks (Kling's JWT, DashScope's temporary storage,
Vertex's gs:// results)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from jose import jwt

from sceneintruder.providers.http import RetryPolicy
from sceneintruder.providers.media import ffmpeg
from sceneintruder.providers.video._common import VideoConfig, VideoDeps
from sceneintruder.providers.video.base import VideoRequest
from sceneintruder.providers.video.kling import mint_token
from sceneintruder.providers.video.polling import ClipFailed, PollPolicy, run_clip
from sceneintruder.providers.video.registry import build_video_provider
from tests.fakes.images import png
from tests.fakes.videos import KEY, FakeVideoVendor, short_mp4

FFMPEG = ffmpeg.find_ffmpeg()
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg (imageio-ffmpeg) is a dependency")
SECRET = "kling-secret-0123456789"


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return short_mp4(str(FFMPEG), tmp_path_factory.mktemp("cdn") / "clip.mp4", seconds=1, size="160x120")


@pytest.fixture
async def vendor(mp4: bytes) -> AsyncIterator[FakeVideoVendor]:
    fake = FakeVideoVendor(mp4, steps=3)
    async with fake.serving(fake.app()) as base:
        fake.base = base
        yield fake


async def _no_sleep(_: float) -> None:
    return None


def _provider(vendor: FakeVideoVendor, http: httpx.AsyncClient, name: str):
    endpoints = {
        "dashscope": "/api/v1",
        "kling": "/v1",
        "google": "/v1beta",
        "vertex": "/vertex",
        "ark": "/api/v3",
    }
    options = {"storage_base": vendor.base} if name == "vertex" else {}
    config = VideoConfig(
        provider=name, base_url=vendor.base + endpoints[name], api_key=KEY, secret=SECRET, options=options
    )
    deps = VideoDeps(http=http, retry=RetryPolicy(max_retries=2, sleep=_no_sleep), allow_private_urls=True)
    return build_video_provider(config, deps)


POLICY = PollPolicy(interval=0.01, max_interval=0.02, max_polls=20, transient_errors=2, sleep=_no_sleep)
REQUEST = VideoRequest(prompt="Ann walks into the garden", image=png(), duration=7.0, resolution="720P")


@pytest.mark.parametrize("name", ["dashscope", "kling", "google", "vertex", "ark"])
async def test_a_clip_is_submitted_polled_and_downloaded(vendor, tmp_path: Path, name: str) -> None:
    seen: list[str] = []

    async def status(task) -> None:
        seen.append(task.state)

    async with httpx.AsyncClient() as http:
        provider = _provider(vendor, http, name)
        task = await run_clip(provider, REQUEST, POLICY, status)
        path = await provider.download(task, tmp_path / f"{name}.mp4")
    assert path.read_bytes() == vendor.mp4
    assert seen[0] == "running" and seen[-1] == "completed" and seen.count("running") >= 2
    probe = await ffmpeg.probe(FFMPEG, path)
    assert probe.video_codec == "h264"


async def test_each_vendor_gets_its_own_wire_format(vendor, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as http:
        for name in ("dashscope", "kling", "google", "vertex", "ark"):
            await run_clip(_provider(vendor, http, name), REQUEST, POLICY)
    submits = {seen.path: seen for seen in vendor.requests if seen.method == "POST" and "fetchPredict" not in seen.path}
    dashscope = submits["/api/v1/services/aigc/video-generation/video-synthesis"]
    assert dashscope.headers["x-dashscope-async"] == "enable"
    assert dashscope.headers["x-dashscope-ossresourceresolve"] == "enable"
    assert dashscope.body["input"]["img_url"].startswith("oss://dashscope-instant/abc/2026-12-04/")
    assert dashscope.body["parameters"]["duration"] == 5  # 7 s snapped to DashScope's 5/10/15
    assert vendor.uploads and vendor.uploads[0]["x-oss-object-acl"] == "private"
    kling = submits["/v1/videos/image2video"]
    token = kling.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == KEY and claims["exp"] - claims["nbf"] <= 1805
    assert kling.body["duration"] == "5" and not kling.body["image"].startswith("data:")
    veo = next(s for p, s in submits.items() if p.endswith(":predictLongRunning") and p.startswith("/v1beta"))
    assert veo.path == "/v1beta/models/veo-2.0-generate-001:predictLongRunning"
    assert (
        veo.body["instances"][0]["image"]["mimeType"] == "image/png" and veo.body["parameters"]["durationSeconds"] == 7
    )
    ark = submits["/api/v3/contents/generations/tasks"]
    assert ark.body["resolution"] == "720p" and ark.body["duration"] == 7
    assert ark.body["content"][1]["role"] == "first_frame"


async def test_failed_tasks_never_finishing_tasks_and_refusals(vendor) -> None:
    async with httpx.AsyncClient() as http:
        provider = _provider(vendor, http, "ark")
        vendor.plan("fail")
        with pytest.raises(ClipFailed) as failed:
            await run_clip(provider, REQUEST, POLICY)
        assert failed.value.stage == "provider_failed" and "sensitive" in str(failed.value)
        vendor.plan("never")
        with pytest.raises(ClipFailed) as never:
            await run_clip(provider, REQUEST, POLICY)
        assert never.value.stage == "poll_timeout" and never.value.task_id
        vendor.plan("401")
        with pytest.raises(ClipFailed) as refused:
            await run_clip(provider, REQUEST, POLICY)
        assert refused.value.stage == "submit_failed"


async def test_transient_poll_errors_are_tolerated_and_too_many_fail(vendor) -> None:
    async with httpx.AsyncClient() as http:
        provider = _provider(vendor, http, "kling")
        vendor.poll_plan.extend(["500", "500", "ok"])
        task = await run_clip(
            provider, REQUEST, PollPolicy(interval=0.01, max_polls=20, transient_errors=3, sleep=_no_sleep)
        )
        assert task.state == "completed"
        none_tolerated = PollPolicy(interval=0.01, max_polls=20, transient_errors=0, sleep=_no_sleep)
        vendor.poll_plan.extend(["500"] * 9)
        with pytest.raises(ClipFailed) as cut:
            await run_clip(provider, REQUEST, none_tolerated)
        assert cut.value.stage == "poll_failed"


async def test_a_429_waits_for_its_retry_after(vendor) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    vendor.retry_after = "4"
    vendor.plan("429")
    async with httpx.AsyncClient() as http:
        config = VideoConfig(provider="ark", base_url=f"{vendor.base}/api/v3", api_key=KEY)
        deps = VideoDeps(http=http, retry=RetryPolicy(max_retries=2, sleep=sleep), allow_private_urls=True)
        task = await run_clip(build_video_provider(config, deps), REQUEST, POLICY)
    assert task.state == "completed" and slept[0] == 4.0


async def test_poll_waits_grow_with_the_tasks_age_up_to_their_ceiling(vendor) -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    vendor.plan("never")
    policy = PollPolicy(interval=1.0, max_interval=4.0, max_polls=40, sleep=sleep, clock=lambda: now[0])
    async with httpx.AsyncClient() as http:
        with pytest.raises(ClipFailed):
            await run_clip(_provider(vendor, http, "dashscope"), REQUEST, policy)
    assert waits[:10] == [1.0] * 10 and waits == sorted(waits) and max(waits) == 4.0
    elapsed = 0.0
    for wait in waits:
        assert wait >= min(4.0, 0.1 * elapsed) - 1e-9  # never more than ~10% late on a task of this age
        elapsed += wait


def test_kling_tokens_are_signed_and_expire() -> None:
    token = mint_token("ak", "sk", now=1_000_000)
    claims = jwt.decode(token, "sk", algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False})
    assert claims == {"iss": "ak", "exp": 1_001_800, "nbf": 999_995}
    assert asyncio.iscoroutinefunction(run_clip)

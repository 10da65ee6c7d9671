"""Each image adapter against a fake vendor on 127.0.0.1 speaking its wire format: the request's path, auth and
body keys, sizes the vendor accepts, references where it takes them, URL results fetched without the key, and
the failures (401, 429 with Retry-After, 5xx, malformed bodies, no image, timeouts, a download that fails)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from sceneintruder.providers.errors import ProviderAuthError, ProviderBadResponse, ProviderTimeout, ProviderUnavailable
from sceneintruder.providers.http import RetryPolicy
from sceneintruder.providers.image._common import ImageConfig, ImageDeps
from sceneintruder.providers.image.base import ImageRequest, ReferenceImage
from sceneintruder.providers.image.client import ImageCall, ImageClient
from sceneintruder.providers.image.fonts import find_fonts
from sceneintruder.providers.image.registry import build_image_provider
from sceneintruder.providers.llm.client import CallRecord
from tests.fakes.images import FakeImageVendor, jpeg, png

KEY = "img-key-0123456789"


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def vendor() -> AsyncIterator[FakeImageVendor]:
    fake = FakeImageVendor(api_key=KEY)
    async with fake.serving(fake.app()) as base:
        fake.base = base
        yield fake


def _deps(http: httpx.AsyncClient, retries: int = 2) -> ImageDeps:
    return ImageDeps(http=http, retry=RetryPolicy(max_retries=retries, sleep=_no_sleep), allow_private_urls=True)


def _endpoint(vendor: FakeImageVendor, provider: str) -> str:
    return {
        "openai": f"{vendor.base}/v1",
        "openai_compatible": f"{vendor.base}/v1",
        "glm": f"{vendor.base}/v1",
        "ark": f"{vendor.base}/v1",
        "gemini": f"{vendor.base}/v1beta",
        "dashscope": f"{vendor.base}/api/v1",
        "sdwebui": vendor.base,
    }[provider]


def _provider(vendor: FakeImageVendor, http: httpx.AsyncClient, name: str, **options: str):
    config = ImageConfig(provider=name, base_url=_endpoint(vendor, name), api_key=KEY, options=options)
    return build_image_provider(config, _deps(http), find_fonts())


REQUEST = ImageRequest(prompt="Elizabeth at the ball, ink-wash style", negative_prompt="blurry", width=1024, height=768)


@pytest.mark.parametrize(
    ("name", "path", "size_check"),
    [
        (
            "openai",
            "/v1/images/generations",
            lambda body: body["size"] == "1536x1024" and "response_format" not in body,
        ),
        ("glm", "/v1/images/generations", lambda body: body["size"] == "1152x864" and body["model"] == "cogview-4"),
        ("ark", "/v1/images/generations", lambda body: body["size"] == "2304x1728" and body["watermark"] is False),
        (
            "gemini",
            "/v1beta/models/gemini-3-pro-image-preview:generateContent",
            lambda body: body["generationConfig"]["imageConfig"] == {"aspectRatio": "4:3", "imageSize": "1K"},
        ),
        (
            "dashscope",
            "/api/v1/services/aigc/multimodal-generation/generation",
            lambda body: body["parameters"]["size"] == "1472*1140",
        ),
        ("sdwebui", "/sdapi/v1/txt2img", lambda body: (body["width"], body["height"]) == (1024, 768)),
    ],
)
async def test_each_vendor_gets_its_wire_format_and_a_legal_size(vendor, name, path, size_check) -> None:
    async with httpx.AsyncClient() as http:
        image = await _provider(vendor, http, name).generate(REQUEST)
    assert image.data == vendor.image and image.mime == "image/png" and image.provider == name
    seen = vendor.requests[-1]
    assert seen.path == path
    assert size_check(seen.body), seen.body
    if name == "gemini":
        assert seen.headers["x-goog-api-key"] == KEY
        assert "imageSize" not in seen.body["generationConfig"] or isinstance(
            seen.body["generationConfig"]["imageConfig"], dict
        )
    elif name != "sdwebui":
        assert seen.headers["authorization"] == f"Bearer {KEY}"
    if name == "dashscope":
        assert vendor.cdn_hits == 1  # its result is a URL, fetched (without the key: the CDN refuses one)


async def test_dalle_gets_response_format_and_gpt_image_reports_its_tokens(vendor) -> None:
    async with httpx.AsyncClient() as http:
        provider = _provider(vendor, http, "openai")
        dalle = await provider.generate(ImageRequest(prompt="a cat", model="dall-e-3", width=1024, height=768))
        gpt = await provider.generate(REQUEST)
    assert (
        vendor.requests[0].body["response_format"] == "b64_json" and vendor.requests[0].body["size"] == "1024x1024"
    )  # 4:3 is nearer 1:1 than 7:4
    assert gpt.input_tokens == 50 and gpt.output_tokens == 4160 and dalle.model == "dall-e-3"


async def test_reference_images_reach_the_vendors_that_take_them(vendor) -> None:
    ref = ReferenceImage(jpeg(), "image/jpeg", "char_elizabeth")
    request = ImageRequest(prompt="Elizabeth", width=1024, height=1024, references=(ref,), strength=0.5)
    async with httpx.AsyncClient() as http:
        await _provider(vendor, http, "openai").generate(request)
        await _provider(vendor, http, "ark").generate(request)
        await _provider(vendor, http, "gemini").generate(request)
        await _provider(vendor, http, "sdwebui").generate(request)
        await _provider(vendor, http, "dashscope").generate(request)
    edit, ark, gemini, sd, dashscope = vendor.requests
    assert edit.path == "/v1/images/edits" and edit.body["images"] == 1
    assert ark.body["image"][0].startswith("data:image/jpeg;base64,")
    assert gemini.body["contents"][0]["parts"][0]["inlineData"]["mimeType"] == "image/jpeg"
    assert sd.path == "/sdapi/v1/img2img" and base64.b64decode(sd.body["init_images"][0]) == ref.data
    assert sd.body["denoising_strength"] == 0.5
    assert dashscope.body["model"] == "qwen-image-edit" and dashscope.body["input"]["messages"][0]["content"][0][
        "image"
    ].startswith("data:image/jpeg")


async def test_a_jpeg_answer_is_stored_as_jpeg(vendor) -> None:
    vendor.image = jpeg()
    async with httpx.AsyncClient() as http:
        image = await _provider(vendor, http, "openai").generate(REQUEST)
    assert image.mime == "image/jpeg"


async def test_failures_map_to_our_kinds_and_are_never_passed_on(vendor) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.5)) as http:
        provider = _provider(vendor, http, "openai")
        vendor.plan("401")
        with pytest.raises(ProviderAuthError) as auth:
            await provider.generate(REQUEST)
        assert "Incorrect API key" not in str(auth.value.details)
        vendor.plan("500", "500", "500")
        with pytest.raises(ProviderUnavailable):
            await provider.generate(REQUEST)
        vendor.plan("malformed")
        with pytest.raises(ProviderBadResponse):
            await provider.generate(REQUEST)
        vendor.plan("empty")
        with pytest.raises(ProviderBadResponse):
            await provider.generate(REQUEST)
        vendor.plan("not_image")
        with pytest.raises(ProviderBadResponse) as not_image:
            await provider.generate(REQUEST)
        assert not_image.value.vendor_code == "not_an_image"
        vendor.plan("cdn404")  # a dead link is not asked again
        with pytest.raises(ProviderBadResponse):
            await provider.generate(REQUEST)
        vendor.plan("hang", "hang", "hang")  # a timeout is retried, then reported
        with pytest.raises(ProviderTimeout):
            await _provider(vendor, http, "sdwebui").generate(REQUEST)


async def test_a_429_is_retried_after_its_retry_after_and_every_request_is_a_ledger_row(vendor) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    rows: list[CallRecord] = []

    async def recorder(row: CallRecord) -> None:
        rows.append(row)

    vendor.retry_after = "3"
    vendor.plan("429", "500")
    async with httpx.AsyncClient() as http:
        config = ImageConfig(provider="openai", base_url=f"{vendor.base}/v1", api_key=KEY)
        deps = ImageDeps(
            http=http, retry=RetryPolicy(max_retries=3, sleep=sleep, random=lambda: 0.5), allow_private_urls=True
        )
        client = ImageClient(build_image_provider(config, deps, find_fonts()), recorder)
        image = await client.generate(REQUEST, ImageCall(user_id="u1", job_id="j1"))
    assert image.data == vendor.image
    assert slept[0] == 3.0 and len(slept) == 2
    assert [row.outcome for row in rows] == ["rate_limit", "unavailable", "ok"]
    assert len(rows) == len(vendor.requests) and rows[-1].completion_tokens == 4160
    assert all(row.task == "comic_image" and row.job_id == "j1" for row in rows)


async def test_the_offline_renderer_is_deterministic_and_says_it_is_offline() -> None:
    rows: list[CallRecord] = []

    async def recorder(row: CallRecord) -> None:
        rows.append(row)

    async with httpx.AsyncClient() as http:
        provider = build_image_provider(ImageConfig(provider="placeholder"), _deps(http), find_fonts())
        client = ImageClient(provider, recorder)
        hints = {"characters": ["Elizabeth", "Mr. Darcy"], "shot": "medium", "seed_text": "scene/frame_1"}
        request = ImageRequest(prompt="the drawing-room at night", width=1024, height=768, hints=hints)
        first = await client.generate(request, ImageCall())
        second = await client.generate(request, ImageCall())
        other = await client.generate(ImageRequest(prompt="a street at dawn", hints=hints), ImageCall())
    assert first.data == second.data != other.data
    assert first.offline and first.provider == "placeholder" and b"offline render" in first.data
    assert rows[0].provider == "placeholder" and rows[0].prompt_tokens == rows[0].completion_tokens == 0
    assert png()  # the fake's own PNG helper works (used by the comic tests)


@pytest.mark.parametrize("name", ["openai", "glm", "ark", "gemini", "dashscope", "sdwebui", "openai_compatible"])
async def test_every_vendor_maps_its_failures(vendor, name) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.5)) as http:
        provider = _provider(vendor, http, name)
        for behaviours, error in (
            (("401",), ProviderAuthError),
            (("500", "500", "500"), ProviderUnavailable),
            (("malformed",), ProviderBadResponse),
            (("empty",), ProviderBadResponse),
            (("hang", "hang", "hang"), ProviderTimeout),
        ):
            vendor.plan(*behaviours)
            with pytest.raises(error) as raised:
                await provider.generate(REQUEST)
            assert "server error" not in str(raised.value.details) and "gateway" not in str(raised.value.details)
    if name == "dashscope":
        vendor.plan("cdn404")
        async with httpx.AsyncClient() as http:
            with pytest.raises(ProviderBadResponse) as dead:
                await _provider(vendor, http, name).generate(REQUEST)
        assert dead.value.vendor_code == "download_failed"

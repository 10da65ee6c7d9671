"""What the image adapters share: their configuration, the vendor error mapping, base64 results, and downloads
of URL results with a size cap, a time limit and the SSRF check (a vendor's URL is fetched without its key)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sceneintruder.providers.errors import ProviderBadResponse, ProviderError, ProviderUnavailable
from sceneintruder.providers.http import RetryPolicy, load_json_body, translate_transport_errors
from sceneintruder.providers.image.base import sniff_mime
from sceneintruder.providers.llm._common import classify_error
from sceneintruder.providers.urls import UnsafeURL, check_base_url

MAX_IMAGE_BYTES = 25 * 1024 * 1024  # a generated image larger than this is refused (download and base64 alike)
DOWNLOAD_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class ImageConfig:
    """One vendor's settings: `vision_provider`, `vision_config` (endpoint/base_url, model, size overrides,
    auth_mode, generation_path, ...) and the sealed key."""

    provider: str
    base_url: str = ""
    api_key: str = ""
    model: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, key: str, default: str = "") -> str:
        value = self.options.get(key)
        return str(value) if value not in (None, "") else default


@dataclass(frozen=True)
class ImageDeps:
    http: httpx.AsyncClient
    retry: RetryPolicy
    allow_private_urls: bool = False


def vendor_error(provider: str, model: str, status: int, body: bytes, headers: Mapping[str, str]) -> ProviderError:
    """An HTTP failure as one of our error kinds; the vendor's body is read for its code, never passed on."""
    parsed = load_json_body(body)
    error: Any = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        error = parsed if isinstance(parsed, dict) else {}
    code = error.get("code") or error.get("type") or error.get("status")
    hint = " ".join(str(error.get(k) or "") for k in ("code", "type", "message", "status")).lower()
    return classify_error(
        provider=provider,
        model=model,
        status=status,
        headers=headers,
        vendor_code=str(code) if isinstance(code, str | int) else None,
        hint=hint,
        retryable_429=code != "insufficient_quota",
    )


def image_bytes(data: bytes, *, provider: str, model: str) -> tuple[bytes, str]:
    """Bytes that are really an image, with their MIME type (else ProviderBadResponse)."""
    mime = sniff_mime(data)
    if not data or mime is None:
        raise ProviderBadResponse(
            "图片服务返回的内容不是图片", provider=provider, model=model, vendor_code="not_an_image"
        )
    if len(data) > MAX_IMAGE_BYTES:
        raise ProviderBadResponse("图片服务返回的图片过大", provider=provider, model=model, vendor_code="too_large")
    return data, mime


def decode_b64(value: Any, *, provider: str, model: str) -> tuple[bytes, str]:
    if not isinstance(value, str) or not value:
        raise ProviderBadResponse(provider=provider, model=model, vendor_code="no_image")
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    if len(text) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ProviderBadResponse("图片服务返回的图片过大", provider=provider, model=model, vendor_code="too_large")
    try:
        raw = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ProviderBadResponse(provider=provider, model=model, vendor_code="bad_base64") from exc
    return image_bytes(raw, provider=provider, model=model)


async def download(deps: ImageDeps, url: Any, *, provider: str, model: str) -> tuple[bytes, str]:
    """GET a vendor's result URL (no auth header), at most MAX_IMAGE_BYTES, within DOWNLOAD_TIMEOUT_SECONDS."""
    if not isinstance(url, str) or not url:
        raise ProviderBadResponse(provider=provider, model=model, vendor_code="no_image")
    try:
        check_base_url(url, local_allowed=False, allow_private=deps.allow_private_urls)
    except UnsafeURL as exc:
        raise ProviderBadResponse("图片地址不可访问", provider=provider, model=model, vendor_code="unsafe_url") from exc

    async def attempt() -> tuple[bytes, str]:
        with translate_transport_errors(provider, model):
            async with deps.http.stream("GET", url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                if response.status_code >= 500:
                    raise ProviderUnavailable(provider=provider, model=model, retryable=True)
                if response.status_code >= 400:  # the vendor's link is dead: asking again will not revive it
                    raise ProviderBadResponse(
                        "图片下载失败", provider=provider, model=model, vendor_code="download_failed"
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_IMAGE_BYTES:
                        raise ProviderBadResponse(
                            "图片服务返回的图片过大", provider=provider, model=model, vendor_code="too_large"
                        )
                    chunks.append(chunk)
        return image_bytes(b"".join(chunks), provider=provider, model=model)

    return await deps.retry.run(attempt)


KIND_MESSAGES = {
    "auth": "图片服务认证失败（请检查 API 密钥）",
    "rate_limit": "图片服务限流，请稍后再试",
    "timeout": "图片服务超时",
    "unavailable": "图片服务暂时不可用",
    "bad_request": "图片服务拒绝了请求",
    "content_policy": "内容被图片服务的安全策略拒绝",
}


def describe(error: ProviderError) -> str:
    """What went wrong, in our words (the vendor's body is never passed on)."""
    base = KIND_MESSAGES.get(error.kind, "图片服务调用失败")
    return f"{base} ({error.vendor_code})" if error.vendor_code else base


async def image_from_item(deps: ImageDeps, item: Mapping[str, Any], *, provider: str, model: str) -> tuple[bytes, str]:
    """The picture of an OpenAI-shaped `data[0]` item: its `b64_json`, else its `url` fetched."""
    if item.get("b64_json"):
        return decode_b64(item["b64_json"], provider=provider, model=model)
    if item.get("url"):
        return await download(deps, item["url"], provider=provider, model=model)
    raise ProviderBadResponse("图片服务没有返回图片", provider=provider, model=model, vendor_code="no_image")


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def first(items: Any) -> dict[str, Any]:
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return {}

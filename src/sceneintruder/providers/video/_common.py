"""What the video adapters share: configuration, the HTTP helpers, and downloads of finished clips (size- and
time-capped, SSRF-checked, written atomically, checked to be a video)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sceneintruder.providers.errors import ProviderBadResponse, ProviderUnavailable
from sceneintruder.providers.http import RetryPolicy, get_json, post_json, translate_transport_errors
from sceneintruder.providers.image._common import vendor_error
from sceneintruder.providers.urls import UnsafeURL, check_base_url

MAX_CLIP_BYTES = 200 * 1024 * 1024
DOWNLOAD_SECONDS = 180.0


@dataclass(frozen=True)
class VideoConfig:
    provider: str
    base_url: str = ""
    api_key: str = ""
    secret: str = ""  # Kling's secret key (its access key is `api_key`)
    model: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, key: str, default: str = "") -> str:
        value = self.options.get(key)
        return str(value) if value not in (None, "") else default


@dataclass(frozen=True)
class VideoDeps:
    http: httpx.AsyncClient
    retry: RetryPolicy
    allow_private_urls: bool = False


async def post(
    deps: VideoDeps, provider: str, model: str, url: str, payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Any:
    return await post_json(
        deps.http,
        url,
        payload=payload,
        headers=headers,
        error_for=lambda status, raw, hdrs: vendor_error(provider, model, status, raw, hdrs),
        provider=provider,
        model=model,
        retry=deps.retry,
    )


async def get(
    deps: VideoDeps, provider: str, url: str, headers: Mapping[str, str], params: Mapping[str, str] | None = None
) -> Any:
    return await get_json(
        deps.http,
        url,
        headers=headers,
        error_for=lambda status, raw, hdrs: vendor_error(provider, "", status, raw, hdrs),
        provider=provider,
        retry=deps.retry,
        params=params,
    )


def dig(data: Any, *paths: str) -> Any:
    """The first non-empty value at one of the dotted `paths` ("output.results.0.url")."""
    for path in paths:
        value: Any = data
        for part in path.split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
                break
        if value not in (None, "", [], {}):
            return value
    return None


def is_video(head: bytes) -> bool:
    return head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3")


async def download(
    deps: VideoDeps, provider: str, url: str, target: Path, headers: Mapping[str, str] | None = None
) -> Path:
    """Stream `url` into `target` (atomically); ProviderBadResponse when it is not a video or too large."""
    if url.startswith("https://") or url.startswith("http://"):
        try:
            check_base_url(url, local_allowed=False, allow_private=deps.allow_private_urls)
        except UnsafeURL as exc:
            raise ProviderBadResponse("视频地址不可访问", provider=provider, vendor_code="unsafe_url") from exc
    else:
        raise ProviderBadResponse("视频地址不可访问", provider=provider, vendor_code="unsupported_url")
    target.parent.mkdir(parents=True, exist_ok=True)

    async def attempt() -> Path:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        started = time.monotonic()
        try:
            with os.fdopen(fd, "wb") as handle, translate_transport_errors(provider):
                async with deps.http.stream("GET", url, headers=dict(headers or {}), timeout=60) as response:
                    if response.status_code >= 500:
                        raise ProviderUnavailable(provider=provider, retryable=True)
                    if response.status_code >= 400:
                        raise ProviderBadResponse("视频下载失败", provider=provider, vendor_code="download_failed")
                    size, head = 0, b""
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        head = head if len(head) >= 16 else (head + chunk)[:16]
                        if size > MAX_CLIP_BYTES or time.monotonic() - started > DOWNLOAD_SECONDS:
                            raise ProviderBadResponse("视频过大或下载超时", provider=provider, vendor_code="too_large")
                        handle.write(chunk)
            if not is_video(head):
                raise ProviderBadResponse("下载的内容不是视频", provider=provider, vendor_code="not_a_video")
            os.replace(tmp_name, target)
            return target
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    return await deps.retry.run(attempt)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}

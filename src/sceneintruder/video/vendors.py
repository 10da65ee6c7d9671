"""The configured video vendor, if one can be used: the stored `video_provider`/`video_config` (key sealed).

`mock` (or nothing configured) means the offline film. A vendor named without its key, or misconfigured, is
reported as not ready (`provider_ready: false` and why, spec §8.18) and the film is made offline, saying so:
it never quietly claims to be the vendor's."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.providers.errors import ProviderConfigError
from sceneintruder.providers.video._common import VideoConfig
from sceneintruder.providers.video.base import VideoProvider
from sceneintruder.providers.video.polling import PollPolicy
from sceneintruder.providers.video.registry import FACTORIES, build_video_provider
from sceneintruder.settings import service as settings_service
from sceneintruder.video.runtime import VideoRuntime

OFFLINE = "offline"


@dataclass(frozen=True)
class VendorChoice:
    provider: VideoProvider | None
    configured: str  # what the settings name ("" or mock: none)
    ready: bool
    state: str
    policy: PollPolicy
    concurrency: int

    @property
    def label(self) -> str:
        return self.provider.name if self.provider is not None else OFFLINE


def _number(text: str, default: float, low: float, high: float) -> float:
    try:
        return max(low, min(high, float(text)))
    except ValueError:
        return default


async def active_vendor(runtime: VideoRuntime) -> VendorChoice:
    chosen = await settings_service.media_settings(runtime.db, runtime.settings_runtime, "video")
    options = {k: v for k, v in chosen.config.items() if k not in ("endpoint", "base_url")}
    policy = PollPolicy(
        interval=_number(str(options.get("poll_interval_ms", "")), 2000, 10, 60_000) / 1000,
        max_polls=int(_number(str(options.get("max_poll_attempts", "")), 90, 1, 10_000)),
    )
    concurrency = int(_number(str(options.get("max_concurrency", "")), 2, 1, 16))
    name = chosen.provider
    if name in ("", "mock") or name not in FACTORIES:
        return VendorChoice(None, name, True, "offline film", policy, concurrency)
    if not chosen.ready:
        return VendorChoice(None, name, False, chosen.state, policy, concurrency)
    config = VideoConfig(
        provider=name,
        base_url=chosen.endpoint,
        api_key=chosen.secrets.get("api_key", ""),
        secret=chosen.secrets.get("secret_key", ""),
        model=chosen.default_model,
        options=options,
    )
    try:
        provider = build_video_provider(config, runtime.video_deps)
    except ProviderConfigError as exc:
        return VendorChoice(None, name, False, str(exc), policy, concurrency)
    return VendorChoice(provider, name, True, "Ready", policy, concurrency)

"""Provider name → video adapter (an explicit map). No entry for `mock`: without a vendor the film is made
offline by the video domain itself."""

from __future__ import annotations

from collections.abc import Callable

from sceneintruder.providers.errors import ProviderConfigError
from sceneintruder.providers.video._common import VideoConfig, VideoDeps
from sceneintruder.providers.video.ark_video import ArkVideo
from sceneintruder.providers.video.base import VideoProvider
from sceneintruder.providers.video.dashscope_video import DashScopeVideo
from sceneintruder.providers.video.google_veo import GoogleVeo
from sceneintruder.providers.video.kling import KlingVideo
from sceneintruder.providers.video.vertex_veo import VertexVeo

FACTORIES: dict[str, Callable[[VideoConfig, VideoDeps], VideoProvider]] = {
    "dashscope": DashScopeVideo,
    "kling": KlingVideo,
    "google": GoogleVeo,
    "vertex": VertexVeo,
    "ark": ArkVideo,
}


def build_video_provider(config: VideoConfig, deps: VideoDeps) -> VideoProvider:
    factory = FACTORIES.get(config.provider)
    if factory is None:
        raise ProviderConfigError(f"unknown video provider {config.provider!r}")
    if not config.api_key:
        raise ProviderConfigError(f"{config.provider} needs an API key")
    if config.provider == "kling" and not config.secret:
        raise ProviderConfigError("kling needs its secret key (secret_key) to sign its tokens")
    if config.provider == "vertex" and not config.base_url:
        raise ProviderConfigError("vertex needs its endpoint (projects/<p>/locations/<l>/publishers/google)")
    return factory(config, deps)

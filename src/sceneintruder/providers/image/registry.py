"""Provider name → adapter (an explicit map, as for the LLM). `placeholder` is the offline renderer."""

from __future__ import annotations

from collections.abc import Callable

from sceneintruder.providers.errors import ProviderConfigError
from sceneintruder.providers.image._common import ImageConfig, ImageDeps
from sceneintruder.providers.image.ark_images import ArkImages
from sceneintruder.providers.image.base import ImageProvider
from sceneintruder.providers.image.dashscope_images import DashScopeImages
from sceneintruder.providers.image.fonts import Fonts
from sceneintruder.providers.image.gemini_images import GeminiImages
from sceneintruder.providers.image.glm_images import GLMImages
from sceneintruder.providers.image.offline import NAME as OFFLINE_NAME
from sceneintruder.providers.image.offline import OfflineRenderer
from sceneintruder.providers.image.openai_images import OpenAIImages
from sceneintruder.providers.image.sdwebui import SDWebUI

Factory = Callable[[ImageConfig, ImageDeps], ImageProvider]

FACTORIES: dict[str, Factory] = {
    "openai": OpenAIImages,
    "openai_compatible": lambda config, deps: OpenAIImages(config, deps, name="openai_compatible"),
    "sdwebui": SDWebUI,
    "gemini": GeminiImages,
    "dashscope": DashScopeImages,
    "ark": ArkImages,
    "glm": GLMImages,
}
VENDORS = tuple(FACTORIES)


def build_image_provider(config: ImageConfig, deps: ImageDeps, fonts: Fonts) -> ImageProvider:
    if config.provider in ("", OFFLINE_NAME):
        return OfflineRenderer(fonts)
    factory = FACTORIES.get(config.provider)
    if factory is None:
        raise ProviderConfigError(f"unknown image provider {config.provider!r}")
    return factory(config, deps)

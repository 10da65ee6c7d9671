"""Zhipu GLM image models (`glm`, CogView / glm-image): `POST {endpoint}/images/generations` with `model, prompt,
size`; sizes from GLM's list by aspect ratio. The result is `data[0].url` (fetched) or `data[0].b64_json`.
GLM's image API takes no reference image."""

from __future__ import annotations

from sceneintruder.providers.http import post_json
from sceneintruder.providers.image._common import (
    ImageConfig,
    ImageDeps,
    bearer,
    first,
    image_from_item,
    vendor_error,
)
from sceneintruder.providers.image.base import GeneratedImage, ImageRequest, nearest_size

BASE_URL = "https://open.bigmodel.cn/api/paas/v4"
DEFAULT_MODEL = "glm-image"
SIZES = ((1024, 1024), (768, 1344), (864, 1152), (1344, 768), (1152, 864), (1440, 720), (720, 1440))
ALIASES = {"glm-image": "cogview-4"}


class GLMImages:
    name = "glm"
    offline = False
    accepts_references = False

    def __init__(self, config: ImageConfig, deps: ImageDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def resolve_model(self, model: str) -> str:
        key = model or self.default_model
        return self._config.option(f"model_{key}") or self._config.option("model") or ALIASES.get(key, key)

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        return nearest_size(width, height, SIZES)

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        model = self.resolve_model(request.model)
        width, height = self.legal_size(model, request.width, request.height)
        body = await post_json(
            self._deps.http,
            f"{self._base}/images/generations",
            payload={"model": model, "prompt": request.prompt, "size": f"{width}x{height}"},
            headers=bearer(self._config.api_key),
            error_for=lambda status, raw, hdrs: vendor_error(self.name, model, status, raw, hdrs),
            provider=self.name,
            model=model,
            retry=self._deps.retry,
        )
        item = first(body.get("data") if isinstance(body, dict) else None)
        data, mime = await image_from_item(self._deps, item, provider=self.name, model=model)
        return GeneratedImage(data=data, mime=mime, provider=self.name, model=model, seed=request.seed)

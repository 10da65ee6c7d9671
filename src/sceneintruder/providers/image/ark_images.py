"""Volcengine Ark Seedream (`ark`): `POST {endpoint}/images/generations` with `model, prompt, size, watermark:
false`; Seedream 4.x wants at least about 1280x720 pixels, so sizes come from its recommended list by aspect
ratio (§8.14). Reference images go in `image` (data URLs; Seedream 4 takes several). The result is a URL (or
base64 when `response_format: b64_json` is set in the config)."""

from __future__ import annotations

import base64
from typing import Any

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

BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"
DEFAULT_MODEL = "doubao-seedream-4.5"
SIZES = ((2048, 2048), (2304, 1728), (1728, 2304), (2560, 1440), (1440, 2560), (2496, 1664), (1664, 2496))


class ArkImages:
    name = "ark"
    offline = False
    accepts_references = True

    def __init__(self, config: ImageConfig, deps: ImageDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def resolve_model(self, model: str) -> str:
        key = model or self.default_model
        return self._config.option(f"model_{key}") or self._config.option("model") or key

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        override = self._config.option(f"size_{model}") or self._config.option("size")
        if "x" in override:
            w, _, h = override.partition("x")
            if w.isdigit() and h.isdigit():
                return int(w), int(h)
        return nearest_size(width, height, SIZES)

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        model = self.resolve_model(request.model)
        width, height = self.legal_size(request.model or self.default_model, request.width, request.height)
        payload: dict[str, Any] = {
            "model": model,
            "prompt": request.prompt,
            "size": f"{width}x{height}",
            "watermark": False,
            "sequential_image_generation": "disabled",
        }
        if request.references:
            payload["image"] = [
                f"data:{ref.mime};base64,{base64.b64encode(ref.data).decode('ascii')}" for ref in request.references
            ]
        if request.seed is not None:
            payload["seed"] = request.seed
        if self._config.option("response_format"):
            payload["response_format"] = self._config.option("response_format")
        body = await post_json(
            self._deps.http,
            f"{self._base}{self._config.option('generation_path', '/images/generations')}",
            payload=payload,
            headers=bearer(self._config.api_key),
            error_for=lambda status, raw, hdrs: vendor_error(self.name, model, status, raw, hdrs),
            provider=self.name,
            model=model,
            retry=self._deps.retry,
        )
        item = first(body.get("data") if isinstance(body, dict) else None)
        data, mime = await image_from_item(self._deps, item, provider=self.name, model=model)
        return GeneratedImage(
            data=data,
            mime=mime,
            provider=self.name,
            model=model,
            seed=request.seed,
            used_references=len(request.references),
        )

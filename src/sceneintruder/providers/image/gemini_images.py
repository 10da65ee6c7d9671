"""Gemini image models (`gemini`): `POST {base}/models/{model}:generateContent` with
`generationConfig.responseModalities: ["IMAGE"]` and `generationConfig.imageConfig{aspectRatio, imageSize}`
(spec §8.15: the reference sent fields the API does not have). Aliases: nano-banana-pro →
gemini-3-pro-image-preview, nano-banana → gemini-2.5-flash-image. Reference images go in as `inlineData`
parts before the text. Auth: `x-goog-api-key` (default), `?key=` (`auth_mode: query`) or Bearer."""

from __future__ import annotations

import base64
from typing import Any

from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.http import post_json
from sceneintruder.providers.image._common import ImageConfig, ImageDeps, decode_b64, vendor_error
from sceneintruder.providers.image.base import GeneratedImage, ImageRequest, aspect_label

BASE_URL = "https://generativelanguage.googleapis.com/v1beta"
DEFAULT_MODEL = "nano-banana-pro"
ALIASES = {"nano-banana-pro": "gemini-3-pro-image-preview", "nano-banana": "gemini-2.5-flash-image"}
ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
# the pixel size of each aspect at 1K, to report what the panel will get
_PIXELS_1K = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}


class GeminiImages:
    name = "gemini"
    offline = False
    accepts_references = True

    def __init__(self, config: ImageConfig, deps: ImageDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def resolve_model(self, model: str) -> str:
        key = model or self.default_model
        return self._config.option(f"model_{key}") or ALIASES.get(key, key)

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        return _PIXELS_1K[aspect_label(width, height, ASPECTS)]

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        model = self.resolve_model(request.model)
        parts: list[dict[str, Any]] = [
            {"inlineData": {"mimeType": ref.mime, "data": base64.b64encode(ref.data).decode("ascii")}}
            for ref in request.references
        ]
        parts.append(
            {"text": request.prompt + (f"\nAvoid: {request.negative_prompt}" if request.negative_prompt else "")}
        )
        image_config: dict[str, Any] = {"aspectRatio": aspect_label(request.width, request.height, ASPECTS)}
        if "pro-image" in model:
            image_config["imageSize"] = self._config.option("image_size", "1K")
        payload = {
            "contents": [{"role": "user", "parts": parts}],
            "generationConfig": {"responseModalities": ["IMAGE"], "imageConfig": image_config},
        }
        headers: dict[str, str] = {}
        params: dict[str, str] | None = None
        mode = self._config.option("auth_mode", "header")
        if mode == "query":
            params = {"key": self._config.api_key}
        elif mode == "bearer":
            headers["Authorization"] = f"Bearer {self._config.api_key}"
        else:
            headers["x-goog-api-key"] = self._config.api_key
        body = await post_json(
            self._deps.http,
            f"{self._base}/models/{model}:generateContent",
            payload=payload,
            headers=headers,
            params=params,
            error_for=lambda status, content, hdrs: vendor_error(self.name, model, status, content, hdrs),
            provider=self.name,
            model=model,
            retry=self._deps.retry,
        )
        inline = _first_inline(body)
        if inline is None:
            raise ProviderBadResponse("图片服务没有返回图片", provider=self.name, model=model, vendor_code="no_image")
        data, mime = decode_b64(inline, provider=self.name, model=model)
        usage = body.get("usageMetadata") if isinstance(body, dict) else None
        usage = usage if isinstance(usage, dict) else {}
        return GeneratedImage(
            data=data,
            mime=mime,
            provider=self.name,
            model=model,
            seed=request.seed,
            used_references=len(request.references),
            input_tokens=int(usage.get("promptTokenCount") or 0),
            output_tokens=int(usage.get("candidatesTokenCount") or 0),
        )


def _first_inline(body: Any) -> str | None:
    candidates = body.get("candidates") if isinstance(body, dict) else None
    for candidate in candidates if isinstance(candidates, list) else []:
        content = candidate.get("content") if isinstance(candidate, dict) else None
        for part in (content or {}).get("parts") or []:
            if not isinstance(part, dict):
                continue
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict) and inline.get("data"):
                return str(inline["data"])
    return None

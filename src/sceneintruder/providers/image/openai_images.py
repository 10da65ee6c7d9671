"""OpenAI images (`openai`), and any OpenAI-compatible images endpoint: `POST {base}/images/generations`.

GPT image models (gpt-image-*) always answer base64 and document `response_format` as unsupported, so it is
sent only to DALL·E models (spec §8.15). Their legal sizes: 1024x1024, 1536x1024, 1024x1536 (DALL·E 3:
1792x1024 and 1024x1792). Reference images go to `POST {base}/images/edits` as multipart `image[]` parts
(gpt-image accepts several). `usage` (input/output tokens), when present, is reported.
"""

from __future__ import annotations

from typing import Any

from sceneintruder.providers.http import decode_json, post_json, translate_transport_errors
from sceneintruder.providers.image._common import (
    ImageConfig,
    ImageDeps,
    bearer,
    first,
    image_from_item,
    vendor_error,
)
from sceneintruder.providers.image.base import EXTENSIONS, GeneratedImage, ImageRequest, nearest_size

BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-image-1.5"
GPT_IMAGE_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
DALLE3_SIZES = ((1024, 1024), (1792, 1024), (1024, 1792))
DALLE2_SIZES = ((256, 256), (512, 512), (1024, 1024))
_ALIASES = {"dalle3": "dall-e-3", "dall-e3": "dall-e-3"}


def _is_dalle(model: str) -> bool:
    return model.startswith("dall-e")


class OpenAIImages:
    offline = False
    accepts_references = True

    def __init__(self, config: ImageConfig, deps: ImageDeps, *, name: str = "openai") -> None:
        self.name = name
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def resolve_model(self, model: str) -> str:
        key = model or self.default_model
        override = self._config.option(f"model_{key}")
        return override or _ALIASES.get(key, key)

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        resolved = self.resolve_model(model)
        override = self._config.option(f"size_{model}") or self._config.option("size")
        if "x" in override:
            w, _, h = override.partition("x")
            if w.isdigit() and h.isdigit():
                return int(w), int(h)
        if resolved == "dall-e-3":
            return nearest_size(width, height, DALLE3_SIZES)
        if resolved == "dall-e-2":
            return nearest_size(width, height, DALLE2_SIZES)
        return nearest_size(width, height, GPT_IMAGE_SIZES)

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        model = self.resolve_model(request.model)
        width, height = self.legal_size(request.model, request.width, request.height)
        size = f"{width}x{height}"
        headers = bearer(self._config.api_key)
        references = request.references if not _is_dalle(model) else ()
        if references:
            body = await self._edit(model, request, size, headers)
        else:
            payload: dict[str, Any] = {"model": model, "prompt": request.prompt, "n": 1, "size": size}
            if _is_dalle(model):
                payload["response_format"] = "b64_json"
            body = await post_json(
                self._deps.http,
                f"{self._base}/images/generations",
                payload=payload,
                headers=headers,
                error_for=lambda status, content, hdrs: vendor_error(self.name, model, status, content, hdrs),
                provider=self.name,
                model=model,
                retry=self._deps.retry,
            )
        item = first(body.get("data") if isinstance(body, dict) else None)
        data, mime = await image_from_item(self._deps, item, provider=self.name, model=model)
        usage = body.get("usage") if isinstance(body, dict) else None
        usage = usage if isinstance(usage, dict) else {}
        return GeneratedImage(
            data=data,
            mime=mime,
            provider=self.name,
            model=model,
            seed=request.seed,
            used_references=len(references),
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
        )

    async def _edit(self, model: str, request: ImageRequest, size: str, headers: dict[str, str]) -> Any:
        files = [
            ("image[]", (f"reference_{i}{EXTENSIONS.get(ref.mime, '.png')}", ref.data, ref.mime))
            for i, ref in enumerate(request.references)
        ]
        fields = {"model": model, "prompt": request.prompt, "n": "1", "size": size}

        async def attempt() -> Any:
            with translate_transport_errors(self.name, model):
                response = await self._deps.http.post(
                    f"{self._base}/images/edits", data=fields, files=files, headers=headers
                )
            if response.status_code >= 400:
                raise vendor_error(self.name, model, response.status_code, response.content, response.headers)
            return decode_json(response.content, provider=self.name, model=model)

        return await self._deps.retry.run(attempt)

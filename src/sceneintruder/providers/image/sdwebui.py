"""Stable Diffusion WebUI (`sdwebui`, AUTOMATIC1111's API, usually on the local network):
`POST {endpoint}/sdapi/v1/txt2img`, or `/sdapi/v1/img2img` with `init_images` when a reference is given.
Sizes: any multiple of 8 (rounded, at most 2048). The frame's `model_params` map to the WebUI's fields."""

from __future__ import annotations

import base64
from typing import Any

from sceneintruder.providers.http import post_json
from sceneintruder.providers.image._common import ImageConfig, ImageDeps, decode_b64, vendor_error
from sceneintruder.providers.image.base import GeneratedImage, ImageRequest

BASE_URL = "http://127.0.0.1:7860"
DEFAULT_MODEL = "sd"
_GENERIC = {"", "sd", "sdwebui"}


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "on"}


class SDWebUI:
    name = "sdwebui"
    offline = False
    accepts_references = True

    def __init__(self, config: ImageConfig, deps: ImageDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        def snap(value: int) -> int:
            return max(64, min(2048, round(value / 8) * 8))

        return snap(width), snap(height)

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        model = request.model or self.default_model
        width, height = self.legal_size(model, request.width, request.height)
        params = request.params
        payload: dict[str, Any] = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "width": width,
            "height": height,
        }
        for key, field_name in (("steps", "steps"), ("cfg_scale", "cfg_scale"), ("eta", "eta")):
            number = _number(params.get(key))
            if number is not None:
                payload[field_name] = int(number) if key == "steps" else number
        if params.get("sampler"):
            payload["sampler_name"] = str(params["sampler"])
        if request.seed is not None:
            payload["seed"] = request.seed
        if _truthy(params.get("tiling")):
            payload["tiling"] = True
        overrides: dict[str, Any] = {}
        if model not in _GENERIC:
            overrides["sd_model_checkpoint"] = model
        clip_skip = _number(params.get("clip_skip"))
        if clip_skip is not None:
            overrides["CLIP_stop_at_last_layers"] = int(clip_skip)
        if overrides:
            payload["override_settings"] = overrides
        path = "/sdapi/v1/txt2img"
        if request.references:
            payload["init_images"] = [base64.b64encode(request.references[0].data).decode("ascii")]
            payload["denoising_strength"] = request.strength or 0.35
            path = "/sdapi/v1/img2img"
        body = await post_json(
            self._deps.http,
            f"{self._base}{path}",
            payload=payload,
            headers={},
            error_for=lambda status, content, headers: vendor_error(self.name, model, status, content, headers),
            provider=self.name,
            model=model,
            retry=self._deps.retry,
        )
        images = body.get("images") if isinstance(body, dict) else None
        data, mime = decode_b64(
            images[0] if isinstance(images, list) and images else None, provider=self.name, model=model
        )
        return GeneratedImage(
            data=data,
            mime=mime,
            provider=self.name,
            model=model,
            seed=request.seed,
            used_references=min(1, len(request.references)),
        )

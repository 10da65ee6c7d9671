"""DashScope image models (`dashscope`, qwen-image / wanx): `POST {endpoint}/services/aigc/multimodal-generation/
generation`. Sizes are a fixed list per aspect ratio ("W*H"). With reference images the call goes to the edit
model (`model_edit`, default qwen-image-edit) with the images as data URLs in the message (§8.31). The result is
a URL, fetched without the key."""

from __future__ import annotations

import base64
from typing import Any

from sceneintruder.providers.errors import ProviderBadResponse, ProviderRejected
from sceneintruder.providers.http import post_json
from sceneintruder.providers.image._common import ImageConfig, ImageDeps, bearer, download, vendor_error
from sceneintruder.providers.image.base import GeneratedImage, ImageRequest, nearest_size

BASE_URL = "https://dashscope.aliyuncs.com/api/v1"
DEFAULT_MODEL = "qwen-image-max"
GENERATION_PATH = "/services/aigc/multimodal-generation/generation"
SIZES = ((1664, 928), (1472, 1140), (1328, 1328), (1140, 1472), (928, 1664))


class DashScopeImages:
    name = "dashscope"
    offline = False
    accepts_references = True

    def __init__(self, config: ImageConfig, deps: ImageDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        return nearest_size(width, height, SIZES)

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        model = request.model or self.default_model
        if request.references:
            model = self._config.option("model_edit", "qwen-image-edit")
        width, height = self.legal_size(model, request.width, request.height)
        content: list[dict[str, Any]] = [
            {"image": f"data:{ref.mime};base64,{base64.b64encode(ref.data).decode('ascii')}"}
            for ref in request.references
        ]
        content.append({"text": request.prompt})
        parameters: dict[str, Any] = {"result_format": "message", "stream": False, "watermark": False}
        if not request.references:
            parameters["size"] = f"{width}*{height}"
        if request.negative_prompt:
            parameters["negative_prompt"] = request.negative_prompt
        if "prompt_extend" in request.params:
            parameters["prompt_extend"] = str(request.params["prompt_extend"]).lower() in {"1", "true", "yes", "on"}
        if request.seed is not None:
            parameters["seed"] = request.seed
        payload = {
            "model": model,
            "input": {"messages": [{"role": "user", "content": content}]},
            "parameters": parameters,
        }
        body = await post_json(
            self._deps.http,
            f"{self._base}{self._config.option('generation_path', GENERATION_PATH)}",
            payload=payload,
            headers=bearer(self._config.api_key),
            error_for=lambda status, raw, hdrs: vendor_error(self.name, model, status, raw, hdrs),
            provider=self.name,
            model=model,
            retry=self._deps.retry,
        )
        if isinstance(body, dict) and body.get("code") and body.get("status_code") not in (None, 0, 200):
            raise ProviderRejected(provider=self.name, model=model, vendor_code=str(body.get("code")))
        url = _first_image_url(body)
        if url is None:
            raise ProviderBadResponse("图片服务没有返回图片", provider=self.name, model=model, vendor_code="no_image")
        data, mime = await download(self._deps, url, provider=self.name, model=model)
        return GeneratedImage(
            data=data,
            mime=mime,
            provider=self.name,
            model=model,
            seed=request.seed,
            used_references=len(request.references),
        )


def _first_image_url(body: Any) -> str | None:
    output = body.get("output") if isinstance(body, dict) else None
    choices = output.get("choices") if isinstance(output, dict) else None
    for choice in choices if isinstance(choices, list) else []:
        message = choice.get("message") if isinstance(choice, dict) else None
        for item in (message or {}).get("content") or []:
            if isinstance(item, dict) and isinstance(item.get("image"), str) and item["image"]:
                return str(item["image"])
    return None

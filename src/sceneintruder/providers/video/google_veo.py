"""Google Veo through the Gemini API (`google`): `POST {base}/models/{model}:predictLongRunning` with
`instances[{prompt, image{bytesBase64Encoded, mimeType}}]` and `parameters{aspectRatio, durationSeconds,
negativePrompt}`; the operation (`models/<model>/operations/<id>`) is polled at `{base}/{name}`; the video's
URI (`response.generateVideoResponse.generatedSamples[0].video.uri`) is downloaded with the API key (spec
§8.16). Durations: Veo 2 takes 5-8 s, Veo 3 4, 6 or 8 s."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.video._common import VideoConfig, VideoDeps, dig, download, get, post
from sceneintruder.providers.video.base import VideoRequest, VideoTask, snap

BASE_URL = "https://generativelanguage.googleapis.com/v1beta"
DEFAULT_MODEL = "veo-2"
ALIASES = {"veo-2": "veo-2.0-generate-001", "veo-3": "veo-3.0-generate-001", "veo-3-fast": "veo-3.0-fast-generate-001"}
RESULT_PATHS = (
    "response.generateVideoResponse.generatedSamples.0.video.uri",
    "response.generatedVideos.0.video.uri",
    "response.videos.0.uri",
)


def veo_durations(model: str) -> tuple[int, ...]:
    return (4, 6, 8) if "veo-3" in model else (5, 6, 7, 8)


def operation_task(body: Any) -> VideoTask:
    name = str(dig(body, "name") or "")
    if not isinstance(body, dict) or not body.get("done"):
        return VideoTask(name, "running", "running")
    if body.get("error"):
        return VideoTask(name, "failed", "failed", error=str(dig(body, "error.message") or "failed")[:300])
    uri = str(dig(body, *RESULT_PATHS) or "")
    if not uri:
        reason = dig(body, "response.generateVideoResponse.raiMediaFilteredReasons.0") or "no video in the operation"
        return VideoTask(name, "failed", "filtered", error=str(reason)[:300])
    return VideoTask(name, "completed", "succeeded", result_url=uri)


def veo_body(request: VideoRequest, model: str) -> dict[str, Any]:
    instance: dict[str, Any] = {"prompt": request.prompt}
    if request.image:
        instance["image"] = {
            "bytesBase64Encoded": base64.b64encode(request.image).decode("ascii"),
            "mimeType": request.image_mime,
        }
    parameters: dict[str, Any] = {
        "aspectRatio": request.aspect_ratio if request.aspect_ratio in ("16:9", "9:16") else "16:9",
        "durationSeconds": snap(request.duration, veo_durations(model)),
        "sampleCount": 1,
    }
    if request.negative_prompt:
        parameters["negativePrompt"] = request.negative_prompt
    return {"instances": [instance], "parameters": parameters}


class GoogleVeo:
    name = "google"

    def __init__(self, config: VideoConfig, deps: VideoDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def _model(self, model: str) -> str:
        key = model or self.default_model
        return self._config.option(f"model_{key}") or ALIASES.get(key, key)

    def _auth(self) -> dict[str, str]:
        return {"x-goog-api-key": self._config.api_key}

    def legal_duration(self, seconds: float, model: str) -> int:
        return snap(seconds, veo_durations(self._model(model)))

    async def submit(self, request: VideoRequest) -> VideoTask:
        model = self._model(request.model)
        body = await post(
            self._deps,
            self.name,
            model,
            f"{self._base}/models/{model}:predictLongRunning",
            veo_body(request, model),
            self._auth(),
        )
        task = operation_task(body)
        if not task.task_id:
            raise ProviderBadResponse(provider=self.name, model=model, vendor_code="no_operation")
        return task

    async def poll(self, task_id: str) -> VideoTask:
        return operation_task(await get(self._deps, self.name, f"{self._base}/{task_id}", self._auth()))

    async def download(self, task: VideoTask, target: Path) -> Path:
        return await download(self._deps, self.name, task.result_url, target, headers=self._auth())

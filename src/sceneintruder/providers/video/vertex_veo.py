"""Vertex AI Veo (`vertex`): `POST {endpoint}/models/{model}:predictLongRunning` (the same instances and
parameters as the Gemini API), polled with `POST {endpoint}/models/{model}:fetchPredictOperation
{operationName}`; the videos come as `gs://` URIs, fetched through the Cloud Storage JSON API with the same
OAuth token (`storage_base`, default https://storage.googleapis.com), or inline as `bytesBase64Encoded`
(spec §8.16: the reference tried to GET a gs:// URL)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.video._common import VideoConfig, VideoDeps, bearer, dig, download, is_video, post
from sceneintruder.providers.video.base import VideoRequest, VideoTask, snap
from sceneintruder.providers.video.google_veo import ALIASES, veo_body, veo_durations

STORAGE_BASE = "https://storage.googleapis.com"


def vertex_task(body: Any) -> VideoTask:
    name = str(dig(body, "name") or "")
    if not isinstance(body, dict) or not body.get("done"):
        return VideoTask(name, "running", "running")
    if body.get("error"):
        return VideoTask(name, "failed", "failed", error=str(dig(body, "error.message") or "failed")[:300])
    uri = dig(body, "response.videos.0.gcsUri", "response.generatedSamples.0.video.uri")
    inline = dig(body, "response.videos.0.bytesBase64Encoded")
    if uri:
        return VideoTask(name, "completed", "succeeded", result_url=str(uri))
    if inline:
        return VideoTask(name, "completed", "succeeded", result_url=f"data:video/mp4;base64,{inline}")
    return VideoTask(name, "failed", "filtered", error="no video in the operation")


class VertexVeo:
    name = "vertex"

    def __init__(self, config: VideoConfig, deps: VideoDeps) -> None:
        self.default_model = config.model or "veo-2-vertex"
        self._config = config
        self._deps = deps
        self._base = config.base_url.rstrip("/")
        self._storage = config.option("storage_base", STORAGE_BASE).rstrip("/")
        self._models: dict[str, str] = {}  # operation name -> the model that started it

    def _model(self, model: str) -> str:
        key = model or self.default_model
        return self._config.option(f"model_{key}") or ALIASES.get(
            key.removesuffix("-vertex"), key.removesuffix("-vertex")
        )

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
            bearer(self._config.api_key),
        )
        task = vertex_task(body)
        if not task.task_id:
            raise ProviderBadResponse(provider=self.name, model=model, vendor_code="no_operation")
        self._models[task.task_id] = model
        return task

    async def poll(self, task_id: str) -> VideoTask:
        model = self._models.get(task_id) or task_id.split("/models/")[-1].split("/")[0] or self._model("")
        body = await post(
            self._deps,
            self.name,
            model,
            f"{self._base}/models/{model}:fetchPredictOperation",
            {"operationName": task_id},
            bearer(self._config.api_key),
        )
        return vertex_task(body)

    async def download(self, task: VideoTask, target: Path) -> Path:
        url = task.result_url
        if url.startswith("data:"):
            return _write_inline(url, target, self.name)
        if url.startswith("gs://"):
            bucket, _, obj = url.removeprefix("gs://").partition("/")
            url = f"{self._storage}/storage/v1/b/{quote(bucket, safe='')}/o/{quote(obj, safe='')}?alt=media"
        return await download(self._deps, self.name, url, target, headers=bearer(self._config.api_key))


def _write_inline(url: str, target: Path, provider: str) -> Path:
    try:
        data = base64.b64decode(url.split(",", 1)[1])
    except (binascii.Error, IndexError) as exc:
        raise ProviderBadResponse(provider=provider, vendor_code="bad_base64") from exc
    if not is_video(data[:16]):
        raise ProviderBadResponse("下载的内容不是视频", provider=provider, vendor_code="not_a_video")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target

"""Volcengine Ark Seedance (`ark`): `POST {endpoint}/contents/generations/tasks` with `content[text,
image_url(first_frame)]`, then `GET .../tasks/{id}`. Resolution lower-case ("720p", spec §8.16); the panel as
a data URL; durations 2-12 s."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.video._common import VideoConfig, VideoDeps, bearer, dig, download, get, post
from sceneintruder.providers.video.base import TaskState, VideoRequest, VideoTask, snap

BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"
DEFAULT_MODEL = "doubao-seedance-1-5-pro"
DURATIONS = tuple(range(2, 13))
_RUNNING = {"queued", "running", "processing", "submitted"}
_DONE = {"succeeded", "succeed", "completed"}


def task_of(body: Any) -> VideoTask:
    status = str(dig(body, "status", "data.status") or "queued").lower()
    state: TaskState = "completed" if status in _DONE else "running" if status in _RUNNING else "failed"
    return VideoTask(
        task_id=str(dig(body, "id", "data.id") or ""),
        state=state,
        provider_status=status,
        result_url=str(dig(body, "content.video_url", "data.content.video_url") or ""),
        error=str(dig(body, "error.message", "message") or "")[:300] if state == "failed" else "",
    )


class ArkVideo:
    name = "ark"

    def __init__(self, config: VideoConfig, deps: VideoDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")
        self._path = config.option("video_synthesis_path", "/contents/generations/tasks")

    def legal_duration(self, seconds: float, model: str) -> int:
        return snap(seconds, DURATIONS)

    async def submit(self, request: VideoRequest) -> VideoTask:
        model = (
            self._config.option(f"model_{request.model or self.default_model}") or request.model or self.default_model
        )
        content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
        image = request.image_url or (
            f"data:{request.image_mime};base64,{base64.b64encode(request.image).decode('ascii')}"
            if request.image
            else ""
        )
        if image:
            content.append({"type": "image_url", "image_url": {"url": image}, "role": "first_frame"})
        payload = {
            "model": model,
            "content": content,
            "generate_audio": request.audio,
            "duration": self.legal_duration(request.duration, model),
            "watermark": False,
            "ratio": request.aspect_ratio or "adaptive",
            "resolution": request.resolution.lower(),
        }
        body = await post(
            self._deps, self.name, model, f"{self._base}{self._path}", payload, bearer(self._config.api_key)
        )
        task = task_of(body)
        if not task.task_id:
            raise ProviderBadResponse(provider=self.name, model=model, vendor_code="no_task_id")
        return task

    async def poll(self, task_id: str) -> VideoTask:
        return task_of(
            await get(self._deps, self.name, f"{self._base}{self._path}/{task_id}", bearer(self._config.api_key))
        )

    async def download(self, task: VideoTask, target: Path) -> Path:
        return await download(self._deps, self.name, task.result_url, target)

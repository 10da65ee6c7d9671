"""Kling image-to-video (`kling`): `POST {endpoint}/videos/image2video`, then `GET {endpoint}/videos/
image2video/{task_id}`. Auth is an HS256 JWT minted from the access key (`api_key`) and secret key
(`secret_key`): `iss` the access key, `exp` 30 minutes on, `nbf` 5 s back (spec §8.16: the reference sent the
key itself). The panel goes as bare base64. Durations: 5 or 10 s."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

from jose import jwt

from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.video._common import VideoConfig, VideoDeps, dig, download, get, post
from sceneintruder.providers.video.base import TaskState, VideoRequest, VideoTask, snap

BASE_URL = "https://api-beijing.klingai.com/v1"
DEFAULT_MODEL = "kling-v3"
DURATIONS = (5, 10)
TOKEN_SECONDS = 1800
_DONE = {"succeed", "succeeded", "completed"}
_FAILED = {"failed", "error", "canceled", "cancelled"}


def mint_token(access_key: str, secret_key: str, now: float | None = None) -> str:
    moment = int(now if now is not None else time.time())
    return str(
        jwt.encode(
            {"iss": access_key, "exp": moment + TOKEN_SECONDS, "nbf": moment - 5},
            secret_key,
            algorithm="HS256",
            headers={"typ": "JWT"},
        )
    )


def task_of(body: Any) -> VideoTask:
    status = str(dig(body, "data.task_status", "task_status") or "").lower()
    state: TaskState = "completed" if status in _DONE else "failed" if status in _FAILED else "running"
    return VideoTask(
        task_id=str(dig(body, "data.task_id", "task_id") or ""),
        state=state,
        provider_status=status,
        result_url=str(dig(body, "data.task_result.videos.0.url", "data.videos.0.url") or ""),
        error=str(dig(body, "data.task_status_msg", "message") or "")[:300] if state == "failed" else "",
    )


class KlingVideo:
    name = "kling"

    def __init__(self, config: VideoConfig, deps: VideoDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")
        self._path = config.option("video_synthesis_path", "/videos/image2video")

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self._config.api_key, self._config.secret)}"}

    def legal_duration(self, seconds: float, model: str) -> int:
        return snap(seconds, DURATIONS)

    async def submit(self, request: VideoRequest) -> VideoTask:
        model = (
            self._config.option(f"model_{request.model or self.default_model}") or request.model or self.default_model
        )
        payload: dict[str, Any] = {
            "model_name": model,
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "mode": self._config.option("kling_mode", "pro"),
            "duration": str(self.legal_duration(request.duration, model)),
            "sound": "on" if request.audio else "off",
            "aspect_ratio": request.aspect_ratio,
        }
        if request.image_url:
            payload["image"] = request.image_url
        elif request.image:
            payload["image"] = base64.b64encode(request.image).decode("ascii")
        body = await post(self._deps, self.name, model, f"{self._base}{self._path}", payload, self._auth())
        task = task_of(body)
        if not task.task_id:
            raise ProviderBadResponse(provider=self.name, model=model, vendor_code="no_task_id")
        return task

    async def poll(self, task_id: str) -> VideoTask:
        return task_of(await get(self._deps, self.name, f"{self._base}{self._path}/{task_id}", self._auth()))

    async def download(self, task: VideoTask, target: Path) -> Path:
        return await download(self._deps, self.name, task.result_url, target)

"""DashScope video synthesis (`dashscope`, wan2.x image-to-video): `POST .../services/aigc/video-generation/
video-synthesis` with `X-DashScope-Async: enable`, then `GET .../tasks/{id}`.

The panel reaches the vendor through DashScope's temporary storage done right (spec §8.16): `GET .../uploads?
action=getPolicy&model=<m>` answers `data{upload_host, upload_dir, oss_access_key_id, signature, policy,
x_oss_object_acl, x_oss_forbid_overwrite}`; the file is posted to `upload_host` with those fields (the two
`x-oss-*` included) and referenced as `oss://<upload_dir>/<file>`, with `X-DashScope-OssResourceResolve:
enable` on the submit. Durations: 5, 10 or 15 s."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.http import translate_transport_errors
from sceneintruder.providers.image._common import vendor_error
from sceneintruder.providers.image.base import EXTENSIONS
from sceneintruder.providers.video._common import VideoConfig, VideoDeps, bearer, dig, download, get, post
from sceneintruder.providers.video.base import TaskState, VideoRequest, VideoTask, snap

BASE_URL = "https://dashscope.aliyuncs.com/api/v1"
DEFAULT_MODEL = "wan2.6-i2v-flash"
DURATIONS = (5, 10, 15)
SYNTHESIS_PATH = "/services/aigc/video-generation/video-synthesis"
_DONE = {"SUCCEEDED", "SUCCESS", "COMPLETED"}
_FAILED = {"FAILED", "ERROR", "CANCELED", "CANCELLED", "UNKNOWN"}


def task_of(body: Any) -> VideoTask:
    status = str(dig(body, "output.task_status", "task_status", "output.status") or "").upper()
    state: TaskState = "completed" if status in _DONE else "failed" if status in _FAILED else "running"
    return VideoTask(
        task_id=str(dig(body, "output.task_id", "task_id") or ""),
        state=state,
        provider_status=status.lower(),
        result_url=str(dig(body, "output.video_url", "output.video.url", "output.results.0.url") or ""),
        error=str(dig(body, "output.message", "message", "output.error_message") or "")[:300],
    )


class DashScopeVideo:
    name = "dashscope"

    def __init__(self, config: VideoConfig, deps: VideoDeps) -> None:
        self.default_model = config.model or DEFAULT_MODEL
        self._config = config
        self._deps = deps
        self._base = (config.base_url or BASE_URL).rstrip("/")

    def legal_duration(self, seconds: float, model: str) -> int:
        return snap(seconds, DURATIONS)

    async def _upload(self, request: VideoRequest, model: str) -> str:
        policy = await get(
            self._deps,
            self.name,
            f"{self._base}/uploads",
            bearer(self._config.api_key),
            {"action": "getPolicy", "model": model},
        )
        data = policy.get("data") if isinstance(policy, dict) else None
        if not isinstance(data, dict) or not data.get("upload_host") or not data.get("upload_dir"):
            raise ProviderBadResponse("临时存储凭证无效", provider=self.name, model=model, vendor_code="upload_policy")
        file_name = f"{secrets.token_hex(8)}{EXTENSIONS.get(request.image_mime, '.png')}"
        key = f"{data['upload_dir']}/{file_name}"
        fields = {
            "OSSAccessKeyId": str(data.get("oss_access_key_id") or ""),
            "Signature": str(data.get("signature") or ""),
            "policy": str(data.get("policy") or ""),
            "x-oss-object-acl": str(data.get("x_oss_object_acl") or ""),
            "x-oss-forbid-overwrite": str(data.get("x_oss_forbid_overwrite") or ""),
            "key": key,
            "success_action_status": "200",
        }
        with translate_transport_errors(self.name, model):
            response = await self._deps.http.post(
                str(data["upload_host"]),
                data=fields,
                files={"file": (file_name, request.image or b"", request.image_mime)},
            )
        if response.status_code not in (200, 204):
            raise vendor_error(self.name, model, response.status_code, response.content, response.headers)
        return f"oss://{key}"

    async def submit(self, request: VideoRequest) -> VideoTask:
        model = (
            self._config.option(f"model_{request.model or self.default_model}") or request.model or self.default_model
        )
        image_url = request.image_url
        if not image_url and request.image:
            image_url = await self._upload(request, model)
        headers = {**bearer(self._config.api_key), "X-DashScope-Async": "enable"}
        if image_url.startswith("oss://"):
            headers["X-DashScope-OssResourceResolve"] = "enable"
        parameters: dict[str, Any] = {
            "resolution": request.resolution.upper(),
            "duration": self.legal_duration(request.duration, model),
            "audio": request.audio,
            "prompt_extend": bool(request.extra.get("prompt_extend", False)),
            "shot_type": str(request.extra.get("shot_type") or "multi"),
        }
        if request.negative_prompt:
            parameters["negative_prompt"] = request.negative_prompt
        body = await post(
            self._deps,
            self.name,
            model,
            self._base + self._config.option("video_synthesis_path", SYNTHESIS_PATH),
            {
                "model": model,
                "input": {"prompt": request.prompt, **({"img_url": image_url} if image_url else {})},
                "parameters": parameters,
            },
            headers,
        )
        task = task_of(body)
        if not task.task_id:
            raise ProviderBadResponse(provider=self.name, model=model, vendor_code="no_task_id")
        return task

    async def poll(self, task_id: str) -> VideoTask:
        body = await get(self._deps, self.name, f"{self._base}/tasks/{task_id}", bearer(self._config.api_key))
        return task_of(body)

    async def download(self, task: VideoTask, target: Path) -> Path:
        return await download(self._deps, self.name, task.result_url, target)

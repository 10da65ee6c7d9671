"""A fake video vendor speaking the five adapters' wire formats, each task a small state machine, plus a CDN.

Submit routes: DashScope `POST /api/v1/services/aigc/video-generation/video-synthesis` (and its temporary
storage: `GET /api/v1/uploads?action=getPolicy`, `POST /oss`), Kling `POST /v1/videos/image2video`, Gemini Veo
`POST /v1beta/models/{model}:predictLongRunning`, Vertex `POST /vertex/models/{model}:predictLongRunning` and
`:fetchPredictOperation`, Ark `POST /api/v3/contents/generations/tasks`. Each task goes pending → running →
succeeded over `steps` polls; `plan` (one per submit) picks: ok, fail (ends failed), never (runs forever),
429 (the submit is refused with Retry-After), 401. `poll_plan` (one per poll): ok or 500 (a transient poll
error). Finished tasks point at `/cdn/<task>.mp4`, a real short MP4 (`mp4`); Gemini's needs the key, Vertex's
is a gs:// URI served at `/storage/v1/b/<bucket>/o/<object>?alt=media` with the token.
"""

from __future__ import annotations

import itertools
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, json_response

KEY = "vid-key-0123456789"


def short_mp4(ffmpeg: str, path: Path, *, seconds: int = 2, size: str = "320x180") -> bytes:
    """A real H.264 MP4 (ffmpeg's test pattern), what the fake CDN serves."""
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size={size}:rate=24",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-y",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path.read_bytes()


class FakeVideoVendor(FakeVendor):
    def __init__(self, mp4: bytes, *, steps: int = 2, latency: float = 0.0) -> None:
        super().__init__(api_key=KEY)
        self.mp4 = mp4
        self.steps = steps
        self.latency = latency  # > 0: a task finishes this many seconds after its submit, however often polled
        self.base = ""
        self.tasks: dict[str, dict[str, Any]] = {}
        self.poll_plan: deque[str] = deque()
        self.uploads: list[dict[str, str]] = []
        self.downloaded: list[float] = []  # monotonic times of the CDN's answers
        self._ids = itertools.count(1)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/api/v1/services/aigc/video-generation/video-synthesis", self.dashscope_submit, methods=["POST"]
                ),
                Route("/api/v1/tasks/{task_id}", self.dashscope_poll, methods=["GET"]),
                Route("/api/v1/uploads", self.dashscope_policy, methods=["GET"]),
                Route("/oss", self.oss_upload, methods=["POST"]),
                Route("/v1/videos/image2video", self.kling_submit, methods=["POST"]),
                Route("/v1/videos/image2video/{task_id}", self.kling_poll, methods=["GET"]),
                Route("/v1beta/models/{model}:predictLongRunning", self.veo_submit, methods=["POST"]),
                Route("/v1beta/models/{model}/operations/{op}", self.veo_poll, methods=["GET"]),
                Route("/vertex/models/{model}:predictLongRunning", self.vertex_submit, methods=["POST"]),
                Route("/vertex/models/{model}:fetchPredictOperation", self.vertex_poll, methods=["POST"]),
                Route("/api/v3/contents/generations/tasks", self.ark_submit, methods=["POST"]),
                Route("/api/v3/contents/generations/tasks/{task_id}", self.ark_poll, methods=["GET"]),
                Route("/cdn/{name}", self.cdn, methods=["GET"]),
                Route("/storage/v1/b/{bucket}/o/{obj:path}", self.gcs, methods=["GET"]),
            ]
        )

    # --- the state machine ------------------------------------------------------------------------------------

    def _new(self, kind: str) -> tuple[str, str]:
        behaviour = self.next_behaviour()
        task_id = f"{kind}-{next(self._ids)}"
        self.tasks[task_id] = {"behaviour": behaviour, "polls": 0, "submitted": time.monotonic()}
        return task_id, behaviour

    def _advance(self, task_id: str) -> str:
        """pending | running | succeeded | failed after this poll."""
        task = self.tasks[task_id]
        task["polls"] += 1
        if task["behaviour"] == "never":
            return "running"
        if self.latency > 0:
            return "running" if time.monotonic() - task["submitted"] < self.latency else "succeeded"
        if task["polls"] < self.steps:
            return "pending" if task["polls"] == 1 else "running"
        return "failed" if task["behaviour"] == "fail" else "succeeded"

    def _poll_failure(self) -> Response | None:
        if self.poll_plan and self.poll_plan.popleft() == "500":
            return json_response({"error": {"message": "try later", "code": "InternalError"}}, 500)
        return None

    def _refusal(self, behaviour: str, auth: str) -> Response | None:
        if (auth != self.api_key and not auth.startswith("ey")) or behaviour == "401":  # ey...: Kling's JWT
            return json_response({"error": {"message": "bad key", "code": "InvalidApiKey"}}, 401)
        if behaviour == "429":
            return json_response(
                {"error": {"message": "slow down", "code": "Throttling"}},
                429,
                headers={"Retry-After": self.retry_after},
            )
        return None

    def url(self, task_id: str) -> str:
        return f"{self.base}/cdn/{task_id}.mp4"

    # --- vendors ----------------------------------------------------------------------------------------------

    async def dashscope_submit(self, request: Request) -> Response:
        await self.record(request)
        task_id, behaviour = self._new("ds")
        refused = self._refusal(behaviour, request.headers.get("authorization", "").removeprefix("Bearer "))
        if refused is not None:
            return refused
        if request.headers.get("x-dashscope-async") != "enable":
            return json_response({"code": "InvalidParameter", "message": "async only"}, 400)
        return json_response({"request_id": "r", "output": {"task_id": task_id, "task_status": "PENDING"}})

    async def dashscope_poll(self, request: Request) -> Response:
        await self.record(request)
        failure = self._poll_failure()
        if failure is not None:
            return failure
        task_id = request.path_params["task_id"]
        state = self._advance(task_id)
        output: dict[str, Any] = {"task_id": task_id, "task_status": state.upper()}
        if state == "succeeded":
            output["video_url"] = self.url(task_id)
        if state == "failed":
            output["message"] = "content moderation"
        return json_response({"output": output})

    async def dashscope_policy(self, request: Request) -> Response:
        await self.record(request)
        data = {
            "policy": "cG9saWN5",
            "signature": "c2ln",
            "upload_dir": "dashscope-instant/abc/2026-12-04",
            "upload_host": f"{self.base}/oss",
            "expire_in_seconds": 300,
            "max_file_size_mb": 100,
            "capacity_limit_mb": 999,
            "oss_access_key_id": "LTAI",
            "x_oss_object_acl": "private",
            "x_oss_forbid_overwrite": "true",
        }
        return json_response({"request_id": "p", "data": data})

    async def oss_upload(self, request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        self.uploads.append(fields)
        required = {
            "OSSAccessKeyId",
            "policy",
            "Signature",
            "key",
            "x-oss-object-acl",
            "x-oss-forbid-overwrite",
            "success_action_status",
        }
        return Response(status_code=200 if required <= fields.keys() and "file" in form else 400)

    async def kling_submit(self, request: Request) -> Response:
        await self.record(request)
        task_id, behaviour = self._new("k")
        refused = self._refusal(behaviour, request.headers.get("authorization", "").removeprefix("Bearer "))
        if refused is not None:
            return refused
        return json_response(
            {"code": 0, "message": "SUCCEED", "data": {"task_id": task_id, "task_status": "submitted"}}
        )

    async def kling_poll(self, request: Request) -> Response:
        await self.record(request)
        failure = self._poll_failure()
        if failure is not None:
            return failure
        task_id = request.path_params["task_id"]
        state = {"pending": "submitted", "running": "processing", "succeeded": "succeed", "failed": "failed"}[
            self._advance(task_id)
        ]
        data: dict[str, Any] = {"task_id": task_id, "task_status": state}
        if state == "succeed":
            data["task_result"] = {"videos": [{"id": "v", "url": self.url(task_id), "duration": "5"}]}
        if state == "failed":
            data["task_status_msg"] = "risk control"
        return json_response({"code": 0, "data": data})

    def _operation(self, name: str, prefix: str) -> dict[str, Any]:
        state = self._advance(name.rsplit("/", 1)[-1])
        if state in ("pending", "running"):
            return {"name": name, "done": False}
        if state == "failed":
            return {"name": name, "done": True, "error": {"code": 3, "message": "blocked"}}
        task_id = name.rsplit("/", 1)[-1]
        if prefix == "gcs":
            return {
                "name": name,
                "done": True,
                "response": {"videos": [{"gcsUri": f"gs://bucket/out/{task_id}.mp4", "mimeType": "video/mp4"}]},
            }
        return {
            "name": name,
            "done": True,
            "response": {"generateVideoResponse": {"generatedSamples": [{"video": {"uri": self.url(task_id)}}]}},
        }

    async def veo_submit(self, request: Request) -> Response:
        await self.record(request)
        task_id, behaviour = self._new("op")
        refused = self._refusal(behaviour, request.headers.get("x-goog-api-key", ""))
        if refused is not None:
            return refused
        return json_response({"name": f"models/{request.path_params['model']}/operations/{task_id}"})

    async def veo_poll(self, request: Request) -> Response:
        await self.record(request)
        failure = self._poll_failure()
        if failure is not None:
            return failure
        name = f"models/{request.path_params['model']}/operations/{request.path_params['op']}"
        return json_response(self._operation(name, "uri"))

    async def vertex_submit(self, request: Request) -> Response:
        await self.record(request)
        task_id, behaviour = self._new("vop")
        refused = self._refusal(behaviour, request.headers.get("authorization", "").removeprefix("Bearer "))
        if refused is not None:
            return refused
        model = request.path_params["model"]
        return json_response({"name": f"projects/p/locations/l/publishers/google/models/{model}/operations/{task_id}"})

    async def vertex_poll(self, request: Request) -> Response:
        seen = await self.record(request)
        failure = self._poll_failure()
        if failure is not None:
            return failure
        return json_response(self._operation(str(seen.body["operationName"]), "gcs"))

    async def ark_submit(self, request: Request) -> Response:
        await self.record(request)
        task_id, behaviour = self._new("cgt")
        refused = self._refusal(behaviour, request.headers.get("authorization", "").removeprefix("Bearer "))
        if refused is not None:
            return refused
        return json_response({"id": task_id})

    async def ark_poll(self, request: Request) -> Response:
        await self.record(request)
        failure = self._poll_failure()
        if failure is not None:
            return failure
        task_id = request.path_params["task_id"]
        state = {"pending": "queued", "running": "running", "succeeded": "succeeded", "failed": "failed"}[
            self._advance(task_id)
        ]
        body: dict[str, Any] = {"id": task_id, "status": state}
        if state == "succeeded":
            body["content"] = {"video_url": self.url(task_id)}
        if state == "failed":
            body["error"] = {"code": "OutputVideoSensitiveContentDetected", "message": "sensitive"}
        return json_response(body)

    async def cdn(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name.startswith("op-") and request.headers.get("x-goog-api-key") != self.api_key:
            return Response(b"forbidden", status_code=403)  # Gemini's files need the key
        self.downloaded.append(time.monotonic())
        return Response(self.mp4, media_type="video/mp4")

    async def gcs(self, request: Request) -> Response:
        if (
            request.headers.get("authorization") != f"Bearer {self.api_key}"
            or request.query_params.get("alt") != "media"
        ):
            return Response(b"denied", status_code=401)
        return Response(self.mp4, media_type="video/mp4")

"""A fake image vendor speaking the wire formats of the seven image adapters, plus a CDN for URL results.

Routes: OpenAI/GLM/Ark `POST /v1/images/generations` (and `/v1/images/edits`, multipart), Gemini
`POST /v1beta/models/{model}:generateContent`, DashScope `POST /api/v1/services/aigc/multimodal-generation/
generation`, SD WebUI `POST /sdapi/v1/txt2img|img2img`, and `GET /cdn/{name}` serving a real PNG. Behaviours
(`plan`, one per vendor request): ok, url (answer with a CDN URL where the vendor may), 401, 429, 500,
malformed, empty (a 200 without an image), hang, cdn404 (a URL whose download fails), not_image.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, Seen, json_response


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


class FakeImageVendor(FakeVendor):
    def __init__(self, *, api_key: str = "img-key-0123456789", delay: float = 0.0, image: bytes | None = None) -> None:
        super().__init__(api_key=api_key, delay=delay)
        self.image = image or png()
        self.base = ""  # set by the test once served, for CDN URLs
        self.cdn_hits = 0
        self.cdn_fail = False

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/images/generations", self.openai_like, methods=["POST"]),
                Route("/v1/images/edits", self.openai_edit, methods=["POST"]),
                Route("/v1beta/models/{model}:generateContent", self.gemini, methods=["POST"]),
                Route("/api/v1/services/aigc/multimodal-generation/generation", self.dashscope, methods=["POST"]),
                Route("/sdapi/v1/txt2img", self.sdwebui, methods=["POST"]),
                Route("/sdapi/v1/img2img", self.sdwebui, methods=["POST"]),
                Route("/cdn/{name}", self.cdn, methods=["GET"]),
            ]
        )

    def _b64(self) -> str:
        return base64.b64encode(self.image).decode("ascii")

    async def _failure(self, behaviour: str, *, auth: str | None) -> Response | None:
        if auth is not None and auth != self.api_key:
            return json_response({"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}, 401)
        if behaviour == "401":
            return json_response({"error": {"message": "Incorrect API key", "code": "invalid_api_key"}}, 401)
        if behaviour == "429":
            return json_response(
                {"error": {"message": "Rate limit", "code": "rate_limit_exceeded"}},
                429,
                headers={"Retry-After": self.retry_after},
            )
        if behaviour == "500":
            return json_response({"error": {"message": "server error", "type": "server_error"}}, 500)
        if behaviour == "malformed":
            return Response(b"<html>gateway</html>", status_code=200, media_type="text/html")
        if behaviour == "hang":
            return await self.hang()
        return None

    def _url(self, behaviour: str) -> str:
        self.cdn_fail = behaviour == "cdn404"
        return f"{self.base}/cdn/result.png"

    async def openai_like(self, request: Request) -> Response:
        await self.record(request)
        behaviour = self.next_behaviour()
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        failure = await self._failure(behaviour, auth=bearer)
        if failure is not None:
            return failure
        if behaviour == "empty":
            return json_response({"created": 1, "data": []})
        if behaviour == "not_image":
            return json_response({"data": [{"b64_json": base64.b64encode(b"hello").decode()}]})
        item = {"url": self._url(behaviour)} if behaviour in ("url", "cdn404") else {"b64_json": self._b64()}
        return json_response({"created": 1, "data": [item], "usage": {"input_tokens": 50, "output_tokens": 4160}})

    async def openai_edit(self, request: Request) -> Response:
        form = await request.form()
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        images = [value for key, value in form.multi_items() if key == "image[]" and not isinstance(value, str)]
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(Seen("POST", request.url.path, {}, headers, {"fields": fields, "images": len(images)}))
        return json_response({"created": 1, "data": [{"b64_json": self._b64()}]})

    async def gemini(self, request: Request) -> Response:
        await self.record(request)
        behaviour = self.next_behaviour()
        failure = await self._failure(
            behaviour, auth=request.headers.get("x-goog-api-key", request.query_params.get("key", ""))
        )
        if failure is not None:
            return failure
        if behaviour == "empty":
            return json_response({"candidates": [{"content": {"parts": [{"text": "I cannot draw that."}]}}]})
        part = {"inlineData": {"mimeType": "image/png", "data": self._b64()}}
        return json_response(
            {
                "candidates": [{"content": {"parts": [{"text": "Here it is"}, part]}}],
                "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290},
            }
        )

    async def dashscope(self, request: Request) -> Response:
        await self.record(request)
        behaviour = self.next_behaviour()
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        failure = await self._failure(behaviour, auth=bearer)
        if failure is not None:
            return failure
        content: list[dict[str, Any]] = [] if behaviour == "empty" else [{"image": self._url(behaviour)}]
        return json_response(
            {"output": {"choices": [{"message": {"role": "assistant", "content": content}}]}, "request_id": "r1"}
        )

    async def sdwebui(self, request: Request) -> Response:
        await self.record(request)
        behaviour = self.next_behaviour()
        failure = await self._failure(behaviour, auth=None)
        if failure is not None:
            return failure
        return json_response({"images": [] if behaviour == "empty" else [self._b64()], "parameters": {}, "info": "{}"})

    async def cdn(self, request: Request) -> Response:
        self.cdn_hits += 1
        if request.headers.get("authorization"):
            return Response(b"no auth to a CDN", status_code=400)
        if self.cdn_fail:
            return Response(b"not found", status_code=404)
        return Response(self.image, media_type="image/png")

"""A fake Ollama server: `POST /api/chat` (one JSON object, or NDJSON lines when streaming: Ollama streams
unless told `"stream": false`) and `GET /api/tags`."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, cut_after, emit, json_response, streaming, words


def _line(obj: Any) -> bytes:
    return orjson.dumps(obj) + b"\n"


class FakeOllama(FakeVendor):
    accepts_schema = True  # False: an Ollama before 0.5, whose `format` is only "json"
    context_length = 131_072  # what /api/show reports as the model's own context length

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/chat", self.chat, methods=["POST"]),
                Route("/api/tags", self.tags, methods=["GET"]),
                Route("/api/show", self.show, methods=["POST"]),
            ]
        )

    async def tags(self, request: Request) -> Response:
        await self.record(request)
        return json_response({"models": [{"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 1}]})

    async def show(self, request: Request) -> Response:
        await self.record(request)
        return json_response(
            {"model_info": {"general.architecture": "llama", "llama.context_length": self.context_length}}
        )

    async def chat(self, request: Request) -> Response:
        seen = await self.record(request)
        body: dict[str, Any] = seen.body if isinstance(seen.body, dict) else {}
        behaviour = self.next_behaviour()
        if behaviour == "401":
            return json_response({"error": "unauthorized"}, 401)
        if behaviour == "429":
            return json_response({"error": "too many requests"}, 429, {"Retry-After": self.retry_after})
        if behaviour == "500":
            return json_response({"error": "llama runner process has terminated"}, 500)
        if behaviour == "hang":
            return await self.hang()
        if body.get("model") == "missing":
            return json_response({"error": 'model "missing" not found, try pulling it first'}, 404)
        if isinstance(body.get("format"), dict) and not self.accepts_schema:
            error = "json: cannot unmarshal object into Go struct field ChatRequest.format of type string"
            return json_response({"error": error}, 400)
        model = body.get("model", "")
        stream = body.get("stream", True)
        if behaviour == "malformed":
            return Response(b"{not json\n", media_type="application/x-ndjson" if stream else "application/json")
        text = self.next_reply()
        final = {
            "model": model,
            "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": "" if stream else text},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000,
            "prompt_eval_count": 19,
            "eval_count": 6,
        }
        if not stream:
            return json_response(final)
        lines = [
            _line(
                {
                    "model": model,
                    "created_at": "2026-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": w},
                    "done": False,
                }
            )
            for w in words(text)
        ]
        if behaviour == "cut":
            return streaming(cut_after(lines, 2), "application/x-ndjson")
        if behaviour == "truncated":
            return streaming(emit(lines), "application/x-ndjson")
        return streaming(emit([*lines, _line(final)]), "application/x-ndjson")

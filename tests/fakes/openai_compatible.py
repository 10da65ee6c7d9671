"""A fake OpenAI chat-completions server (also GitHub Models' paths): `/<prefix>/chat/completions`,
`/<prefix>/models`, `/catalog/models`. It refuses a wrong bearer key the way OpenAI does."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, cut_after, emit, json_response, sse, streaming, words


def _error(message: str, type_: str, code: str | None, status: int, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": {"message": message, "type": type_, "param": None, "code": code}}, status, headers)


class FakeOpenAI(FakeVendor):
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/catalog/models", self.catalog, methods=["GET"]),
                Route("/{prefix:path}/chat/completions", self.chat, methods=["POST"]),
                Route("/{prefix:path}/models", self.models, methods=["GET"]),
            ]
        )

    async def models(self, request: Request) -> Response:
        await self.record(request)
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error("Incorrect API key provided: sk-te...cdef.", "invalid_request_error", "invalid_api_key", 401)
        return json_response({"object": "list", "data": [{"id": "gpt-4.1", "object": "model"}, {"id": "o3"}]})

    async def catalog(self, request: Request) -> Response:
        await self.record(request)
        return json_response([{"id": "openai/gpt-4.1", "name": "OpenAI GPT-4.1"}, {"id": "xai/grok-3"}])

    async def chat(self, request: Request) -> Response:
        seen = await self.record(request)
        body: dict[str, Any] = seen.body if isinstance(seen.body, dict) else {}
        behaviour = self.next_behaviour()
        key_ok = not self.api_key or request.headers.get("authorization") == f"Bearer {self.api_key}"
        if not key_ok or behaviour == "401":
            return _error("Incorrect API key provided: sk-te...cdef.", "invalid_request_error", "invalid_api_key", 401)
        if behaviour == "429":
            return _error(
                "Rate limit reached for requests",
                "requests",
                "rate_limit_exceeded",
                429,
                {"Retry-After": self.retry_after},
            )
        if behaviour == "500":
            return _error("The server had an error while processing your request.", "server_error", None, 500)
        if behaviour == "context":
            return _error(
                "This model's maximum context length is 128000 tokens.",
                "invalid_request_error",
                "context_length_exceeded",
                400,
            )
        if behaviour == "hang":
            return await self.hang()
        if "model" not in body or not isinstance(body.get("messages"), list):
            return _error("you must provide a model parameter", "invalid_request_error", None, 400)
        if behaviour == "malformed":
            if body.get("stream"):
                return streaming(emit([b"data: {not json\n\n"]))
            return Response(b'{"id": "chatcmpl-1", "choices": [', media_type="application/json")
        text = self.next_reply()
        usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
        if not body.get("stream"):
            return json_response(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 1,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": usage,
                }
            )
        return streaming(self._stream(body, text, usage, behaviour))

    def _stream(self, body: dict[str, Any], text: str, usage: dict[str, int], behaviour: str) -> Any:
        def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
            return sse(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
            )

        chunks = [chunk({"role": "assistant", "content": ""}, None)]
        chunks += [chunk({"content": w}, None) for w in words(text)]
        if behaviour == "cut":
            return cut_after(chunks, 3)
        if behaviour == "truncated":
            return emit(chunks)
        chunks.append(chunk({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append(
                sse({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "choices": [], "usage": usage})
            )
        chunks.append(b"data: [DONE]\n\n")
        return emit(chunks)

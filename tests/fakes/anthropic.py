"""A fake Anthropic Messages API: `POST /v1/messages` (JSON or the real event stream), `GET /v1/models`.

Like the real API it requires `x-api-key`, `anthropic-version` and `max_tokens`, and refuses a `system` role
inside `messages` (the system prompt is a top-level field)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, cut_after, emit, json_response, sse, streaming, words


def _error(type_: str, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return json_response({"type": "error", "error": {"type": type_, "message": message}}, status, headers)


class FakeAnthropic(FakeVendor):
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/messages", self.messages, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
            ]
        )

    async def models(self, request: Request) -> Response:
        await self.record(request)
        return json_response({"data": [{"id": "claude-sonnet-4-5", "type": "model"}], "has_more": False})

    async def messages(self, request: Request) -> Response:
        seen = await self.record(request)
        body: dict[str, Any] = seen.body if isinstance(seen.body, dict) else {}
        behaviour = self.next_behaviour()
        if request.headers.get("x-api-key") != self.api_key or behaviour == "401":
            return _error("authentication_error", "invalid x-api-key", 401)
        if not request.headers.get("anthropic-version"):
            return _error("invalid_request_error", "anthropic-version header is required", 400)
        if behaviour == "429":
            return _error("rate_limit_error", "Number of requests exceeded", 429, {"retry-after": self.retry_after})
        if behaviour == "500":
            return _error("api_error", "Internal server error", 500)
        if behaviour == "context":
            return _error("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", 400)
        if behaviour == "hang":
            return await self.hang()
        roles = {m.get("role") for m in body.get("messages") or [] if isinstance(m, dict)}
        if not body.get("max_tokens") or not body.get("model") or not roles <= {"user", "assistant"}:
            return _error("invalid_request_error", "messages: roles must be user or assistant", 400)
        if behaviour == "malformed":
            if body.get("stream"):
                return streaming(emit([b"event: message_start\ndata: {oops\n\n"]))
            return Response(b"<html>bad gateway</html>", media_type="application/json")
        text = self.next_reply()
        if not body.get("stream"):
            return json_response(
                {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": body["model"],
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {"input_tokens": 13, "output_tokens": 9},
                }
            )
        return streaming(self._stream(body, text, behaviour))

    def _stream(self, body: dict[str, Any], text: str, behaviour: str) -> Any:
        start = {
            "type": "message_start",
            "message": {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": body["model"],
                "stop_reason": None,
                "usage": {"input_tokens": 13, "output_tokens": 1},
            },
        }
        chunks = [
            sse(start, "message_start"),
            sse(
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                "content_block_start",
            ),
            sse({"type": "ping"}, "ping"),
        ]
        chunks += [
            sse(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}},
                "content_block_delta",
            )
            for w in words(text)
        ]
        if behaviour == "cut":
            return cut_after(chunks, 5)
        if behaviour == "truncated":
            return emit(chunks)
        chunks += [
            sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
            sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 9},
                },
                "message_delta",
            ),
            sse({"type": "message_stop"}, "message_stop"),
        ]
        return emit(chunks)

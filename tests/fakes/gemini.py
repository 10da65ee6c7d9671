"""A fake Gemini API (`v1beta`): `models/{model}:generateContent`, `:streamGenerateContent` and `GET models`.

Like the real one: the key comes in `x-goog-api-key` (a bad key is a 400 with reason API_KEY_INVALID), roles
are only `user`/`model`, and a stream without `alt=sse` is one JSON array, not events."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, cut_after, emit, json_response, sse, streaming, words


def _error(code: int, status: str, message: str, reason: str | None = None, headers=None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    return json_response({"error": error}, code, headers)


class FakeGemini(FakeVendor):
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1beta/models", self.models, methods=["GET"]),
                Route("/v1beta/models/{target}", self.generate, methods=["POST"]),
            ]
        )

    async def models(self, request: Request) -> Response:
        await self.record(request)
        return json_response(
            {
                "models": [
                    {"name": "models/gemini-2.5-flash", "supportedGenerationMethods": ["generateContent"]},
                    {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
                ]
            }
        )

    def _answer(self, model: str, text: str, finish: str | None) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        return {
            "candidates": [candidate],
            "usageMetadata": {"promptTokenCount": 17, "candidatesTokenCount": 5, "totalTokenCount": 22},
            "modelVersion": model,
        }

    async def generate(self, request: Request) -> Response:
        seen = await self.record(request)
        body: dict[str, Any] = seen.body if isinstance(seen.body, dict) else {}
        model, _, method = request.path_params["target"].partition(":")
        behaviour = self.next_behaviour()
        if request.headers.get("x-goog-api-key") != self.api_key or "key" in request.query_params or behaviour == "401":
            return _error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID")
        if behaviour == "429":
            return _error(
                429, "RESOURCE_EXHAUSTED", "Resource has been exhausted", headers={"Retry-After": self.retry_after}
            )
        if behaviour == "500":
            return _error(500, "INTERNAL", "An internal error has occurred.")
        if behaviour == "context":
            return _error(
                400,
                "INVALID_ARGUMENT",
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
            )
        if behaviour == "hang":
            return await self.hang()
        roles = {c.get("role") for c in body.get("contents") or [] if isinstance(c, dict)}
        if not roles or not roles <= {"user", "model"}:
            return _error(400, "INVALID_ARGUMENT", "Please use a valid role: user, model.")
        if behaviour == "malformed":
            if method == "streamGenerateContent":
                return streaming(emit([b'data: {"candidates": [\n\n']))
            return Response(b'{"candidates": [', media_type="application/json")
        text = self.next_reply()
        if method == "generateContent":
            return json_response(self._answer(model, text, "STOP"))
        if method != "streamGenerateContent":
            return _error(404, "NOT_FOUND", "method not found")
        pieces = words(text)
        answers = [self._answer(model, w, "STOP" if i == len(pieces) - 1 else None) for i, w in enumerate(pieces)]
        if request.query_params.get("alt") != "sse":
            return json_response(answers)  # what the real API does without alt=sse
        if behaviour == "cut":
            return streaming(cut_after([sse(a) for a in answers], 2))
        if behaviour == "truncated":
            return streaming(emit([sse(a) for a in answers[:-1]]))
        return streaming(emit([sse(a) for a in answers]))

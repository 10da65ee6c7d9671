"""Anthropic's Messages API (`POST /v1/messages`), with its real streaming events.

Streaming reads `message_start` (input tokens), `content_block_delta` with `text_delta` deltas, and
`message_delta` (stop_reason and output tokens), ending at `message_stop`; an `error` event mid-stream becomes
a ProviderError (the reference expected `text` deltas and a stop_reason on `message_stop`, so its stream was
always empty). System messages go to the `system` field; the turns keep their roles. `max_tokens` is
required by the API: 1024 when the caller gives none (the reference sent 0).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import orjson

from sceneintruder.providers import http as vendor_http
from sceneintruder.providers.errors import ProviderBadResponse, ProviderError, ProviderUnavailable
from sceneintruder.providers.llm._common import (
    classify_error,
    first_str,
    merge_consecutive,
    read_timeout_of,
    retry_for,
    with_latency,
)
from sceneintruder.providers.llm.base import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    LLMCapabilities,
    ProviderConfig,
    Usage,
    context_tokens_for,
)
from sceneintruder.providers.llm.catalog import SPECS
from sceneintruder.providers.sse import iter_sse

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024
THINKING_BUDGET = 2048
# Names used by the reference's settings page and lists, mapped to real API ids.
MODEL_ALIASES = {
    "claude-haiku-4.5": "claude-haiku-4-5",
    "claude-4.5-haiku": "claude-haiku-4-5",
    "claude-sonnet-4.5": "claude-sonnet-4-5",
    "claude-4.5-sonnet": "claude-sonnet-4-5",
    "claude-3.7-sonnet-thinking": "claude-3-7-sonnet-latest",
    "claude-3.7-sonnet": "claude-3-7-sonnet-latest",
}
_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "refusal": "content_filter"}


def resolve_model(model: str) -> str:
    return MODEL_ALIASES.get(model, model)


def _headers(api_key: str, options: Mapping[str, str], *, stream: bool) -> dict[str, str]:
    return {
        "x-api-key": api_key,
        "anthropic-version": options.get("api_version") or API_VERSION,
        "Accept": "text/event-stream" if stream else "application/json",
    }


def _build_payload(request: CompletionRequest, *, stream: bool) -> dict[str, Any]:
    max_tokens = request.sampling.max_tokens or DEFAULT_MAX_TOKENS
    body: dict[str, Any] = {
        "model": resolve_model(request.model),
        "max_tokens": max_tokens,
        "messages": [{"role": m.role, "content": m.content} for m in merge_consecutive(request.turns)],
    }
    if request.system_text:
        body["system"] = request.system_text
    if request.sampling.reasoning:  # extended thinking; the API then refuses temperature/top_p changes
        budget = min(THINKING_BUDGET, max(1024, max_tokens - 1))
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        body["max_tokens"] = max(max_tokens, budget + 1)
    else:
        if request.sampling.temperature is not None:
            body["temperature"] = request.sampling.temperature
        if request.sampling.top_p is not None:
            body["top_p"] = request.sampling.top_p
    if request.sampling.stop:
        body["stop_sequences"] = list(request.sampling.stop)
    if stream:
        body["stream"] = True
    body.update(request.sampling.extra)
    return body


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    return Usage(int(raw.get("input_tokens") or 0), int(raw.get("output_tokens") or 0))


def _parse_completion(body: Any, *, model: str) -> Completion:
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, list):
        raise ProviderBadResponse(provider="anthropic", model=model)
    text = "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return Completion(
        text=text,
        finish_reason=_STOP_REASONS.get(str(body.get("stop_reason")), str(body.get("stop_reason") or "stop")),
        usage=_usage(body.get("usage")),
        model=first_str(body.get("model"), model),
        provider="anthropic",
    )


def _error_for(model: str, status: int, body: bytes, headers: Mapping[str, str]) -> ProviderError:
    parsed = vendor_http.load_json_body(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    error = error if isinstance(error, dict) else {}
    error_type = error.get("type") if isinstance(error.get("type"), str) else None
    if error_type == "overloaded_error":
        status = 529
    hint = f"{error_type or ''} {error.get('message') or ''}".lower()
    return classify_error(
        provider="anthropic", model=model, status=status, headers=headers, vendor_code=error_type, hint=hint
    )


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, config: ProviderConfig, *, http: httpx.AsyncClient, retry: vendor_http.RetryPolicy) -> None:
        spec = SPECS["anthropic"]
        self.default_model = config.default_model or spec.default_model
        self._api_key = config.api_key
        self._base_url = (config.base_url or spec.base_url).rstrip("/")
        self._options = dict(config.options)
        self._http = http
        self._retry = retry_for(self._base_url, retry)
        self._read_timeout = read_timeout_of(config.options)

    @property
    def capabilities(self) -> LLMCapabilities:
        return LLMCapabilities(streaming=True, json_mode=False, max_context_tokens=context_tokens_for("claude"))

    def _mapper(self, model: str) -> vendor_http.ErrorMapper:
        return lambda status, body, headers: _error_for(model, status, body, headers)

    async def complete(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        body = await vendor_http.post_json(
            self._http,
            f"{self._base_url}/v1/messages",
            payload=_build_payload(request, stream=False),
            headers=_headers(self._api_key, self._options, stream=False),
            error_for=self._mapper(request.model),
            provider=self.name,
            model=request.model,
            retry=self._retry,
            read_timeout=request.sampling.read_timeout or self._read_timeout,
        )
        return with_latency(_parse_completion(body, model=request.model), started)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        prompt_tokens = completion_tokens = 0
        finish: str | None = None
        model = request.model
        stopped = False
        async with vendor_http.open_stream(
            self._http,
            f"{self._base_url}/v1/messages",
            payload=_build_payload(request, stream=True),
            headers=_headers(self._api_key, self._options, stream=True),
            error_for=self._mapper(request.model),
            provider=self.name,
            model=request.model,
            retry=self._retry,
            read_timeout=request.sampling.read_timeout or self._read_timeout,
        ) as lines:
            async for event in iter_sse(lines):
                data = _decode(event.data, request.model)
                kind = event.event or str(data.get("type", ""))
                if kind == "message_start":
                    message = data.get("message") or {}
                    model = first_str(message.get("model"), model)
                    start_usage = _usage(message.get("usage"))
                    prompt_tokens, completion_tokens = start_usage.prompt_tokens, start_usage.completion_tokens
                elif kind == "content_block_delta":
                    delta = data.get("delta") or {}
                    if delta.get("type") == "text_delta" and delta.get("text"):
                        yield CompletionChunk(delta=delta["text"], model=model, provider=self.name)
                elif kind == "message_delta":
                    reason = (data.get("delta") or {}).get("stop_reason")
                    finish = _STOP_REASONS.get(str(reason), str(reason)) if reason else finish
                    completion_tokens = int((data.get("usage") or {}).get("output_tokens") or completion_tokens)
                elif kind == "message_stop":
                    stopped = True
                    break
                elif kind == "error":
                    raise _error_for(request.model, 500, orjson.dumps(data), {})
            if not stopped:
                raise ProviderUnavailable("LLM服务的流式响应意外中断", provider=self.name, model=request.model)
        yield CompletionChunk(
            done=True,
            finish_reason=finish or "stop",
            usage=Usage(prompt_tokens, completion_tokens),
            model=model,
            provider=self.name,
        )

    async def list_models(self) -> list[str]:
        body = await vendor_http.get_json(
            self._http,
            f"{self._base_url}/v1/models",
            headers=_headers(self._api_key, self._options, stream=False),
            error_for=self._mapper(""),
            provider=self.name,
            retry=self._retry,
        )
        items = body.get("data") if isinstance(body, dict) else None
        return sorted({i["id"] for i in items or [] if isinstance(i, dict) and isinstance(i.get("id"), str)})

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by the app's lifespan."""


def _decode(data: str, model: str) -> dict[str, Any]:
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ProviderBadResponse(provider="anthropic", model=model) from exc
    if not isinstance(obj, dict):
        raise ProviderBadResponse(provider="anthropic", model=model)
    return obj

"""Google Gemini, `v1beta` `generateContent` / `streamGenerateContent?alt=sse` (provider name `google`).

Fixes over the reference: the key travels in the `x-goog-api-key` header (not the URL, where proxies log it);
system messages go to `systemInstruction` (Gemini refuses a `system` role); assistant turns are role `model`;
streaming asks for `alt=sse` (without it the answer is one JSON array no line parser can follow). Thinking is
off unless the call asks: `thinkingBudget: 0` (2.5 Pro cannot go below 128; Gemini 3 takes a `thinkingLevel`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from sceneintruder.providers import http as vendor_http
from sceneintruder.providers.errors import ProviderBadResponse, ProviderError, ProviderRejected, ProviderUnavailable
from sceneintruder.providers.llm._common import (
    classify_error,
    first_str,
    merge_consecutive,
    read_timeout_of,
    retry_for,
    sampling_options,
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

NAME = "google"
_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}
_BLOCKED = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"})
_AUTH_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED"})


def resolve_model(model: str, *, reasoning: bool) -> str:
    if not reasoning and "thinking" in model:
        return "gemini-2.5-flash"
    return model.removeprefix("models/")


def _thinking_config(model: str) -> dict[str, Any]:
    if "2.5-pro" in model:
        return {"thinkingBudget": 128}
    if model.startswith("gemini-3"):
        return {"thinkingLevel": "low"}
    return {"thinkingBudget": 0}


def _build_payload(request: CompletionRequest) -> dict[str, Any]:
    model = resolve_model(request.model, reasoning=request.sampling.reasoning)
    contents = [
        {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
        for m in merge_consecutive(request.turns)
    ]
    config = sampling_options(request, max_tokens="maxOutputTokens", top_p="topP", stop="stopSequences")
    if request.response_format == "json":
        config["responseMimeType"] = "application/json"
    if not request.sampling.reasoning:
        config["thinkingConfig"] = _thinking_config(model)
    body: dict[str, Any] = {"contents": contents, "generationConfig": config}
    if request.system_text:
        body["systemInstruction"] = {"parts": [{"text": request.system_text}]}
    for key, value in request.sampling.extra.items():  # sampling extras belong inside generationConfig
        (config if key in ("topK", "candidateCount", "seed") else body)[key] = value
    return body


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(int(raw.get("promptTokenCount") or 0), int(raw.get("candidatesTokenCount") or 0))


def _candidate(body: Any, model: str) -> tuple[str, str | None]:
    """(text, raw finishReason) of candidate 0; a blocked prompt is a content-policy refusal."""
    if not isinstance(body, dict):
        raise ProviderBadResponse(provider=NAME, model=model)
    candidates = body.get("candidates")
    if not candidates:
        if (body.get("promptFeedback") or {}).get("blockReason"):
            raise ProviderRejected("内容被LLM服务的安全策略拒绝", provider=NAME, model=model, kind="content_policy")
        return "", None
    candidate = candidates[0] if isinstance(candidates[0], dict) else {}
    parts = (candidate.get("content") or {}).get("parts") or []
    text = "".join(p.get("text", "") for p in parts if isinstance(p, dict) and not p.get("thought"))
    return text, candidate.get("finishReason")


def _parse_completion(body: Any, *, model: str) -> Completion:
    text, finish = _candidate(body, model)
    if finish is None and not text:
        raise ProviderBadResponse(provider=NAME, model=model)
    if finish in _BLOCKED and not text:
        raise ProviderRejected("内容被LLM服务的安全策略拒绝", provider=NAME, model=model, kind="content_policy")
    return Completion(
        text=text,
        finish_reason=_FINISH.get(str(finish), str(finish or "stop").lower()),
        usage=_usage(body.get("usageMetadata")) or Usage(),
        model=first_str(body.get("modelVersion"), model),
        provider=NAME,
    )


def _error_for(model: str, status: int, body: bytes, headers: Mapping[str, str]) -> ProviderError:
    parsed = vendor_http.load_json_body(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    error = error if isinstance(error, dict) else {}
    reasons = {d.get("reason") for d in error.get("details") or [] if isinstance(d, dict)}
    vendor_status = error.get("status") if isinstance(error.get("status"), str) else None
    if reasons & _AUTH_REASONS or vendor_status in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        status = 401
    elif vendor_status == "RESOURCE_EXHAUSTED":
        status = 429
    hint = f"{vendor_status or ''} {error.get('message') or ''}".lower()
    return classify_error(
        provider=NAME, model=model, status=status, headers=headers, vendor_code=vendor_status, hint=hint
    )


class GeminiProvider:
    name = NAME

    def __init__(self, config: ProviderConfig, *, http: httpx.AsyncClient, retry: vendor_http.RetryPolicy) -> None:
        spec = SPECS[NAME]
        self.default_model = config.default_model or spec.default_model
        self._api_key = config.api_key
        self._base_url = (config.base_url or spec.base_url).rstrip("/")
        self._http = http
        self._retry = retry_for(self._base_url, retry)
        self._read_timeout = read_timeout_of(config.options)

    @property
    def capabilities(self) -> LLMCapabilities:
        return LLMCapabilities(streaming=True, json_mode=True, max_context_tokens=context_tokens_for("gemini"))

    def _url(self, request: CompletionRequest, method: str) -> str:
        model = resolve_model(request.model, reasoning=request.sampling.reasoning)
        return f"{self._base_url}/models/{quote(model, safe='.-_')}:{method}"

    def _mapper(self, model: str) -> vendor_http.ErrorMapper:
        return lambda status, body, headers: _error_for(model, status, body, headers)

    async def complete(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        body = await vendor_http.post_json(
            self._http,
            self._url(request, "generateContent"),
            payload=_build_payload(request),
            headers={"x-goog-api-key": self._api_key},
            error_for=self._mapper(request.model),
            provider=NAME,
            model=request.model,
            retry=self._retry,
            read_timeout=request.sampling.read_timeout or self._read_timeout,
        )
        return with_latency(_parse_completion(body, model=request.model), started)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        finish: str | None = None
        usage: Usage | None = None
        model = request.model
        async with vendor_http.open_stream(
            self._http,
            self._url(request, "streamGenerateContent"),
            payload=_build_payload(request),
            headers={"x-goog-api-key": self._api_key, "Accept": "text/event-stream"},
            params={"alt": "sse"},
            error_for=self._mapper(request.model),
            provider=NAME,
            model=request.model,
            retry=self._retry,
            read_timeout=request.sampling.read_timeout or self._read_timeout,
        ) as lines:
            async for event in iter_sse(lines):
                try:
                    obj = orjson.loads(event.data)
                except orjson.JSONDecodeError as exc:
                    raise ProviderBadResponse(provider=NAME, model=request.model) from exc
                if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
                    raise _error_for(request.model, 500, orjson.dumps(obj), {})
                text, chunk_finish = _candidate(obj, request.model)
                usage = _usage(obj.get("usageMetadata")) or usage
                model = first_str(obj.get("modelVersion"), model)
                if chunk_finish in _BLOCKED and not text:
                    raise ProviderRejected(
                        "内容被LLM服务的安全策略拒绝", provider=NAME, model=request.model, kind="content_policy"
                    )
                finish = chunk_finish or finish
                if text:
                    yield CompletionChunk(delta=text, model=model, provider=NAME)
            if finish is None:
                raise ProviderUnavailable("LLM服务的流式响应意外中断", provider=NAME, model=request.model)
        yield CompletionChunk(
            done=True,
            finish_reason=_FINISH.get(finish, finish.lower()),
            usage=usage or Usage(),
            model=model,
            provider=NAME,
        )

    async def list_models(self) -> list[str]:
        body = await vendor_http.get_json(
            self._http,
            f"{self._base_url}/models",
            headers={"x-goog-api-key": self._api_key},
            error_for=self._mapper(""),
            provider=NAME,
            retry=self._retry,
        )
        models = body.get("models") if isinstance(body, dict) else None
        return sorted(
            m["name"].removeprefix("models/")
            for m in models or []
            if isinstance(m, dict)
            and isinstance(m.get("name"), str)
            and "generateContent" in (m.get("supportedGenerationMethods") or [])
        )

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by the app's lifespan."""

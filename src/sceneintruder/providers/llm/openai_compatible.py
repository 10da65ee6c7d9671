"""The OpenAI chat-completions wire family: openai, deepseek, qwen, mistral, grok, glm, githubmodels,
openrouter, nvidia, and `openai_compatible` (any base URL: LM Studio, vLLM, llama.cpp server).

Pure translation (`_build_payload`, `_parse_completion`, `_parse_chunk`, `_error_for`, `_headers`) is kept apart
from I/O (`OpenAICompatibleProvider`). Per-vendor quirks (spec §6.4 and its "do better" line) live in
`_vendor_body` and `_headers`: `max_completion_tokens` and no sampling knobs for OpenAI's reasoning models;
reasoning switched off by default (§6.3) with each vendor's own knob; GitHub Models' `publisher/model` ids;
OpenRouter's attribution headers; GLM with a plain Bearer key.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Mapping, MutableMapping
from typing import Any

import httpx
import orjson

from sceneintruder.providers import http as vendor_http
from sceneintruder.providers.errors import ProviderBadResponse, ProviderError, ProviderRejected, ProviderUnavailable
from sceneintruder.providers.llm._common import (
    PROBE_SECONDS,
    classify_error,
    context_window,
    first_accepted,
    first_str,
    is_local_url,
    json_mode_key,
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
)
from sceneintruder.providers.llm.catalog import SPECS
from sceneintruder.providers.sse import iter_sse

FAMILY = (
    "openai",
    "deepseek",
    "qwen",
    "mistral",
    "grok",
    "glm",
    "githubmodels",
    "openrouter",
    "nvidia",
    "openai_compatible",
)
# How each vendor is asked for JSON: a JSON schema, plain JSON mode, or only the prompt's instruction.
_JSON_MODE = {
    "openai": "json_schema",
    "grok": "json_schema",
    "openrouter": "json_schema",
    "openai_compatible": "json_schema",
    "deepseek": "json_object",
    "qwen": "json_object",
    "mistral": "json_object",
    "glm": "json_object",
    "githubmodels": "json_object",
    "nvidia": "none",
}
_NO_STREAM_OPTIONS = frozenset({"mistral", "glm"})  # they reject or ignore `stream_options`; usage comes anyway
_OPENAI_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
_GITHUB_PUBLISHER = (("gpt-", "openai/"), ("o1", "openai/"), ("o3", "openai/"), ("o4", "openai/"), ("grok", "xai/"))


def resolve_model(vendor: str, model: str, *, reasoning: bool) -> str:
    """The id to send: reasoning-variant swaps when reasoning is off (§6.3), GitHub's publisher prefix."""
    if not reasoning:
        if vendor == "deepseek" and model == "deepseek-reasoner":
            return "deepseek-chat"
        if vendor == "qwen" and model.startswith(("qwq", "qvq")):
            return "qwen3-max"
    if vendor == "githubmodels" and "/" not in model:
        for prefix, publisher in _GITHUB_PUBLISHER:
            if model.startswith(prefix):
                return publisher + model
    return model


def _headers(vendor: str, api_key: str, options: Mapping[str, str], *, stream: bool) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    if vendor == "githubmodels":
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = options.get("api_version") or "2022-11-28"
    elif vendor == "openrouter":
        headers["X-Title"] = options.get("app_name") or "sceneintruder"
        if options.get("http_referer"):
            headers["HTTP-Referer"] = options["http_referer"]
    elif vendor == "openai" and options.get("organization"):
        headers["OpenAI-Organization"] = options["organization"]
    if stream:
        headers["Accept"] = "text/event-stream"
        if vendor == "qwen":
            headers["X-DashScope-SSE"] = "enable"
    return headers


def _chat_url(vendor: str, base_url: str, options: Mapping[str, str]) -> str:
    base = base_url.rstrip("/")
    if vendor == "githubmodels" and options.get("organization"):
        return base.replace("/inference", f"/orgs/{options['organization']}/inference") + "/chat/completions"
    return f"{base}/chat/completions"


# JSON modes, strongest first: OpenAI's `json_schema`; `json_object` with a `schema` the server enforces by
# grammar (llama-cpp-python, vLLM, LM Studio); plain `json_object`; no mode (the prompt's instruction only).
_MODE_LADDER = ("json_schema", "json_object_schema", "json_object", "none")


def _modes_from(first: str) -> tuple[str, ...]:
    """The modes to try, from `first` down (a vendor whose best is `json_object` never gets a schema mode)."""
    if first == "json_schema":
        return _MODE_LADDER
    return _MODE_LADDER[_MODE_LADDER.index(first) :] if first in _MODE_LADDER else ("none",)


def _build_payload(
    vendor: str, request: CompletionRequest, *, stream: bool, json_mode: str | None = None
) -> dict[str, Any]:
    model = resolve_model(vendor, request.model, reasoning=request.sampling.reasoning)
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
    }
    reasoning_model = vendor == "openai" and bool(_OPENAI_REASONING_MODEL.match(model))
    if request.sampling.temperature is not None and not reasoning_model:
        body["temperature"] = request.sampling.temperature
    if request.sampling.top_p is not None and not reasoning_model:
        body["top_p"] = request.sampling.top_p
    if request.sampling.max_tokens:
        body["max_completion_tokens" if vendor == "openai" else "max_tokens"] = request.sampling.max_tokens
    if request.sampling.stop:
        body["stop"] = list(request.sampling.stop)
    if request.response_format == "json":
        mode = json_mode or _JSON_MODE.get(vendor, "none")
        if mode == "json_schema" and request.json_schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": dict(request.json_schema), "strict": False},
            }
        elif mode == "json_object_schema" and request.json_schema:
            body["response_format"] = {"type": "json_object", "schema": dict(request.json_schema)}
        elif mode != "none":
            body["response_format"] = {"type": "json_object"}
    if stream:
        body["stream"] = True
        if vendor not in _NO_STREAM_OPTIONS:
            body["stream_options"] = {"include_usage": True}
    _vendor_body(vendor, model, request.sampling.reasoning, body, reasoning_model=reasoning_model)
    body.update(request.sampling.extra)
    return body


def _vendor_body(vendor: str, model: str, reasoning: bool, body: dict[str, Any], *, reasoning_model: bool) -> None:
    """Each vendor's own switch for thinking/reasoning (on only when the call asks for it)."""
    if vendor == "openai" and reasoning_model and not reasoning:
        body["reasoning_effort"] = "minimal" if model.startswith("gpt-5") else "low"
    elif vendor == "qwen" and model.startswith(("qwen", "qwq", "qvq")):
        body["enable_thinking"] = reasoning
    elif vendor == "glm":
        body["thinking"] = {"type": "enabled" if reasoning else "disabled"}
    elif vendor == "nvidia":
        body["chat_template_kwargs"] = {"thinking": reasoning}
    elif vendor == "openrouter" and not reasoning:
        body["reasoning"] = {"enabled": False}


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0))


def _parse_completion(body: Any, *, provider: str, model: str) -> Completion:
    choices = body.get("choices") if isinstance(body, dict) else None
    if not choices or not isinstance(choices[0], dict):
        raise ProviderBadResponse(provider=provider, model=model)
    choice = choices[0]
    message = choice.get("message") or {}
    text = _content_text(message.get("content"))
    finish = choice.get("finish_reason") or "stop"
    if finish == "content_filter" and not text:
        raise ProviderRejected("内容被LLM服务的安全策略拒绝", provider=provider, model=model, kind="content_policy")
    return Completion(
        text=text,
        finish_reason=finish,
        usage=_usage(body.get("usage")) or Usage(),
        model=first_str(body.get("model"), model),
        provider=provider,
    )


def _parse_chunk(obj: Any) -> tuple[str, str | None, Usage | None]:
    """(delta text, finish_reason, usage) of one streamed chunk."""
    if not isinstance(obj, dict):
        return "", None, None
    delta, finish = "", None
    choices = obj.get("choices") or []
    if choices and isinstance(choices[0], dict):
        delta = _content_text((choices[0].get("delta") or {}).get("content"))
        finish = choices[0].get("finish_reason")
    return delta, finish, _usage(obj.get("usage"))


def _error_for(
    provider: str, model: str, status: int, body: bytes, headers: Mapping[str, str], *, asked_json: bool = False
) -> ProviderError:
    parsed = vendor_http.load_json_body(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") or error.get("type")
    hint = " ".join(str(error.get(k) or "") for k in ("code", "type", "message")).lower()
    return classify_error(
        provider=provider,
        model=model,
        status=status,
        headers=headers,
        vendor_code=code if isinstance(code, str) else None,
        hint=hint,
        retryable_429=code != "insufficient_quota",
        asked_json=asked_json,
    )


class OpenAICompatibleProvider:
    def __init__(
        self,
        config: ProviderConfig,
        *,
        http: httpx.AsyncClient,
        retry: vendor_http.RetryPolicy,
        json_modes: MutableMapping[str, str] | None = None,
    ) -> None:
        spec = SPECS[config.name]
        self.name = config.name
        self.default_model = config.default_model or spec.default_model
        self._api_key = config.api_key
        self._base_url = config.base_url or spec.base_url
        self._options = dict(config.options)
        self._http = http
        self._retry = retry_for(self._base_url, retry)
        self._read_timeout = read_timeout_of(config.options)
        # "{provider}|{base_url}|{model}" -> the strongest JSON mode this server accepted (shared by every worker
        # when the settings domain passes ProviderDeps.json_modes)
        self._json_modes: MutableMapping[str, str] = {} if json_modes is None else json_modes
        # `json_mode` in llm_config: where negotiation starts, for a server known to refuse the stronger modes
        pinned = str(self._options.get("json_mode") or "").strip()
        self._pinned_mode = pinned if pinned in _MODE_LADDER else ""
        self._settled: set[str] = set()  # models whose JSON mode has worked once
        self._negotiating: dict[str, asyncio.Lock] = {}
        self._served_window = 0  # the window the server reported (llama.cpp's /props), 0: not known
        self._probed = False
        self._probe_lock = asyncio.Lock()

    @property
    def capabilities(self) -> LLMCapabilities:
        window = context_window(self._options, self._base_url, self.default_model)
        if self._served_window and not self._options.get("context_window"):
            window = self._served_window
        return LLMCapabilities(
            streaming=True, json_mode=_JSON_MODE.get(self.name, "none") != "none", max_context_tokens=window
        )

    async def prepare(self) -> None:
        """Once per provider, for a server on this machine or a private network whose window is not configured:
        ask it (the llama.cpp server says `n_ctx` at `/props`; others have no such page and keep the default)."""
        if self._probed or self._options.get("context_window") or not is_local_url(self._base_url):
            return
        async with self._probe_lock:
            if self._probed:
                return
            self._probed = True
            root = self._base_url.rstrip("/").removesuffix("/v1")
            try:
                response = await self._http.get(f"{root}/props", timeout=PROBE_SECONDS)
                props = response.json() if response.status_code == 200 else {}
            except (httpx.HTTPError, ValueError):
                return
            settings = props.get("default_generation_settings") if isinstance(props, dict) else None
            n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
            if isinstance(n_ctx, int) and n_ctx >= 512:
                self._served_window = n_ctx

    def json_mode(self, model: str) -> str:
        """The JSON mode structured calls to `model` use: the vendor's best until the server refuses it."""
        return (
            self._json_modes.get(json_mode_key(self.name, self._base_url, model))
            or self._pinned_mode
            or _JSON_MODE.get(self.name, "none")
        )

    def _mapper(self, model: str, *, asked_json: bool = False) -> vendor_http.ErrorMapper:
        return lambda status, body, headers: _error_for(self.name, model, status, body, headers, asked_json=asked_json)

    async def complete(self, request: CompletionRequest) -> Completion:
        """One answer. A structured call negotiates its JSON mode: when the server refuses a mode (it names it in
        its error), the next weaker one is sent at once, and the one that worked is kept for later calls. Until
        a mode has worked for a model, its structured calls go one at a time (concurrent chunks of an analysis
        would otherwise each be refused once); those that waited while it was settled then go at once."""
        if request.response_format != "json" or request.model in self._settled:
            return await self._complete(request)
        async with self._negotiating.setdefault(request.model, asyncio.Lock()):
            if request.model not in self._settled:
                completion = await self._complete(request)
                self._settled.add(request.model)
                return completion
        return await self._complete(request)

    async def _complete(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        asked_json = request.response_format == "json"
        modes = _modes_from(self.json_mode(request.model)) if asked_json else ("none",)

        async def attempt(mode: str) -> Any:
            return await vendor_http.post_json(
                self._http,
                _chat_url(self.name, self._base_url, self._options),
                payload=_build_payload(self.name, request, stream=False, json_mode=mode),
                headers=_headers(self.name, self._api_key, self._options, stream=False),
                error_for=self._mapper(request.model, asked_json=asked_json),
                provider=self.name,
                model=request.model,
                retry=self._retry,
                read_timeout=request.sampling.read_timeout or self._read_timeout,
            )

        body = await first_accepted(
            modes, attempt, self._json_modes, json_mode_key(self.name, self._base_url, request.model)
        )
        return with_latency(_parse_completion(body, provider=self.name, model=request.model), started)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        finish: str | None = None
        usage: Usage | None = None
        model = request.model
        async with vendor_http.open_stream(
            self._http,
            _chat_url(self.name, self._base_url, self._options),
            payload=_build_payload(self.name, request, stream=True),
            headers=_headers(self.name, self._api_key, self._options, stream=True),
            error_for=self._mapper(request.model),
            provider=self.name,
            model=request.model,
            retry=self._retry,
            read_timeout=request.sampling.read_timeout or self._read_timeout,
        ) as lines:
            done = False
            async for event in iter_sse(lines):
                if event.data.strip() == "[DONE]":
                    done = True
                    break
                obj = _decode_event(event.data, self.name, request.model)
                if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
                    raise _error_for(self.name, request.model, 500, orjson.dumps(obj), {})
                delta, chunk_finish, chunk_usage = _parse_chunk(obj)
                model = first_str(obj.get("model") if isinstance(obj, dict) else None, model)
                finish = chunk_finish or finish
                usage = chunk_usage or usage
                if delta:
                    yield CompletionChunk(delta=delta, model=model, provider=self.name)
            if not done and finish is None:
                raise ProviderUnavailable("LLM服务的流式响应意外中断", provider=self.name, model=request.model)
        yield CompletionChunk(
            done=True, finish_reason=finish or "stop", usage=usage or Usage(), model=model, provider=self.name
        )

    async def list_models(self) -> list[str]:
        if self.name == "glm":  # no model listing endpoint
            return list(SPECS["glm"].models)
        url = f"{self._base_url.rstrip('/')}/models"
        if self.name == "githubmodels":
            url = self._base_url.rstrip("/").removesuffix("/inference") + "/catalog/models"
        body = await vendor_http.get_json(
            self._http,
            url,
            headers=_headers(self.name, self._api_key, self._options, stream=False),
            error_for=self._mapper(""),
            provider=self.name,
            retry=self._retry,
        )
        items = body if isinstance(body, list) else (body.get("data") if isinstance(body, dict) else None) or []
        return sorted({item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)})

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by the app's lifespan; nothing of our own to release."""


def _decode_event(data: str, provider: str, model: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ProviderBadResponse(provider=provider, model=model) from exc

"""Ollama's native chat API (`POST /api/chat`, newline-delimited JSON when streaming), for local models.

Its native API differs from the OpenAI family: sampling knobs live under `options` (`num_predict` is the token
limit), JSON output is `format` (a JSON schema, or `"json"`), thinking models take `think`, and a stream is one
JSON object per line ending with `done: true`, which carries the token counts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, MutableMapping
from typing import Any

import httpx
import orjson

from sceneintruder.providers import http as vendor_http
from sceneintruder.providers.errors import ProviderBadResponse, ProviderError, ProviderUnavailable
from sceneintruder.providers.llm._common import (
    LOCAL_CONTEXT_TOKENS,
    PROBE_SECONDS,
    classify_error,
    context_window,
    first_accepted,
    first_str,
    json_mode_key,
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
)
from sceneintruder.providers.llm.catalog import SPECS

NAME = "ollama"


def normalise_host(host: str) -> str:
    """`OLLAMA_HOST` may be `127.0.0.1:11434` (the ollama CLI's form): give it a scheme."""
    host = host.strip().rstrip("/")
    if host and "://" not in host:
        host = f"http://{host}"
    return host


def _build_payload(
    request: CompletionRequest, *, stream: bool, json_mode: str = "schema", num_ctx: int = 0
) -> dict[str, Any]:
    options = sampling_options(request, max_tokens="num_predict", top_p="top_p", stop="stop")
    if num_ctx:
        options["num_ctx"] = num_ctx
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "stream": stream,
        "think": request.sampling.reasoning,
    }
    if options:
        body["options"] = options
    if request.response_format == "json":  # the JSON schema (Ollama 0.5+ enforces it), else plain JSON mode
        body["format"] = dict(request.json_schema) if json_mode == "schema" and request.json_schema else "json"
    body.update(request.sampling.extra)
    return body


def _usage(body: Mapping[str, Any]) -> Usage:
    return Usage(int(body.get("prompt_eval_count") or 0), int(body.get("eval_count") or 0))


def _parse_completion(body: Any, *, model: str) -> Completion:
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        raise ProviderBadResponse(provider=NAME, model=model)
    return Completion(
        text=str(message.get("content") or ""),
        finish_reason=str(body.get("done_reason") or "stop"),
        usage=_usage(body),
        model=first_str(body.get("model"), model),
        provider=NAME,
    )


def _error_for(
    model: str, status: int, body: bytes, headers: Mapping[str, str], *, asked_json: bool = False
) -> ProviderError:
    parsed = vendor_http.load_json_body(body)
    message = parsed.get("error") if isinstance(parsed, dict) else None
    hint = message.lower() if isinstance(message, str) else ""
    return classify_error(
        provider=NAME, model=model, status=status, headers=headers, vendor_code=None, hint=hint, asked_json=asked_json
    )


class OllamaProvider:
    name = NAME

    def __init__(
        self,
        config: ProviderConfig,
        *,
        http: httpx.AsyncClient,
        retry: vendor_http.RetryPolicy,
        json_modes: MutableMapping[str, str] | None = None,
    ) -> None:
        spec = SPECS[NAME]
        self.default_model = config.default_model or spec.default_model
        self._base_url = normalise_host(config.base_url or spec.base_url)
        self._headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = http
        self._retry = retry_for(self._base_url, retry)
        self._read_timeout = read_timeout_of(config.options)
        self._options = dict(config.options)
        # "{provider}|{base_url}|{model}" -> "schema" or "json", once the server refused a schema (shared by every
        # worker when the settings domain passes ProviderDeps.json_modes)
        self._json_modes: MutableMapping[str, str] = {} if json_modes is None else json_modes
        self._model_window = 0  # the model's context length from /api/show, 0: not known
        self._probed = False
        self._probe_lock = asyncio.Lock()

    @property
    def capabilities(self) -> LLMCapabilities:
        return LLMCapabilities(streaming=True, json_mode=True, max_context_tokens=self._window())

    def _window(self) -> int:
        """`context_window` when configured; else LOCAL_CONTEXT_TOKENS, or the model's own length if smaller.
        Sent as `num_ctx` on every call: Ollama otherwise cuts prompts to its default window without a word."""
        if str(self._options.get("context_window") or "").strip().isdigit():
            return context_window(self._options, self._base_url, self.default_model)
        default = LOCAL_CONTEXT_TOKENS
        return min(default, self._model_window) if self._model_window else default

    async def prepare(self) -> None:
        """Once per provider: the model's own context length (`/api/show`), which caps the window."""
        if self._probed:
            return
        async with self._probe_lock:
            if self._probed:
                return
            self._probed = True
            try:
                response = await self._http.post(
                    f"{self._base_url}/api/show", json={"model": self.default_model}, headers=self._headers,
                    timeout=PROBE_SECONDS,
                )  # fmt: skip
                info = response.json().get("model_info") if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                return
            lengths = [v for k, v in (info or {}).items() if k.endswith(".context_length") and isinstance(v, int)]
            if lengths and lengths[0] >= 512:
                self._model_window = lengths[0]

    def json_mode(self, model: str) -> str:
        """`format` of structured calls to `model`: "schema" until the server refused one, then "json"."""
        return self._json_modes.get(json_mode_key(self.name, self._base_url, model), "schema")

    def _mapper(self, model: str, *, asked_json: bool = False) -> vendor_http.ErrorMapper:
        return lambda status, body, headers: _error_for(model, status, body, headers, asked_json=asked_json)

    async def complete(self, request: CompletionRequest) -> Completion:
        """One answer; a structured call sends its JSON schema as `format`, or `"json"` once the server refused
        a schema (older Ollama), remembered for later calls."""
        started = time.perf_counter()
        asked_json = request.response_format == "json"
        modes = ("schema", "json") if self.json_mode(request.model) == "schema" else ("json",)

        async def attempt(mode: str) -> Any:
            return await vendor_http.post_json(
                self._http,
                f"{self._base_url}/api/chat",
                payload=_build_payload(request, stream=False, json_mode=mode, num_ctx=self._window()),
                headers=self._headers,
                error_for=self._mapper(request.model, asked_json=asked_json),
                provider=NAME,
                model=request.model,
                retry=self._retry,
                read_timeout=request.sampling.read_timeout or self._read_timeout,
            )

        key = json_mode_key(self.name, self._base_url, request.model)
        body = await first_accepted(modes if asked_json else modes[:1], attempt, self._json_modes, key)
        return with_latency(_parse_completion(body, model=request.model), started)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        final: dict[str, Any] | None = None
        async with vendor_http.open_stream(
            self._http,
            f"{self._base_url}/api/chat",
            payload=_build_payload(request, stream=True, num_ctx=self._window()),
            headers={**self._headers, "Accept": "application/x-ndjson"},
            error_for=self._mapper(request.model),
            provider=NAME,
            model=request.model,
            retry=self._retry,
            read_timeout=request.sampling.read_timeout or self._read_timeout,
        ) as lines:
            async for line in lines:
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise ProviderBadResponse(provider=NAME, model=request.model) from exc
                if not isinstance(obj, dict):
                    raise ProviderBadResponse(provider=NAME, model=request.model)
                if "error" in obj:
                    raise _error_for(request.model, 500, orjson.dumps(obj), {})
                content = (obj.get("message") or {}).get("content") or ""
                if content:
                    yield CompletionChunk(delta=content, model=str(obj.get("model") or request.model), provider=NAME)
                if obj.get("done"):
                    final = obj
                    break
            if final is None:
                raise ProviderUnavailable("LLM服务的流式响应意外中断", provider=NAME, model=request.model)
        yield CompletionChunk(
            done=True,
            finish_reason=str(final.get("done_reason") or "stop"),
            usage=_usage(final),
            model=first_str(final.get("model"), request.model),
            provider=NAME,
        )

    async def list_models(self) -> list[str]:
        body = await vendor_http.get_json(
            self._http,
            f"{self._base_url}/api/tags",
            headers=self._headers,
            error_for=self._mapper(""),
            provider=NAME,
            retry=self._retry,
        )
        models = body.get("models") if isinstance(body, dict) else None
        return sorted(m["name"] for m in models or [] if isinstance(m, dict) and isinstance(m.get("name"), str))

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by the app's lifespan."""

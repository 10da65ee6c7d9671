"""Small pure helpers the adapters share: message shapes, JSON-schema prompts, error classification."""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sceneintruder.providers import attempts
from sceneintruder.providers.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from sceneintruder.providers.http import RetryPolicy, retry_after_seconds
from sceneintruder.providers.llm.base import ChatMessage, Completion, CompletionRequest, context_tokens_for

_CONTEXT_MARKERS = (
    "context_length",
    "context length",
    "maximum context",
    "too many tokens",
    "prompt is too long",
    "exceeds the maximum number of tokens",
)
_POLICY_MARKERS = ("content_policy", "content policy", "content_filter", "safety", "moderation")
# A server that cannot produce the JSON mode it was asked for names it in its error (llama-cpp-python answers
# 500 to `json_schema`; others 400 "response_format ... not supported"): the next mode is tried at once.
_FORMAT_MARKERS = ("response_format", "json_schema", "json_object", "grammar", "structured output", "format")
FORMAT_REFUSED = "response_format_unsupported"
LOCAL_CONTEXT_TOKENS = 4096  # a local model server whose window is not configured: assume a small one
MAX_READ_TIMEOUT = 3600.0  # `timeout` in llm_config above this is ignored (a typo, not a wish)
PROBE_SECONDS = 2.0  # asking a local server for its window (llama.cpp /props, Ollama /api/show)


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def with_latency(completion: Completion, started: float) -> Completion:
    return dataclasses.replace(completion, latency_ms=elapsed_ms(started))


def sampling_options(request: CompletionRequest, *, max_tokens: str, top_p: str, stop: str) -> dict[str, Any]:
    """The sampling settings the request sets (temperature, token limit, top-p, stop sequences), under the
    vendor's names for the last three."""
    options: dict[str, Any] = {}
    if request.sampling.temperature is not None:
        options["temperature"] = request.sampling.temperature
    if request.sampling.max_tokens:
        options[max_tokens] = request.sampling.max_tokens
    if request.sampling.top_p is not None:
        options[top_p] = request.sampling.top_p
    if request.sampling.stop:
        options[stop] = list(request.sampling.stop)
    return options


def merge_consecutive(turns: tuple[ChatMessage, ...]) -> list[ChatMessage]:
    """Vendors that insist on alternating roles (Anthropic, Gemini) get same-role neighbours joined."""
    merged: list[ChatMessage] = []
    for message in turns:
        if merged and merged[-1].role == message.role:
            merged[-1] = ChatMessage(message.role, f"{merged[-1].content}\n\n{message.content}")
        else:
            merged.append(message)
    return merged


def classify_error(
    *,
    provider: str,
    model: str,
    status: int,
    headers: Mapping[str, str],
    vendor_code: str | None,
    hint: str,
    retryable_429: bool = True,
    asked_json: bool = False,
) -> ProviderError:
    """Map an HTTP failure to our kinds. `hint` is the vendor's code/type/message, lowercased, used only to
    tell context-window, content-policy and (when the call asked for JSON) JSON-mode refusals apart; it is
    never echoed. A JSON-mode refusal is never retried as it is: `vendor_code` FORMAT_REFUSED."""
    common: dict[str, Any] = {"provider": provider, "model": model, "vendor_code": vendor_code}
    if asked_json and status not in (401, 403, 408, 429) and any(marker in hint for marker in _FORMAT_MARKERS):
        common["vendor_code"] = FORMAT_REFUSED
        return ProviderRejected("LLM服务不支持所请求的JSON输出模式", kind="bad_request", **common)
    if status in (401, 403):
        return ProviderAuthError(**common)
    if status == 429:
        return ProviderRateLimited(retry_after=retry_after_seconds(headers), retryable=retryable_429, **common)
    if status == 408:
        return ProviderTimeout(**common)
    if status >= 500:
        return ProviderUnavailable(**common)
    if any(marker in hint for marker in _CONTEXT_MARKERS):
        return ProviderRejected("输入超出了模型的上下文长度", kind="context_window", **common)
    if any(marker in hint for marker in _POLICY_MARKERS):
        return ProviderRejected("内容被LLM服务的安全策略拒绝", kind="content_policy", **common)
    return ProviderRejected(kind="bad_request", **common)


def first_str(*values: Any) -> str:
    for value in values:
        if isinstance(value, str) and value:
            return value
    return ""


def context_window(options: Mapping[str, str], base_url: str, model: str) -> int:
    """The model's context window in tokens: `context_window` from the provider's settings when set; for a
    server on this machine or a private network (Ollama, llama.cpp, LM Studio, vLLM), LOCAL_CONTEXT_TOKENS;
    else the catalog's figure for the model's family."""
    configured = str(options.get("context_window") or "").strip()
    if configured.isdigit() and int(configured) >= 512:
        return int(configured)
    return LOCAL_CONTEXT_TOKENS if is_local_url(base_url) else context_tokens_for(model)


def read_timeout_of(options: Mapping[str, str]) -> float | None:
    """`timeout` from the provider's settings, in seconds, as the read timeout of its calls; None: the app's."""
    try:
        seconds = float(str(options.get("timeout") or "").strip())
    except ValueError:
        return None
    return seconds if 0 < seconds <= MAX_READ_TIMEOUT else None


def retry_for(base_url: str, retry: RetryPolicy) -> RetryPolicy:
    """A local model server computes one request at a time and keeps computing one whose client gave up: a
    timed-out call (its connection already closed by httpx) is retried at most once there, so the same request
    never queues behind itself."""
    return dataclasses.replace(retry, max_timeout_retries=1) if is_local_url(base_url) else retry


@functools.lru_cache(maxsize=256)  # asked on every call; a URL's answer never changes
def is_local_url(url: str) -> bool:
    host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def json_mode_key(provider: str, base_url: str, model: str) -> str:
    """Where a learned JSON mode is kept (`ProviderDeps.json_modes`): one per provider, endpoint and model."""
    return f"{provider}|{base_url}|{model}"


async def first_accepted(
    modes: Sequence[str], attempt: Callable[[str], Awaitable[Any]], learned: MutableMapping[str, str], model: str
) -> Any:
    """`attempt(mode)` for each JSON mode in turn until the server accepts one: a refusal that names the mode
    (FORMAT_REFUSED) moves to the next at once and records it in `learned[model]`; any other error, or a refusal
    of the last mode, is raised."""
    for position, mode in enumerate(modes):
        started = time.perf_counter()
        try:
            return await attempt(mode)
        except ProviderRejected as error:
            if error.vendor_code != FORMAT_REFUSED or position + 1 == len(modes):
                raise
            attempts.note(error, started, outcome=attempts.FORMAT_REFUSED_OUTCOME)
            learned[model] = modes[position + 1]
    raise AssertionError("unreachable: the last mode's error is re-raised")

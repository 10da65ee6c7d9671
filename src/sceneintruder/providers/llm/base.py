"""The LLM provider Protocol and its value types (frozen dataclasses, typed fields, no option dicts).

Adapters implement `LLMProvider` structurally (no inheritance). A request carries the full multi-turn message
list; each adapter maps it onto its vendor's shape (system prompt field, roles) without folding turns together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]
ResponseFormat = Literal["text", "json"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Sampling:
    """How one call samples, from the domain's call site to the adapter: one value object, not ten keywords."""

    model: str | None = None  # None: the provider's default model
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    reasoning: bool = False  # thinking/reasoning modes are off unless a call asks (spec §6.3)
    extra: Mapping[str, Any] = field(default_factory=dict)  # vendor-only knobs, merged into the body last
    read_timeout: float | None = None  # per-call override of the client's read timeout


@dataclass(frozen=True)
class CompletionRequest:
    """One call. `task` and `inputs` are for the offline provider, which computes its answer from them with the
    skill registered for `task`; vendors ignore both. `extra` is merged into the vendor body last (escape hatch
    for vendor-only knobs); it never overrides the typed fields' meaning silently: adapters apply it after them.
    """

    messages: tuple[ChatMessage, ...]
    model: str  # resolved: the call's model, or the provider's default
    sampling: Sampling = field(default_factory=Sampling)
    response_format: ResponseFormat = "text"
    json_schema: Mapping[str, Any] | None = None
    schema_name: str = "result"
    task: str = ""
    inputs: Mapping[str, Any] | None = None

    @property
    def system_text(self) -> str:
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def turns(self) -> tuple[ChatMessage, ...]:
        """The user/assistant turns, in order (system messages taken out)."""
        return tuple(m for m in self.messages if m.role != "system")


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str
    usage: Usage
    model: str
    provider: str
    latency_ms: float = 0.0
    fallback_reason: str = ""  # set when the offline provider answered because a model's reply was unusable


@dataclass(frozen=True)
class CompletionChunk:
    """A streamed delta. The last chunk has `done=True` and carries finish_reason and usage."""

    delta: str = ""
    done: bool = False
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str = ""
    provider: str = ""


@dataclass(frozen=True)
class LLMCapabilities:
    streaming: bool = True
    json_mode: bool = False  # the vendor can be asked for JSON output natively
    max_context_tokens: int = 8192


class LLMProvider(Protocol):
    name: str
    default_model: str

    @property
    def capabilities(self) -> LLMCapabilities: ...

    async def complete(self, request: CompletionRequest) -> Completion: ...

    def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]: ...

    async def list_models(self) -> list[str]: ...

    async def aclose(self) -> None: ...


def context_tokens_for(model: str) -> int:
    """A conservative context size by model family, for chunking long inputs (vendors do not report it)."""
    name = model.lower()
    for marker, size in _CONTEXT_SIZES:
        if marker in name:
            return size
    return 32_768


_CONTEXT_SIZES: tuple[tuple[str, int], ...] = (
    ("gemini", 1_000_000),
    ("gpt-4.1", 1_000_000),
    ("claude", 200_000),
    ("gpt-5", 272_000),
    ("o3", 200_000),
    ("o4", 200_000),
    ("gpt-4o", 128_000),
    ("grok", 128_000),
    ("deepseek", 64_000),
    ("qwen", 128_000),
    ("mistral", 128_000),
    ("glm", 128_000),
    ("kimi", 128_000),
    ("llama", 128_000),
    ("builtin", 1_000_000),
)


@dataclass(frozen=True)
class ProviderConfig:
    """What a provider factory needs: the stored (or environment) settings of one provider, secrets opened."""

    name: str
    api_key: str = ""
    base_url: str = ""  # empty: the vendor's default
    default_model: str = ""  # empty: the catalog's default
    options: Mapping[str, str] = field(default_factory=dict)  # organization, app_name, http_referer, ...

    def __repr__(self) -> str:  # never print the key
        return f"ProviderConfig(name={self.name!r}, base_url={self.base_url!r}, default_model={self.default_model!r})"

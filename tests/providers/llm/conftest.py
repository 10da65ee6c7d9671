"""Adapters against fake vendors on 127.0.0.1: one fixture builds (fake, provider) for a wire family."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from sceneintruder.providers.http import RetryPolicy, build_http_client
from sceneintruder.providers.llm.base import ChatMessage, CompletionRequest, LLMProvider, ProviderConfig, Sampling
from sceneintruder.providers.llm.builtin import OfflineSkills
from sceneintruder.providers.registry import ProviderDeps, default_registry
from tests.fakes._base import API_KEY, FakeVendor
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai_compatible import FakeOpenAI

# provider name -> (fake class, path prefix of its base URL, a model it is called with)
FAMILIES: dict[str, tuple[type[FakeVendor], str, str]] = {
    "openai": (FakeOpenAI, "/v1", "gpt-4.1"),
    "anthropic": (FakeAnthropic, "", "claude-haiku-4-5"),
    "google": (FakeGemini, "/v1beta", "gemini-2.5-flash"),
    "ollama": (FakeOllama, "", "llama3.2"),
}
OPENAI_PREFIX = {"githubmodels": "/inference"}


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def retry(sleeps: list[float]) -> RetryPolicy:
    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    return RetryPolicy(max_retries=2, base_delay=0.5, sleep=no_wait, random=lambda: 0.5)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = build_http_client(read_timeout=5.0)
    yield client
    await client.aclose()


VendorFactory = Callable[..., contextlib.AbstractAsyncContextManager[tuple[Any, LLMProvider]]]


@pytest.fixture
def vendor(http: httpx.AsyncClient, retry: RetryPolicy) -> VendorFactory:
    @contextlib.asynccontextmanager
    async def make(name: str, *, policy: RetryPolicy | None = None, **config: Any) -> AsyncIterator[tuple[Any, Any]]:
        family = name if name in FAMILIES else "openai"
        fake_class, prefix, _ = FAMILIES[family]
        api_key = config.pop("api_key", API_KEY)
        fake = fake_class(api_key=api_key)
        async with fake.serving(fake.app()) as base:
            provider_config = ProviderConfig(
                name=name,
                api_key=api_key,
                base_url=base + OPENAI_PREFIX.get(name, prefix),
                default_model=config.pop("default_model", ""),
                options=config.pop("options", {}),
            )
            deps = ProviderDeps(http=http, retry=policy or retry, skills=OfflineSkills())
            yield fake, default_registry().build(provider_config, deps)

    return make


SAMPLING_FIELDS = frozenset(f.name for f in dataclasses.fields(Sampling))


def request(model: str, *messages: tuple[str, str], **fields: Any) -> CompletionRequest:
    """A request; sampling fields (temperature, max_tokens, ...) go into its `Sampling`."""
    turns = messages or (("system", "Be brief."), ("user", "Hello"))
    sampling = Sampling(**{k: v for k, v in fields.items() if k in SAMPLING_FIELDS})
    rest = {k: v for k, v in fields.items() if k not in SAMPLING_FIELDS}
    return CompletionRequest(
        messages=tuple(ChatMessage(r, c) for r, c in turns), model=model, sampling=sampling, **rest
    )


async def collect(provider: LLMProvider, req: CompletionRequest) -> list[Any]:
    return [chunk async for chunk in provider.stream(req)]

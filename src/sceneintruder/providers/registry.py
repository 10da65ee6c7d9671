"""The explicit map of provider names to factories (no plugins, no lookup by string of classes).

`ProviderRegistry.build(config, deps)` returns a ready adapter or raises ProviderConfigError; it makes no
network call, so the settings service can build the new provider before it commits a save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field

import httpx

from sceneintruder.providers.errors import ProviderConfigError
from sceneintruder.providers.http import RetryPolicy
from sceneintruder.providers.llm.anthropic import AnthropicProvider
from sceneintruder.providers.llm.base import LLMProvider, ProviderConfig
from sceneintruder.providers.llm.builtin import BuiltinProvider, OfflineSkills
from sceneintruder.providers.llm.catalog import BUILTIN, spec_for
from sceneintruder.providers.llm.gemini import GeminiProvider
from sceneintruder.providers.llm.ollama import OllamaProvider
from sceneintruder.providers.llm.openai_compatible import FAMILY, OpenAICompatibleProvider


@dataclass(frozen=True)
class ProviderDeps:
    """What adapters share: the lifespan's HTTP client, the retry policy, the offline skills."""

    http: httpx.AsyncClient
    retry: RetryPolicy
    skills: OfflineSkills
    # The JSON mode each model server accepted, by "provider|base_url|model": kept across provider rebuilds, and
    # shared by every worker when the settings domain passes a mapping told through the cluster bus.
    json_modes: MutableMapping[str, str] = field(default_factory=dict)


Factory = Callable[[ProviderConfig, ProviderDeps], LLMProvider]


def _openai_family(config: ProviderConfig, deps: ProviderDeps) -> LLMProvider:
    return OpenAICompatibleProvider(config, http=deps.http, retry=deps.retry, json_modes=deps.json_modes)


def _anthropic(config: ProviderConfig, deps: ProviderDeps) -> LLMProvider:
    return AnthropicProvider(config, http=deps.http, retry=deps.retry)


def _gemini(config: ProviderConfig, deps: ProviderDeps) -> LLMProvider:
    return GeminiProvider(config, http=deps.http, retry=deps.retry)


def _ollama(config: ProviderConfig, deps: ProviderDeps) -> LLMProvider:
    return OllamaProvider(config, http=deps.http, retry=deps.retry, json_modes=deps.json_modes)


def _builtin(_: ProviderConfig, deps: ProviderDeps) -> LLMProvider:
    return BuiltinProvider(deps.skills)


class ProviderRegistry:
    def __init__(self, factories: Mapping[str, Factory]) -> None:
        self._factories = dict(factories)

    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def build(self, config: ProviderConfig, deps: ProviderDeps) -> LLMProvider:
        factory = self._factories.get(config.name)
        spec = spec_for(config.name)
        if factory is None or spec is None:
            raise ProviderConfigError(f"unknown LLM provider: {config.name}")
        if spec.needs_key and not config.api_key:
            raise ProviderConfigError("API key not configured")
        if config.name != BUILTIN and not (config.base_url or spec.base_url):
            raise ProviderConfigError(f"{config.name} needs a base_url")
        return factory(config, deps)


def default_registry() -> ProviderRegistry:
    factories: dict[str, Factory] = {name: _openai_family for name in FAMILY}
    factories.update({"anthropic": _anthropic, "google": _gemini, "ollama": _ollama, BUILTIN: _builtin})
    return ProviderRegistry(factories)

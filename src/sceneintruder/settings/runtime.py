"""What the settings service works with at run time, and how a configuration becomes the live LLM chain.

Order of precedence for the active LLM: the stored settings (`POST /api/settings`), else the environment
(`LLM_PROVIDER`, or the first vendor whose key variable is set, with `LLM_MODEL`/`LLM_BASE_URL`/`OLLAMA_HOST`),
else the offline `builtin` provider. A configuration that names a provider but cannot be used (no key, a key
that no longer decrypts) is reported as not ready: calls then fail with LLM_NOT_READY instead of quietly
answering with placeholder text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sceneintruder.core.secretbox import SecretBox, SecretBoxError
from sceneintruder.core.settings import Settings
from sceneintruder.providers.errors import ProviderConfigError
from sceneintruder.providers.llm.base import LLMProvider, ProviderConfig
from sceneintruder.providers.llm.catalog import BUILTIN, SPECS, spec_for
from sceneintruder.providers.llm.client import ActiveLLM, LLMClient
from sceneintruder.providers.registry import ProviderDeps, ProviderRegistry
from sceneintruder.settings.document import Section
from sceneintruder.settings.usage import UsageLedger

log = logging.getLogger("sceneintruder.settings")

STATE_NO_PROVIDER = "LLM provider not configured"
STATE_NO_KEY = "API key not configured"
STATE_UNDECRYPTABLE = "Cannot decrypt the stored API key (was CONFIG_ENCRYPTION_KEY changed?)"
_MODEL_FIELDS = ("default_model", "model")
_NOT_OPTIONS = frozenset({"base_url", *_MODEL_FIELDS})


@dataclass
class SettingsRuntime:
    settings: Settings
    box: SecretBox
    registry: ProviderRegistry
    deps: ProviderDeps
    probe_deps: ProviderDeps  # no retries: a connection test answers at once
    llm: LLMClient
    started_at: datetime
    ledger: UsageLedger | None = None
    announce_saved: Callable[[], None] = lambda: None  # tells the other workers (wired by service.install)


@dataclass(frozen=True)
class Resolved:
    """A provider configuration and where it came from, or (config None) why there is none."""

    config: ProviderConfig | None
    source: str  # settings | environment | builtin
    state: str = "Ready"


def config_from_section(section: Section, secrets: dict[str, str]) -> ProviderConfig:
    plain = section.config
    model = next((plain[f] for f in _MODEL_FIELDS if plain.get(f)), "")
    return ProviderConfig(
        name=section.provider,
        api_key=secrets.get("api_key", ""),
        base_url=plain.get("base_url", ""),
        default_model=model,
        options={k: v for k, v in plain.items() if k not in _NOT_OPTIONS},
    )


def env_key(settings: Settings, name: str) -> str:
    spec = SPECS.get(name)
    for field_name in spec.env_keys if spec else ():
        value = getattr(settings, field_name)
        if value is not None and value.get_secret_value():
            return value.get_secret_value()
    return ""


def env_config(settings: Settings, name: str, *, primary: bool) -> ProviderConfig | None:
    spec = spec_for(name)
    if spec is None:
        return None
    base_url = settings.llm_base_url if primary else ""
    if name == "ollama" and not base_url:
        base_url = settings.ollama_host
    options = {}
    if primary and settings.llm_context_window:
        options["context_window"] = str(settings.llm_context_window)
    if primary and settings.llm_json_mode:
        options["json_mode"] = settings.llm_json_mode
    return ProviderConfig(
        name=spec.name,
        api_key=env_key(settings, spec.name),
        base_url=base_url,
        default_model=settings.llm_model if primary else "",
        options=options,
    )


def env_provider_name(settings: Settings) -> str:
    if settings.llm_provider:
        return settings.llm_provider.strip().lower()
    for spec in SPECS.values():
        if spec.env_keys and env_key(settings, spec.name):
            return spec.name
    return "ollama" if settings.ollama_host else ""


def resolve(settings: Settings, box: SecretBox, llm: Section | None) -> Resolved:
    if llm is not None and llm.provider and llm.provider != BUILTIN:
        try:
            secrets = llm.open_secrets("llm", box)
        except SecretBoxError:
            return Resolved(None, "settings", STATE_UNDECRYPTABLE)
        return Resolved(config_from_section(llm, secrets), "settings")
    if llm is not None and llm.provider == BUILTIN:
        return Resolved(ProviderConfig(BUILTIN), "builtin")
    name = env_provider_name(settings)
    if not name or name == BUILTIN:
        return Resolved(ProviderConfig(BUILTIN), "builtin")
    config = env_config(settings, name, primary=True)
    if config is None:
        return Resolved(None, "environment", f"Configuration failed: unknown LLM_PROVIDER {name!r}")
    return Resolved(config, "environment")


def build_active(runtime: SettingsRuntime, resolved: Resolved) -> ActiveLLM:
    """Never raises: a configuration that does not build is an ActiveLLM that is not ready, with the reason."""
    if resolved.config is None:
        return ActiveLLM(primary=None, state=resolved.state, source=resolved.source)
    try:
        primary = runtime.registry.build(resolved.config, runtime.deps)
    except ProviderConfigError as exc:
        state = STATE_NO_KEY if str(exc) == STATE_NO_KEY else f"Configuration failed: {exc}"
        return ActiveLLM(primary=None, state=state, source=resolved.source)
    return ActiveLLM(primary=primary, source=resolved.source, fallbacks=_fallbacks(runtime, primary.name))


def _fallbacks(runtime: SettingsRuntime, primary: str) -> tuple[LLMProvider, ...]:
    chain = []
    for name in runtime.settings.fallback_provider_list:
        config = ProviderConfig(BUILTIN) if name == BUILTIN else env_config(runtime.settings, name, primary=False)
        if name == primary or config is None:
            continue
        try:
            chain.append(runtime.registry.build(config, runtime.deps))
        except ProviderConfigError as exc:
            log.warning("fallback LLM provider %s skipped: %s", name, exc)
    return tuple(chain)

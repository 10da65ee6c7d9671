"""Validating and merging a settings save, before anything is written (used by `service` only).

Each part of a save is prepared first (values stringified, secrets split out, URLs SSRF-checked; host names
are resolved here, before the database is touched), then merged with what is stored: secrets carried over
only for the same provider and endpoint, keys required where the provider needs one, and the new LLM provider
built, so a save that would leave the LLM unusable is refused as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sceneintruder.core.secretbox import SecretBoxError
from sceneintruder.providers.llm.base import ProviderConfig
from sceneintruder.providers.llm.catalog import BUILTIN, spec_for
from sceneintruder.providers.llm.client import ActiveLLM
from sceneintruder.providers.urls import UnsafeURL, check_base_url, resolve_host
from sceneintruder.settings import catalog, document
from sceneintruder.settings.document import Section
from sceneintruder.settings.errors import InvalidSettings
from sceneintruder.settings.models import SINGLETON_ID, ProviderSettings
from sceneintruder.settings.runtime import Resolved, SettingsRuntime, build_active, config_from_section

KEYLESS_VISION = frozenset({"placeholder", "sdwebui"})


async def checked_url(runtime: SettingsRuntime, url: str, *, local: bool) -> str:
    resolved = await resolve_host(url)
    try:
        return check_base_url(
            url, local_allowed=local, allow_private=runtime.settings.allow_private_provider_urls, resolved=resolved
        )
    except UnsafeURL as exc:
        raise InvalidSettings("base_url 不被允许", details=str(exc)) from exc


def split(section: str, raw: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    try:
        return document.split_fields(section, raw or {})
    except ValueError as exc:
        raise InvalidSettings(details=str(exc)) from exc


@dataclass
class Part:
    provider: str
    plain: dict[str, str]
    secrets: dict[str, str]


async def prepare_llm(runtime: SettingsRuntime, provider: str, raw: dict[str, Any], *, inject_default: bool) -> Part:
    name = provider.strip().lower()
    if name == BUILTIN:
        return Part(BUILTIN, {}, {})
    spec = spec_for(name)
    if spec is None:
        raise InvalidSettings("不支持的LLM提供商", details=name)
    plain, secrets = split("llm", raw)
    if plain.get("base_url"):
        plain["base_url"] = await checked_url(runtime, plain["base_url"], local=spec.local)
    elif not spec.base_url:
        raise InvalidSettings("该提供商需要 base_url", details="base_url")
    if inject_default and not (plain.get("default_model") or plain.get("model")) and spec.default_model:
        plain["default_model"] = spec.default_model
    return Part(name, plain, secrets)


async def prepare_media(runtime: SettingsRuntime, name: str, provider: str, raw: dict[str, Any] | None) -> Part:
    allowed = catalog.VISION_PROVIDERS if name == "vision" else catalog.VIDEO_PROVIDERS
    offline = "placeholder" if name == "vision" else "mock"
    provider = provider.strip().lower()
    if provider not in allowed:
        raise InvalidSettings(f"不支持的{name}提供商", details=provider)
    plain, secrets = split(name, raw)
    for key in ("endpoint", "base_url"):
        if plain.get(key):
            plain[key] = await checked_url(runtime, plain[key], local=provider in catalog.LOCAL_SERVERS)
    if provider != offline and not document.endpoint_of(name, plain):
        raise InvalidSettings("需要 endpoint 或 base_url", details=f"{name}_config.endpoint")
    return Part(provider, plain, secrets)


def merge_llm(runtime: SettingsRuntime, current: Section, part: Part) -> tuple[Section, ActiveLLM]:
    if part.provider == BUILTIN:
        section = Section(BUILTIN)
        return section, build_active(runtime, Resolved(ProviderConfig(BUILTIN), "builtin"))
    merged = document.merge(
        "llm", current, provider=part.provider, plain=part.plain, secrets=part.secrets, box=runtime.box
    )
    spec = spec_for(part.provider)
    if spec is not None and spec.needs_key and "api_key" not in merged.section.sealed:
        if "api_key" in merged.dropped_secrets:
            raise InvalidSettings(
                "更换提供商或 base_url 时必须重新提供 API 密钥", details="a stored key is never sent to a new address"
            )
        raise InvalidSettings("API密钥不能为空", details="api_key")
    try:
        clear = merged.section.open_secrets("llm", runtime.box)
    except SecretBoxError as exc:
        raise InvalidSettings("已保存的API密钥无法解密，请重新提供", details="api_key") from exc
    active = build_active(runtime, Resolved(config_from_section(merged.section, clear), "settings"))
    if active.primary is None:
        raise InvalidSettings(details=active.state)
    return merged.section, active


def merge_media(runtime: SettingsRuntime, name: str, current: Section, part: Part) -> Section:
    merged = document.merge(
        name, current, provider=part.provider, plain=part.plain, secrets=part.secrets, box=runtime.box
    )
    keyless = part.provider in KEYLESS_VISION or part.provider == "mock"
    if not keyless and "api_key" in merged.dropped_secrets and "api_key" not in merged.section.sealed:
        raise InvalidSettings(
            "更换提供商或 endpoint 时必须重新提供 API 密钥", details="a stored key is never sent to a new address"
        )
    return merged.section


def new_row() -> ProviderSettings:
    return ProviderSettings(
        id=SINGLETON_ID,
        llm_provider="",
        llm_config={},
        vision_provider=catalog.DEFAULT_VISION_PROVIDER,
        vision_default_model=catalog.DEFAULT_VISION_MODEL,
        vision_config={},
        vision_model_providers={},
        video_provider=catalog.DEFAULT_VIDEO_PROVIDER,
        video_default_model=catalog.DEFAULT_VIDEO_MODEL,
        video_config={},
        video_model_providers={},
        sealed_secrets={},
        version=0,
    )


def store(row: ProviderSettings, name: str, section: Section) -> None:
    setattr(row, f"{name}_provider", section.provider)
    setattr(row, f"{name}_config", dict(section.config))
    sealed = dict(row.sealed_secrets or {})
    sealed[name] = dict(section.sealed)
    row.sealed_secrets = sealed

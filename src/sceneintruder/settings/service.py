"""Settings: read and save the provider configuration (all-or-nothing, admin-only at the router), switch the
live LLM in step with the save, test connections, report LLM status, and expose LLM usage totals.

A save validates everything first (URLs SSRF-checked, keys required where the provider needs one, the new
LLM provider built), then commits once, then swaps the live provider before the response is sent. URL checks
resolve host names before the database is touched, so no transaction waits on DNS.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.secretbox import SecretBox, SecretBoxError
from sceneintruder.core.settings import Settings
from sceneintruder.db.session import Database
from sceneintruder.providers.errors import ProviderConfigError, ProviderError
from sceneintruder.providers.http import RetryPolicy
from sceneintruder.providers.llm.base import ChatMessage, ProviderConfig, Sampling
from sceneintruder.providers.llm.catalog import BUILTIN, spec_for
from sceneintruder.providers.llm.client import ActiveLLM, CallInfo, LLMClient
from sceneintruder.providers.registry import ProviderDeps, default_registry
from sceneintruder.settings import catalog, offline, saving
from sceneintruder.settings import usage as usage_service
from sceneintruder.settings.document import Section
from sceneintruder.settings.errors import (
    ConnectionFailed,
    ConnectionTestFailed,
    InvalidSettings,
    InvalidTestConfig,
    LLMNotConfigured,
)
from sceneintruder.settings.json_modes import SharedJsonModes
from sceneintruder.settings.models import SINGLETON_ID, ProviderSettings
from sceneintruder.settings.offline import TEST_CONNECTION
from sceneintruder.settings.runtime import (
    STATE_NO_KEY,
    STATE_NO_PROVIDER,
    STATE_UNDECRYPTABLE,
    SettingsRuntime,
    build_active,
    config_from_section,
    env_key,
    env_provider_name,
    resolve,
)
from sceneintruder.settings.schemas import ConnectionTest, LLMConfigUpdate, SettingsSave
from sceneintruder.settings.usage import PriceTable, UsageLedger
from sceneintruder.web.state import AppState

log = logging.getLogger("sceneintruder.settings")

PROBE_MESSAGES = (ChatMessage("system", "You are a helpful assistant."), ChatMessage("user", "Hello"))


@dataclass(frozen=True)
class ConfigOverview:
    """What /api/config/health and /api/config/metrics report about the configuration."""

    provider: str  # the configured vendor ("" when only the offline provider is available)
    has_key: bool
    key_ok: bool  # has a key, or the provider needs none
    model: str
    version: int
    last_updated: datetime


# --- reading ----------------------------------------------------------------------------------------------------


async def load(session: AsyncSession) -> ProviderSettings | None:
    return await session.get(ProviderSettings, SINGLETON_ID)


def sections(row: ProviderSettings | None) -> dict[str, Section]:
    if row is None:
        return {
            "llm": Section(""),
            "vision": Section(catalog.DEFAULT_VISION_PROVIDER),
            "video": Section(catalog.DEFAULT_VIDEO_PROVIDER),
        }
    sealed = row.sealed_secrets or {}
    return {
        "llm": Section(row.llm_provider, dict(row.llm_config or {}), dict(sealed.get("llm", {}))),
        "vision": Section(
            row.vision_provider or catalog.DEFAULT_VISION_PROVIDER,
            dict(row.vision_config or {}),
            dict(sealed.get("vision", {})),
        ),
        "video": Section(
            row.video_provider or catalog.DEFAULT_VIDEO_PROVIDER,
            dict(row.video_config or {}),
            dict(sealed.get("video", {})),
        ),
    }


@dataclass(frozen=True)
class MediaSettings:
    """The stored image (`vision`) or video settings, secrets opened, for the studios' providers.

    `ready` is False (with `state` saying why) when the section names a vendor whose key is missing or no
    longer opens: the studios then say so instead of quietly using another provider."""

    provider: str
    config: dict[str, str]
    secrets: dict[str, str]
    default_model: str
    model_providers: dict[str, str]
    ready: bool = True
    state: str = "Ready"

    @property
    def endpoint(self) -> str:
        return (self.config.get("endpoint") or self.config.get("base_url") or "").strip()


async def media_settings(db: Database, runtime: SettingsRuntime, name: str) -> MediaSettings:
    """`name` is "vision" or "video"."""
    async with db.reader() as session:
        row = await load(session)
    section = sections(row)[name]
    default_model = ""
    if row is not None:
        default_model = (row.vision_default_model if name == "vision" else row.video_default_model) or ""
    model_providers = dict((row.vision_model_providers if name == "vision" else None) or {}) if row else {}
    try:
        secrets = section.open_secrets(name, runtime.box)
    except SecretBoxError:
        return MediaSettings(
            section.provider, dict(section.config), {}, default_model, model_providers, False, STATE_UNDECRYPTABLE
        )
    keyless = section.provider in saving.KEYLESS_VISION or section.provider == "mock"
    ready, state = True, "Ready"
    if not keyless and not secrets.get("api_key"):
        ready, state = False, STATE_NO_KEY
    return MediaSettings(section.provider, dict(section.config), secrets, default_model, model_providers, ready, state)


def _masked(name: str, section: Section, runtime: SettingsRuntime) -> dict[str, Any]:
    """Plain fields plus `has_<secret>` flags; a secret itself is never returned."""
    readable = section.readable_secret_fields(name, runtime.box)
    masked: dict[str, Any] = dict(section.config)
    masked["has_api_key"] = "api_key" in readable
    for field_name in sorted(readable - {"api_key"}):
        masked[f"has_{field_name}"] = True
    return masked


def read_settings(row: ProviderSettings | None, runtime: SettingsRuntime) -> dict[str, Any]:
    parts = sections(row)
    overview = _overview(row, runtime)
    llm_config = _masked("llm", parts["llm"], runtime)
    if not parts["llm"].provider and overview.provider:  # nothing stored: show the environment's choice
        llm_config["has_api_key"] = overview.has_key
        llm_config.setdefault("default_model", overview.model)
    status = runtime.llm.status()
    provider = parts["llm"].provider or overview.provider
    if not provider and status.provider == BUILTIN:
        # The offline provider is what answers: say so, so the settings page shows it (and tests it) instead of
        # falling back to its first entry, OpenAI, with no key.
        provider = BUILTIN
        overview_model: str = BUILTIN
    else:
        overview_model = overview.model
    llm_config["model"] = llm_config.get("default_model") or llm_config.get("model") or overview_model
    return {
        "llm_provider": provider,
        "debug_mode": False,
        "port": runtime.settings.port,
        "llm_config": llm_config,
        "vision_provider": parts["vision"].provider,
        "vision_default_model": (row.vision_default_model if row else "") or catalog.DEFAULT_VISION_MODEL,
        "vision_config": _masked("vision", parts["vision"], runtime),
        "vision_model_providers": dict(row.vision_model_providers or {}) if row else {},
        "vision_models": row.vision_models
        if row and row.vision_models is not None
        else catalog.default_vision_models(),
        "video_provider": parts["video"].provider,
        "video_default_model": (row.video_default_model if row else "") or catalog.DEFAULT_VIDEO_MODEL,
        "video_config": _masked("video", parts["video"], runtime),
        "video_model_providers": dict(row.video_model_providers or {}) if row else {},
        "video_models": row.video_models if row and row.video_models is not None else catalog.default_video_models(),
        **_media_readiness(parts, runtime),
        "llm_active_provider": status.provider,
        "llm_source": status.source,
    }


def _media_readiness(parts: dict[str, Section], runtime: SettingsRuntime) -> dict[str, Any]:
    """Whether the configured image and video vendors can be used (spec comic-video 8.18): a vendor named
    without its key is not ready, and the studios then work offline, saying so."""
    out: dict[str, Any] = {}
    for name in ("vision", "video"):
        section = parts[name]
        readable = section.readable_secret_fields(name, runtime.box)
        keyless = section.provider in saving.KEYLESS_VISION or section.provider in ("mock", "")
        missing = [] if keyless else [f for f in ("api_key",) if f not in readable]
        if section.provider == "kling" and "secret_key" not in readable:
            missing.append("secret_key")
        out[f"{name}_provider_ready"] = not missing
        out[f"{name}_provider_state"] = "Ready" if not missing else f"missing: {', '.join(missing)}"
    return out


def _overview(row: ProviderSettings | None, runtime: SettingsRuntime) -> ConfigOverview:
    version = row.version if row else 0
    last_updated = row.updated_at if row else runtime.started_at
    llm = sections(row)["llm"]
    if llm.provider == BUILTIN or (not llm.provider and not env_provider_name(runtime.settings)):
        return ConfigOverview("", False, False, "", version, last_updated)
    if llm.provider:
        has_key = "api_key" in llm.readable_secret_fields("llm", runtime.box)
        model = llm.config.get("default_model") or llm.config.get("model") or ""
        name = llm.provider
    else:
        name = env_provider_name(runtime.settings)
        has_key = bool(env_key(runtime.settings, name))
        model = runtime.settings.llm_model
    spec = spec_for(name)
    key_ok = has_key or (spec is not None and not spec.needs_key)
    return ConfigOverview(name, has_key, key_ok, model or (spec.default_model if spec else ""), version, last_updated)


async def config_overview(session: AsyncSession, runtime: SettingsRuntime) -> ConfigOverview:
    return _overview(await load(session), runtime)


async def llm_status(session: AsyncSession, runtime: SettingsRuntime) -> dict[str, Any]:
    status = runtime.llm.status()
    overview = _overview(await load(session), runtime)
    config: dict[str, Any] = {"provider": overview.provider or status.provider, "has_api_key": overview.has_key}
    if overview.model or status.model:
        config["model"] = overview.model or status.model
    data: dict[str, Any] = {
        "ready": status.ready,
        "status": status.state,
        "provider": status.provider,
        "config": config,
        "source": status.source,
        "fallbacks": list(status.fallbacks),
        "offline": status.provider == BUILTIN,
        "json_mode": status.json_mode,
        "context_window": status.context_window,
    }
    if not status.ready:
        data["configured"] = bool(overview.provider and overview.has_key)
    return data


async def list_models(session: AsyncSession, *, provider: str | None) -> dict[str, Any]:
    name = (provider or "").strip().lower()
    if not name:
        raise BadRequest("缺少提供商参数")
    spec = spec_for(name)
    if spec is None:
        raise BadRequest("不支持的LLM提供商", details=name)
    models = list(spec.models)
    row = await load(session)
    if row is not None and row.llm_provider == name:
        models += [m for m in _custom_models(row.llm_config or {}) if m not in models]
    return {"provider": name, "models": models, "count": len(models)}


def _custom_models(config: dict[str, str]) -> list[str]:
    try:
        value = orjson.loads(config.get("custom_models") or "[]")
    except orjson.JSONDecodeError:
        return []
    return [m for m in value if isinstance(m, str) and m] if isinstance(value, list) else []


# --- start-up ---------------------------------------------------------------------------------------------------


def install(state: AppState, *, http: httpx.AsyncClient) -> SettingsRuntime:
    """The settings domain, built once: its offline skills and its runtime (`start` then applies what is stored)."""
    offline.register(state.llm)
    runtime = create_runtime(
        state.settings, db=state.db, http=http, llm=state.llm, json_modes=SharedJsonModes(state.bus)
    )
    state.coherence.share("llm_settings", _StoredSettingsFollower(state.db, runtime))
    return runtime


class _StoredSettingsFollower:
    """The live LLM is a copy of the stored settings: a save on another worker makes this one read them again.

    Shared through cluster.coherence like a read cache (its one "key" is the whole settings row)."""

    def __init__(self, db: Database, runtime: SettingsRuntime) -> None:
        self._db, self._runtime = db, runtime
        self._reloads: set[asyncio.Task[None]] = set()

    def attach(self, announce: Callable[[Sequence[str] | None], None]) -> None:
        self._runtime.announce_saved = lambda: announce(None)

    def drop_remote(self, keys: Sequence[str] | None) -> None:
        task = asyncio.create_task(self._reload(), name="settings-reload")
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def _reload(self) -> None:
        try:
            await reload_stored(self._db, self._runtime)
        except Exception:
            log.exception("could not apply the settings saved on another worker")


def create_runtime(
    settings: Settings,
    *,
    db: Database,
    http: httpx.AsyncClient,
    llm: LLMClient,
    json_modes: MutableMapping[str, str] | None = None,
) -> SettingsRuntime:
    """Everything the settings service needs (nothing is built at import). `json_modes`: the JSON modes servers
    accepted, shared by the workers (settings.json_modes); a map of this process's own when not given."""
    learned: MutableMapping[str, str] = {} if json_modes is None else json_modes
    retry = RetryPolicy(max_retries=settings.llm_max_retries)
    ledger = UsageLedger(db, PriceTable.load(settings.llm_price_table))
    return SettingsRuntime(
        settings=settings,
        box=SecretBox.from_sources(
            env_key=settings.config_encryption_key.get_secret_value() if settings.config_encryption_key else None,
            data_dir=settings.data_dir,
        ),
        registry=default_registry(),
        deps=ProviderDeps(http=http, retry=retry, skills=llm.skills, json_modes=learned),
        probe_deps=ProviderDeps(http=http, retry=RetryPolicy(max_retries=0), skills=llm.skills, json_modes=learned),
        llm=llm,
        started_at=utcnow(),
        ledger=ledger,
    )


async def start(db: Database, runtime: SettingsRuntime) -> None:
    if runtime.ledger is not None:
        runtime.ledger.start()
        runtime.llm.set_recorder(runtime.ledger.record)
    await apply_stored(db, runtime)


async def stop(runtime: SettingsRuntime) -> None:
    """Write out every recorded call before the database goes away."""
    if runtime.ledger is not None:
        await runtime.ledger.aclose()


async def apply_stored(db: Database, runtime: SettingsRuntime) -> None:
    """Make the live LLM what the stored settings (or the environment) say. Called once by the lifespan.

    Fields stored in clear that are not declared plain (saved by an earlier version) are sealed first."""
    async with db.writer() as session:
        row = await load(session)
        if row is not None:
            parts = sections(row)
            resealed = [name for name, section in parts.items() if section.seal_undeclared(name, runtime.box)]
            for name in resealed:
                saving.store(row, name, parts[name])
            if resealed:
                await session.commit()
    _configure_from(runtime, row)


async def reload_stored(db: Database, runtime: SettingsRuntime) -> None:
    """Make the live LLM what the stored settings say now (another worker saved them)."""
    async with db.reader() as session:
        row = await load(session)
    _configure_from(runtime, row)


def _configure_from(runtime: SettingsRuntime, row: ProviderSettings | None) -> None:
    runtime.llm.configure(build_active(runtime, resolve(runtime.settings, runtime.box, sections(row)["llm"])))


# --- saving -----------------------------------------------------------------------------------------------------


async def _commit(
    session: AsyncSession, runtime: SettingsRuntime, row: ProviderSettings, user_id: str, active: ActiveLLM | None
) -> None:
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()
    row.updated_by = user_id
    await session.commit()
    if active is not None:  # in step with the commit: the next call uses the new provider
        runtime.llm.configure(active)
    runtime.announce_saved()  # the other workers read the row again


async def save_settings(session: AsyncSession, runtime: SettingsRuntime, *, data: SettingsSave, user_id: str) -> None:
    llm_part = (
        await saving.prepare_llm(runtime, data.llm_provider, data.llm_config or {}, inject_default=True)
        if data.llm_provider and (data.llm_config or data.llm_provider.lower() == BUILTIN)
        else None
    )
    vision_part = (
        await saving.prepare_media(runtime, "vision", data.vision_provider, data.vision_config)
        if data.vision_provider
        else None
    )
    video_part = (
        await saving.prepare_media(runtime, "video", data.video_provider, data.video_config)
        if data.video_provider
        else None
    )
    row = await load(session)
    if row is None:
        row = saving.new_row()
        session.add(row)
    current = sections(row)
    active = None
    if llm_part is not None:
        section, active = saving.merge_llm(runtime, current["llm"], llm_part)
        saving.store(row, "llm", section)
    if vision_part is not None:
        saving.store(row, "vision", saving.merge_media(runtime, "vision", current["vision"], vision_part))
        row.vision_default_model = data.vision_default_model or catalog.VISION_DEFAULT_MODEL.get(
            vision_part.provider, catalog.DEFAULT_VISION_MODEL
        )
    if video_part is not None:
        saving.store(row, "video", saving.merge_media(runtime, "video", current["video"], video_part))
        row.video_default_model = data.video_default_model or catalog.VIDEO_DEFAULT_MODEL.get(
            video_part.provider, catalog.DEFAULT_VIDEO_MODEL
        )
    if data.vision_model_providers is not None:
        row.vision_model_providers = dict(data.vision_model_providers)
    if data.vision_models is not None:
        row.vision_models = [m.model_dump() for m in data.vision_models]
    if data.video_model_providers is not None:
        row.video_model_providers = dict(data.video_model_providers)
    if data.video_models is not None:
        row.video_models = [m.model_dump() for m in data.video_models]
    await _commit(session, runtime, row, user_id, active)


async def update_llm_config(
    session: AsyncSession, runtime: SettingsRuntime, *, data: LLMConfigUpdate, user_id: str
) -> None:
    """`PUT /api/llm/config`: the same checks as a settings save, without default-model injection; the live
    provider is rebuilt from the merged configuration (the reference used the request map, losing the key)."""
    part = await saving.prepare_llm(runtime, data.provider, dict(data.config), inject_default=False)
    row = await load(session)
    if row is None:
        row = saving.new_row()
        session.add(row)
    section, active = saving.merge_llm(runtime, sections(row)["llm"], part)
    saving.store(row, "llm", section)
    await _commit(session, runtime, row, user_id, active)


# --- connection test --------------------------------------------------------------------------------------------


async def test_connection(runtime: SettingsRuntime, *, data: ConnectionTest | None, user_id: str) -> dict[str, Any]:
    if data is not None and data.provider and data.llm_config:
        client = LLMClient(recorder=runtime.ledger.record if runtime.ledger else None)
        client.configure(ActiveLLM(primary=await _throwaway(runtime, data), source="test"))
        return await _probe(client, user_id, "temporary_config")
    status = runtime.llm.status()
    if not status.ready:
        if status.state in (STATE_NO_KEY, STATE_NO_PROVIDER):
            raise LLMNotConfigured(details=status.state)
        raise ConnectionFailed(details=status.state)
    return await _probe(runtime.llm, user_id, "saved_config")


async def _throwaway(runtime: SettingsRuntime, data: ConnectionTest):  # -> LLMProvider
    """A provider built from the request alone: the stored key is never reused for it."""
    try:
        part = await saving.prepare_llm(runtime, data.provider, data.llm_config or {}, inject_default=True)
    except InvalidSettings as exc:
        raise InvalidTestConfig(details=exc.details or exc.message) from exc
    if part.provider == BUILTIN:
        return runtime.registry.build(ProviderConfig(BUILTIN), runtime.probe_deps)
    config = config_from_section(Section(part.provider, part.plain), part.secrets)
    try:
        return runtime.registry.build(config, runtime.probe_deps)
    except ProviderConfigError as exc:
        raise InvalidTestConfig(details=str(exc)) from exc


async def _probe(client: LLMClient, user_id: str, mode: str) -> dict[str, Any]:
    try:
        completion = await client.complete(
            PROBE_MESSAGES,
            call=CallInfo(TEST_CONNECTION, user_id=user_id),
            sampling=Sampling(temperature=0.1, max_tokens=5, read_timeout=10.0),
        )
    except ProviderError as error:
        raise ConnectionTestFailed(details=error.details) from error
    return {
        "provider": completion.provider,
        "status": "connected",
        "test": "passed",
        "mode": mode,
        "model": completion.model,
        "latency_ms": completion.latency_ms,
    }


# --- usage ------------------------------------------------------------------------------------------------------


async def usage_totals(
    session: AsyncSession, runtime: SettingsRuntime, *, user_id: str | None = None, job_id: str | None = None
) -> usage_service.UsageTotals:
    """LLM calls, tokens and estimated cost, for one user, one job, or everything."""
    if runtime.ledger is not None:
        await runtime.ledger.flush()
    return await usage_service.totals(session, user_id=user_id, job_id=job_id)


async def usage_summary(session: AsyncSession, runtime: SettingsRuntime) -> dict[str, Any]:
    totals = await usage_totals(session, runtime)
    return {**totals.as_dict(), "by_provider": await usage_service.totals_by_provider(session)}

"""Pure rules for one settings section (llm, vision or video): which fields are secrets, how request values
are stringified, where a section points to, and how an update merges with what is stored.

Which fields are plain is declared, section by section (`PLAIN_FIELDS`): a model name, a base URL, a region.
Every other field a client sends is treated as a secret and sealed like the API key, whatever its name
(`authorization`, `access_key_id`, `passphrase`...), and reads show only that it is set.

Secrets are sealed with the section, provider and endpoint as associated data, and a stored secret is carried
over only when the provider and endpoint stay the same: a save that points a provider at a new base URL must
send its key again (the reference silently sent the stored key to the new URL).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from sceneintruder.core.secretbox import SecretBox, SecretBoxError

MAX_FIELDS = 64
MAX_VALUE_LENGTH = 4096
_COMMON = frozenset({"default_model", "model", "base_url", "endpoint", "region", "location", "project_id"})
PLAIN_FIELDS: dict[str, frozenset[str]] = {
    "llm": _COMMON
    | {"organization", "api_version", "deployment_id", "app_name", "http_referer", "custom_models"}
    | {"context_window", "timeout", "max_tokens", "temperature", "top_p", "json_mode"},
    # spec comic-video §5
    "vision": _COMMON
    | {"generation_path", "size", "auth_mode", "max_attempts", "png_recompress_threshold_bytes", "quality", "style"}
    | {"negative_prompt", "steps", "cfg_scale", "sampler_name", "seed", "eta", "clip_skip", "denoising_strength"}
    | {"width", "height", "aspect_ratio", "api_version"},
    # spec comic-video §6
    "video": _COMMON
    | {"poll_interval_ms", "max_poll_attempts", "clip_retry_count", "clip_cache_enabled", "fallback_compose"}
    | {"public_base_url", "ffmpeg_path", "video_synthesis_path", "tasks_path_prefix", "generate_path_template"}
    | {"operations_path_prefix", "aspect_ratio", "kling_mode", "resolution", "duration", "fps", "api_version"}
    | {"storage_bucket", "storage_base", "max_concurrency", "timeout"},
}
"""The fields of each section stored and shown in clear; anything else is a secret."""
PLAIN_PREFIXES: dict[str, tuple[str, ...]] = {"llm": (), "vision": ("model_", "size_"), "video": ("model_",)}
"""Per-model overrides (`model_<key>`, `size_<key>`) are plain too."""


def is_secret_field(section: str, name: str) -> bool:
    lowered = name.strip().lower()
    return lowered not in PLAIN_FIELDS[section] and not lowered.startswith(PLAIN_PREFIXES[section])


def stringify(value: Any) -> str:
    """The reference's rule for config values: integral floats without decimals, booleans `true`/`false`,
    null as ""; lists and objects (e.g. `custom_models`) as their JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode("utf-8")
    return str(value).strip()


def endpoint_of(section: str, config: Mapping[str, str]) -> str:
    if section == "llm":
        return config.get("base_url", "").strip()
    return (config.get("endpoint") or config.get("base_url") or "").strip()


def binding(section: str, provider: str, endpoint: str, field_name: str) -> str:
    return f"sceneintruder/settings/{section}/{provider}/{endpoint}/{field_name}"


@dataclass
class Section:
    provider: str
    config: dict[str, str] = field(default_factory=dict)  # plain fields only
    sealed: dict[str, dict[str, Any]] = field(default_factory=dict)  # secret field -> sealed value

    def open_secrets(self, name: str, box: SecretBox) -> dict[str, str]:
        """Every secret of the section in clear; SecretBoxError when one does not open (key changed)."""
        endpoint = endpoint_of(name, self.config)
        return {f: box.open(v, aad=binding(name, self.provider, endpoint, f)) for f, v in self.sealed.items()}

    def seal_undeclared(self, name: str, box: SecretBox) -> bool:
        """Seal plain fields that are not declared plain (stored before the declaration existed); True if any."""
        endpoint = endpoint_of(name, self.config)
        undeclared = [field_name for field_name in self.config if is_secret_field(name, field_name)]
        for field_name in undeclared:
            value = self.config.pop(field_name)
            if value:
                self.sealed[field_name] = box.seal(value, aad=binding(name, self.provider, endpoint, field_name))
        return bool(undeclared)

    def readable_secret_fields(self, name: str, box: SecretBox) -> set[str]:
        endpoint = endpoint_of(name, self.config)
        readable = set()
        for field_name, sealed in self.sealed.items():
            try:
                box.open(sealed, aad=binding(name, self.provider, endpoint, field_name))
            except SecretBoxError:
                continue
            readable.add(field_name)
        return readable


@dataclass(frozen=True)
class Merged:
    section: Section
    dropped_secrets: tuple[str, ...]  # stored secrets not carried over (provider or endpoint changed)


def split_fields(section: str, raw: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain fields, secret fields) from a request's config map, all stringified; empty secrets omitted."""
    if len(raw) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} config fields")
    plain: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for key, value in raw.items():
        name = str(key).strip()
        text = stringify(value)
        if not name or len(name) > 64:
            raise ValueError("config field names are 1 to 64 characters")
        if len(text) > MAX_VALUE_LENGTH:
            raise ValueError(f"config field {name!r} is longer than {MAX_VALUE_LENGTH} characters")
        if is_secret_field(section, name):
            if text:
                secrets[name] = text
        else:
            plain[name] = text
    return plain, secrets


def merge(
    name: str, current: Section, *, provider: str, plain: dict[str, str], secrets: dict[str, str], box: SecretBox
) -> Merged:
    """The section after an update that replaces its plain fields wholesale (as the reference does)."""
    endpoint = endpoint_of(name, plain)
    same_target = current.provider == provider and endpoint_of(name, current.config) == endpoint
    sealed: dict[str, dict[str, Any]] = {}
    dropped = []
    for field_name, value in current.sealed.items():
        if field_name in secrets:
            continue
        if same_target:
            sealed[field_name] = value
        else:
            dropped.append(field_name)
    for field_name, secret in secrets.items():
        sealed[field_name] = box.seal(secret, aad=binding(name, provider, endpoint, field_name))
    return Merged(Section(provider, dict(plain), sealed), tuple(sorted(dropped)))

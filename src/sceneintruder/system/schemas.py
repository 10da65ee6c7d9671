"""Wire shapes of `/api/health` and `/api/config/*` (the service builds them as dicts; these describe them)."""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict


class DatabaseCheck(TypedDict):
    status: str  # ok | error
    latency_ms: NotRequired[float]
    error: NotRequired[str]


class DataDirCheck(TypedDict):
    status: str
    writable: bool


class Resource(TypedDict):
    status: str  # loaded
    seconds: float  # how long the start-up took to load it


class Health(TypedDict):
    status: str  # ok | unhealthy
    version: str
    database: DatabaseCheck
    data_dir: DataDirCheck
    resources: NotRequired[dict[str, Resource]]  # loaded before the server took its first request


class Check(TypedDict):
    status: str  # healthy | warning
    provider: NotRequired[str]
    error: NotRequired[str]
    last_updated: NotRequired[str]
    version: NotRequired[int]


class ConfigHealth(TypedDict):
    status: str
    checks: dict[str, Check]


class ConfigMetrics(TypedDict):
    config_version: int
    last_updated: str
    subscribers_count: int
    change_history_size: int
    audit_log_size: int
    audit_enabled: bool
    cache_status: bool
    requests: dict[str, Any]  # request counters and latency (core.metrics)
    llm: dict[str, Any]  # LLM calls, failures, tokens and estimated cost, per provider
    generated_at: str

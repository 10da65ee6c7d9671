"""`SystemRuntime`: what the health and metrics routes read, built once at start-up by `system.service.install`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sceneintruder.core.metrics import RequestMetrics
from sceneintruder.db.session import Database
from sceneintruder.settings.service import SettingsRuntime


@dataclass(frozen=True)
class SystemRuntime:
    db: Database
    data_dir: Path
    metrics: RequestMetrics  # the HTTP layer's counters
    settings: SettingsRuntime  # the LLM configuration's state and usage ledger
    warmup: dict[str, float]  # the heavy resources loaded before the first request (filled by the lifespan)

"""`ComicRuntime`: what the comic's workflows share, built once at start-up (`service.install`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sceneintruder.core.locks import SceneLocks
from sceneintruder.core.settings import ComicSettings
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.image._common import ImageDeps
from sceneintruder.providers.image.fonts import Fonts
from sceneintruder.providers.llm.client import LLMClient, UsageRecorder
from sceneintruder.realtime.hub import Hub
from sceneintruder.settings.service import SettingsRuntime


@dataclass(frozen=True)
class ComicRuntime:
    db: Database
    llm: LLMClient
    jobs: JobRegistry
    hub: Hub
    locks: SceneLocks
    settings: ComicSettings
    data_dir: Path
    fonts: Fonts  # found once at start-up
    image_deps: ImageDeps  # the lifespan's HTTP client and retry policy, for the image vendors
    settings_runtime: SettingsRuntime  # the stored vision settings (sealed key) are read per job
    recorder: UsageRecorder | None  # the ledger: image calls are rows like LLM calls
    started: dict[str, str] = field(default_factory=dict)  # scene id -> the last comic job started here

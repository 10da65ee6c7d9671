"""`VideoRuntime`: what the video's workflows share, built once at start-up (`service.install`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sceneintruder.comic.service import ComicRuntime
from sceneintruder.core.locks import SceneLocks
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.image.fonts import Fonts
from sceneintruder.providers.video._common import VideoDeps
from sceneintruder.realtime.hub import Hub
from sceneintruder.settings.service import SettingsRuntime


@dataclass(frozen=True)
class VideoRuntime:
    db: Database
    jobs: JobRegistry
    hub: Hub
    locks: SceneLocks
    comic: ComicRuntime  # the comic's panels and prompts, through comic.service
    data_dir: Path
    fonts: Fonts
    ffmpeg: str | None  # imageio-ffmpeg's binary, or the system's; None: no film can be made here
    espeak: str | None  # espeak-ng; None: films without narration
    settings_runtime: SettingsRuntime  # the stored video settings (sealed key), read per job
    video_deps: VideoDeps  # the lifespan's HTTP client and retry policy, for the video vendors
    started: dict[str, str] = field(default_factory=dict)  # scene id -> the last video job started here

"""`ScriptsRuntime`: what the writing assistant's workflows share, built once at start-up (`service.install`)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sceneintruder.core.locks import SceneLocks
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.llm.client import LLMClient

COMMAND_WAIT_SECONDS = 25.0  # a fill_outline_next command answers with its result if its job ends within this


@dataclass(frozen=True)
class ScriptsRuntime:
    db: Database
    llm: LLMClient
    jobs: JobRegistry
    locks: SceneLocks  # per-script locks (in-process, or Redis across workers)
    command_wait_seconds: float = COMMAND_WAIT_SECONDS
    continuity_cache: OrderedDict[tuple[str, int], Any] = field(default_factory=OrderedDict)  # (id, revision)

"""Offline skills of the scenes domain, registered with the LLM client at start-up (see app.py)."""

from __future__ import annotations

from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.scenes.pipeline import ANALYSIS_TASK, offline_scene_analysis

ANALYSIS_JOB = "scene_analysis"  # the job kind of POST /api/analyze


def register(llm: LLMClient) -> None:
    llm.register_offline_skill(ANALYSIS_TASK, offline_scene_analysis)

"""The scenes domain's offline skills: how the built-in provider answers `scene_analysis`, from the chunk itself
(`analysis`, on the shared text toolkit). `register(llm)` is called once at start-up, like every domain's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.scenes.analysis_schema import ANALYSIS_TASK, ChunkAnalysis
from sceneintruder.scenes.offline.analysis import analyze_chunk


def scene_analysis(inputs: Mapping[str, Any]) -> ChunkAnalysis:
    """Task `scene_analysis`: the toolkit's deterministic analysis of the chunk in `inputs["text"]`."""
    return analyze_chunk(str(inputs.get("text", "")), language=inputs.get("language"))


def register(llm: LLMClient) -> None:
    llm.register_offline_skill(ANALYSIS_TASK, scene_analysis)

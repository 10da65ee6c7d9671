"""The writing assistant's offline skills (outline skeletons, prompts for the writer, a mechanical polish)."""

from __future__ import annotations

from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.scripts.llm_schemas import TASK_COMMAND, TASK_KEY_BEATS, TASK_OUTLINE
from sceneintruder.scripts.offline.skills import command, key_beats, outline


def register(llm: LLMClient) -> None:
    llm.register_offline_skill(TASK_OUTLINE, outline)
    llm.register_offline_skill(TASK_KEY_BEATS, key_beats)
    llm.register_offline_skill(TASK_COMMAND, command)

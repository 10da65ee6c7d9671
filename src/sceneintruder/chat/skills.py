"""The chat domain's offline skills, registered with the LLM client at start-up (see wiring.py)."""

from __future__ import annotations

from sceneintruder.chat.offline import SKILLS
from sceneintruder.providers.llm.client import LLMClient


def register(llm: LLMClient) -> None:
    for task, skill in SKILLS.items():
        llm.register_offline_skill(task, skill)

"""The chat domain's offline skills: replies, emotions and character dialogue from the scene's own text
(`skills`, `dialogue`, `emotion`, `intents`, with the phrase banks in `phrases`), on the shared text toolkit.
`register(llm)` is called once at start-up, like every domain's."""

from __future__ import annotations

from sceneintruder.chat.offline.skills import SKILLS
from sceneintruder.providers.llm.client import LLMClient


def register(llm: LLMClient) -> None:
    for task, skill in SKILLS.items():
        llm.register_offline_skill(task, skill)

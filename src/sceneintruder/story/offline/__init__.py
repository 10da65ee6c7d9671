"""The story domain's offline skills: narrated passages, next nodes, advances, console replies and exploration
from the book's own passages (`skills`, `console`, `narrator`, `passages`, with the phrase banks in `phrases`),
on the shared text toolkit. `register(llm)` is called once at start-up, like every domain's."""

from __future__ import annotations

from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.story.offline.skills import SKILLS


def register(llm: LLMClient) -> None:
    for task, skill in SKILLS.items():
        llm.register_offline_skill(task, skill)

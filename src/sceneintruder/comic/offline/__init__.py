"""The comic's offline skills: a storyboard, image prompts and key elements computed from the text itself."""

from __future__ import annotations

from sceneintruder.comic.llm_schemas import TASK_FRAME_PROMPT, TASK_KEY_ELEMENTS, TASK_STORYBOARD
from sceneintruder.comic.offline.skills import frame_prompt, key_elements, storyboard
from sceneintruder.providers.llm.client import LLMClient


def register(llm: LLMClient) -> None:
    llm.register_offline_skill(TASK_STORYBOARD, storyboard)
    llm.register_offline_skill(TASK_FRAME_PROMPT, frame_prompt)
    llm.register_offline_skill(TASK_KEY_ELEMENTS, key_elements)

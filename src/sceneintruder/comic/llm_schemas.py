"""The structured answers the comic steps ask a model for (and the offline skills compute), with their tasks."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from sceneintruder.providers.llm.structured import bounded_list, content_fields

TASK_STORYBOARD = "comic_storyboard"
TASK_FRAME_PROMPT = "comic_frame_prompt"
TASK_KEY_ELEMENTS = "comic_key_elements"


class Line(BaseModel):
    speaker: str = ""
    text: str = ""


class FrameDraft(BaseModel):
    description: str = ""
    story_node_ids: list[str] = Field(default_factory=list)
    characters: list[str] = Field(default_factory=list)  # who is in the panel
    shot: str = ""  # close-up | medium | wide
    time: str = ""  # day | dusk | dawn | night
    place: str = ""  # interior | exterior
    mood: str = ""
    caption: str = ""  # narration lettered in the caption box
    lines: list[Line] = Field(default_factory=list)  # speech lettered in balloons


_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z]{2,4})?$")


class StoryboardAnswer(BaseModel):
    model_config = content_fields("frames")

    language: str = ""  # a language code ("zh", "en"); anything else a model writes here is dropped
    frames: list[FrameDraft] = Field(default_factory=list)

    @field_validator("language", mode="before")
    @classmethod
    def _code(cls, value: Any) -> str:
        code = str(value or "").strip().lower().replace("_", "-")
        return code if _LANGUAGE.match(code) else ""


class FramePromptAnswer(BaseModel):
    model_config = content_fields("prompt")

    prompt: str = ""
    negative_prompt: str = ""
    style: str = ""
    model_params: dict[str, Any] = Field(default_factory=dict)
    video_prompt: str = ""
    camera_motion: str = ""
    narration: str = ""
    music_cue: str = ""
    sfx: str = ""


class Element(BaseModel):
    id: str = ""
    name: str = ""
    description: str = ""


class KeyElementsAnswer(BaseModel):
    characters: list[Element] = bounded_list(12)
    objects: list[Element] = bounded_list(12)
    locations: list[Element] = bounded_list(8)
    style_tags: list[str] = bounded_list(8)

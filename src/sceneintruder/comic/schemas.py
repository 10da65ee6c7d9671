"""Wire shapes of `/api/scenes/:id/comic` (JSON keys as the reference's, spec §3; ours added beside them).

Requests are validated on write (spec §8.9): frame ids unique and well-formed, a frame count within
MIN_FRAMES..MAX_FRAMES, text and lists bounded. Responses are plain dicts built by the service, documented here.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from typing_extensions import TypedDict

MIN_FRAMES = 1
MAX_FRAMES = 24
DEFAULT_FRAMES = 8  # one default, whatever the request's shape (spec §8.12)
ANALYSIS_FRAMES = (4, 12)  # a generated storyboard has 4-12 frames (the reference's clamp)
MAX_SOURCE_TEXT = 200_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
VIDEO_FIELDS = ("video_prompt", "camera_motion", "narration", "music_cue", "sfx")


def check_id(value: str, what: str = "frame id") -> str:
    value = value.strip()
    if not _ID.match(value):
        raise ValueError(f"{what} must be 1-64 letters, digits, '_' or '-'")
    return value


class AnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target_frames: int | None = Field(default=None, ge=1, le=100)  # clamped to 4-12
    node_id: str | None = Field(default=None, max_length=64)
    source_text: str | None = Field(default=None, max_length=MAX_SOURCE_TEXT)
    force: bool = False  # the reference's results were cached 30 min; ours never are (kept for clients)


class FrameIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(max_length=64)
    order: int = Field(ge=0, le=10_000)
    description: str = Field(default="", max_length=4000)
    story_node_ids: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_id(value)


class BreakdownIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    language: str = Field(default="", max_length=16)
    target_frames: int | None = Field(default=None, ge=MIN_FRAMES, le=MAX_FRAMES)
    frames: list[FrameIn] = Field(min_length=MIN_FRAMES, max_length=MAX_FRAMES)

    @model_validator(mode="after")
    def _unique(self) -> BreakdownIn:
        ids = [frame.id for frame in self.frames]
        if len(set(ids)) != len(ids):
            raise ValueError("frame ids must be unique")
        return self


class PromptsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    node_id: str | None = Field(default=None, max_length=64)
    style: str = Field(default="", max_length=40)
    continuity_mode: str = Field(default="strict", max_length=20)


class PromptIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(default="", max_length=4000)
    negative_prompt: str = Field(default="", max_length=2000)
    style: str = Field(default="", max_length=40)
    model: str = Field(default="", max_length=128)
    model_params: dict[str, Any] = Field(default_factory=dict, max_length=30)
    prompt_sources: dict[str, Any] = Field(default_factory=dict, max_length=30)
    video_prompt: str = Field(default="", max_length=2000)
    camera_motion: str = Field(default="", max_length=40)
    narration: str = Field(default="", max_length=2000)
    music_cue: str = Field(default="", max_length=200)
    sfx: str = Field(default="", max_length=200)


class ElementIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(default="", max_length=64)
    name: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=1000)


class KeyElementsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    characters: list[ElementIn] = Field(default_factory=list, max_length=50)
    objects: list[ElementIn] = Field(default_factory=list, max_length=50)
    locations: list[ElementIn] = Field(default_factory=list, max_length=50)
    style_tags: list[str] = Field(default_factory=list, max_length=20)


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resume: bool = False  # skip frames whose image was drawn from exactly the same inputs


class FramesRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    frame_ids: list[str] = Field(min_length=1, max_length=MAX_FRAMES)

    @field_validator("frame_ids")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        unique: list[str] = []
        for value in values:
            checked = check_id(value)
            if checked not in unique:
                unique.append(checked)
        return unique


# --- responses (documentation of what the service returns; keys as the reference's, ours beside them) -------------


class TaskAccepted(TypedDict):
    task_id: str


class FramesAccepted(TypedDict):
    tasks: dict[str, str]  # frame id -> the task drawing it


class ComicOverview(TypedDict):
    scene_id: str
    has_analysis: bool
    has_prompts: bool
    has_key_elements: bool
    reference_count: int
    images: list[str]  # file names, in frame order, with their real extension
    offline_images: int  # ours: how many of them the offline renderer drew


class ComicReset(TypedDict):
    scene_id: str


class FrameOut(TypedDict):
    id: str
    order: int
    description: str
    story_node_ids: list[str]
    staging: dict[str, Any]  # ours: characters, shot, time, place, mood, caption, lines


class BreakdownOut(TypedDict):
    scene_id: str
    language: str
    target_frames: int
    frames: list[FrameOut]
    model: str
    generated_at: str
    source: str  # ours: scene | story | node | source_text | edited


class PromptOut(TypedDict):
    frame_id: str
    prompt: str
    negative_prompt: str
    style: str
    model: str
    model_params: dict[str, Any]


class ElementOut(TypedDict):
    id: str
    name: str
    description: str


class KeyElementsOut(TypedDict):
    scene_id: str
    characters: list[ElementOut]
    objects: list[ElementOut]
    locations: list[ElementOut]
    style_tags: list[str]
    generated_at: str


class ReferenceOut(TypedDict):
    element_id: str
    file_name: str
    content_type: str
    size_bytes: int


class ReferencesUploaded(TypedDict):
    uploaded: list[ReferenceOut]


class ReferenceIndexOut(TypedDict):
    scene_id: str
    references: dict[str, dict[str, Any]]
    updated_at: str | None

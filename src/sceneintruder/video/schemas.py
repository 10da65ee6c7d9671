"""Wire shapes of `/api/scenes/:id/comic/video` (spec §4), and the video config's normalisation (§4.1)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from typing_extensions import TypedDict

RESOLUTIONS = {"480P": (854, 480), "720P": (1280, 720), "1080P": (1920, 1080)}
DEFAULT_TARGET_SECONDS = 16
DEFAULT_FPS = 24

_CHOICES: dict[str, tuple[str, dict[str, str]]] = {
    # option: (default, value or alias -> value)
    "language": (
        "auto",
        {
            "auto": "auto",
            "zh-cn": "zh-cn",
            "zh": "zh-cn",
            "cn": "zh-cn",
            "chinese": "zh-cn",
            "mandarin": "zh-cn",
            "en": "en",
            "english": "en",
        },
    ),
    "dialogue_style": (
        "auto",
        {
            v: v
            for v in ("auto", "historical_drama", "serious_drama", "tragedy", "comedy", "epic", "poetic", "documentary")
        },
    ),
    "dialogue_density": ("balanced", {v: v for v in ("balanced", "sparse", "dense")}),
    "environment_layer_preference": ("auto", {v: v for v in ("auto", "wind", "rain", "smoke", "dust", "crowd")}),
    "camera_style": (
        "cinematic",
        {v: v for v in ("cinematic", "immersive", "documentary", "anime_dynamic", "poetic_epic")},
    ),
    "camera_pacing": ("balanced", {v: v for v in ("balanced", "slow", "fast")}),
    "camera_transition_style": ("steady_cut", {v: v for v in ("steady_cut", "hard_cut", "follow_match")}),
}
_STRENGTH = {
    "subtle": "subtle",
    "light": "subtle",
    "low": "subtle",
    "gentle": "subtle",
    "moderate": "moderate",
    "medium": "moderate",
    "normal": "moderate",
    "strong": "strong",
    "high": "strong",
    "intense": "strong",
    "dramatic": "strong",
}
STRENGTH_OPTIONS = ("dialogue_emotion_intensity", "motion_strength", "environment_motion", "expression_intensity")


def normalise_options(raw: dict[str, Any] | None, base: dict[str, Any] | None = None) -> dict[str, str]:
    """Prompt options with unknown values replaced by their defaults; `base` keeps what `raw` does not set."""
    merged = {**(base or {}), **{k: v for k, v in (raw or {}).items() if v is not None}}
    out: dict[str, str] = {}
    for key, (default, values) in _CHOICES.items():
        out[key] = values.get(str(merged.get(key, "")).strip().lower(), default)
    for key in STRENGTH_OPTIONS:
        out[key] = _STRENGTH.get(str(merged.get(key, "")).strip().lower(), "moderate")
    out["prompt_suffix"] = str(merged.get("prompt_suffix") or "").strip()[:500]
    return out


class VideoConfig(BaseModel):
    """The body of `POST /timeline`, `/generate` and a clip's regenerate (§4.1); unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    comic_snapshot_id: str = Field(default="comic_current", max_length=64)
    provider: str = Field(default="", max_length=32)
    model: str = Field(default="", max_length=128)
    target_duration_sec: int | None = Field(default=None, ge=1, le=600)
    fps: int | None = Field(default=None, ge=1, le=60)
    resolution: str = Field(default="720P", max_length=8)
    duration: int | None = Field(default=None, ge=1, le=60)  # seconds per clip
    audio: bool | None = None
    audio_enabled: bool | None = None
    shot_type: str = Field(default="multi", max_length=16)
    prompt_extend: bool = False
    audio_url: str = Field(default="", max_length=2000)
    image_url: str = Field(default="", max_length=2000)
    img_url: str = Field(default="", max_length=2000)
    prompt_options: dict[str, Any] = Field(default_factory=dict, max_length=20)
    fallback_compose: bool = True  # a failed clip degrades the film instead of failing it

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, value: str) -> str:
        value = value.strip().upper() or "720P"
        if value not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
        return value

    @property
    def audio_on(self) -> bool:
        if self.audio_url:
            return True
        chosen = self.audio_enabled if self.audio_enabled is not None else self.audio
        return True if chosen is None else chosen


class FrameEdit(BaseModel):
    """`PUT /frames/:frame_id`: only the fields present change; at least one is required."""

    model_config = ConfigDict(extra="ignore")

    prompt: str | None = Field(default=None, max_length=4000)
    negative_prompt: str | None = Field(default=None, max_length=2000)
    reference_image_url: str | None = Field(default=None, max_length=2000)
    image_url: str | None = Field(default=None, max_length=2000)
    img_url: str | None = Field(default=None, max_length=2000)
    narration: str | None = Field(default=None, max_length=2000)  # ours: what the film says over this shot
    camera_motion: str | None = Field(default=None, max_length=32)
    duration_sec: float | None = Field(default=None, gt=0, le=60)
    prompt_options: dict[str, Any] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _something(self) -> FrameEdit:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError("give at least one field to change")
        return self


class TaskAccepted(TypedDict):
    task_id: str


class VideoReset(TypedDict):
    scene_id: str


class TimelineOut(TypedDict):
    scene_id: str
    video_version: str
    provider: str
    model: str
    target_duration_sec: float
    fps: int
    resolution: str
    clips: list[dict[str, Any]]


class OverviewOut(TypedDict):
    scene_id: str
    clips: list[dict[str, Any]]
    recovery: dict[str, Any]

"""The video provider Protocol: submit → poll → download, and its value types.

A clip is a task at the vendor: `submit` starts it, `poll` reads its state, `download` fetches the finished
video (with the vendor's auth where its URLs need it, and a size and time cap). `polling.run_clip` drives the
loop with backoff, a budget and tolerance of transient poll errors. Durations are snapped to each vendor's
legal values (`legal_duration`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

TaskState = Literal["running", "completed", "failed"]


@dataclass(frozen=True)
class VideoRequest:
    prompt: str
    negative_prompt: str = ""
    image: bytes | None = None  # the panel (uploaded or inlined by the adapter as its vendor wants)
    image_mime: str = "image/png"
    image_url: str = ""  # a public URL of the panel, when one is configured
    duration: float = 5.0
    resolution: str = "720P"
    aspect_ratio: str = "16:9"
    audio: bool = False
    model: str = ""
    camera_motion: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VideoTask:
    task_id: str
    state: TaskState
    provider_status: str = ""  # the vendor's own word for the state
    result_url: str = ""
    error: str = ""


class VideoProvider(Protocol):
    name: str
    default_model: str

    def legal_duration(self, seconds: float, model: str) -> int: ...

    async def submit(self, request: VideoRequest) -> VideoTask: ...

    async def poll(self, task_id: str) -> VideoTask: ...

    async def download(self, task: VideoTask, target: Path) -> Path: ...


def snap(seconds: float, allowed: Sequence[int]) -> int:
    """The allowed duration nearest `seconds` (ties: the longer)."""
    return min(allowed, key=lambda value: (abs(value - seconds), -value))

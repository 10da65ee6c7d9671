"""The image provider Protocol and its value types.

An adapter turns an `ImageRequest` into its vendor's wire format and returns a `GeneratedImage` with the bytes
the vendor sent and their real MIME type (sniffed from the bytes, never assumed). Sizes: each adapter maps the
asked width and height to one its vendor accepts (`legal_size`), keeping the aspect ratio as near as it can;
the comic domain fits the result to the panel afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
EXTENSIONS = {PNG: ".png", JPEG: ".jpg", WEBP: ".webp"}


@dataclass(frozen=True)
class ReferenceImage:
    data: bytes
    mime: str
    element_id: str = ""


@dataclass(frozen=True)
class ImageRequest:
    """One picture. `hints` describe the frame for the offline renderer (characters, shot, time of day, place,
    mood, seed text); vendors read only the prompt and the typed fields."""

    prompt: str
    negative_prompt: str = ""
    width: int = 1024
    height: int = 768
    model: str = ""
    seed: int | None = None
    references: tuple[ReferenceImage, ...] = ()
    strength: float = 0.0  # img2img denoising when a reference is given (0: the vendor's default)
    params: Mapping[str, Any] = field(default_factory=dict)  # model_params of the frame's prompt
    hints: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    mime: str
    provider: str
    model: str
    offline: bool = False
    seed: int | None = None
    used_references: int = 0  # how many reference images the vendor was sent
    input_tokens: int = 0  # what the vendor reported (gpt-image); 0 when it reports nothing
    output_tokens: int = 0


class ImageProvider(Protocol):
    name: str
    default_model: str
    offline: bool
    accepts_references: bool

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]: ...

    async def generate(self, request: ImageRequest) -> GeneratedImage: ...


def sniff_mime(data: bytes) -> str | None:
    """PNG, JPEG or WebP from the first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def nearest_size(width: int, height: int, sizes: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The size in `sizes` whose aspect ratio is nearest the asked one (ties: the larger)."""
    wanted = width / max(height, 1)
    return min(sizes, key=lambda size: (abs(size[0] / size[1] - wanted), -size[0] * size[1]))


def aspect_label(width: int, height: int, labels: Sequence[str]) -> str:
    """The "W:H" label nearest the asked aspect ratio."""

    def ratio(label: str) -> float:
        w, h = label.split(":")
        return int(w) / int(h)

    wanted = width / max(height, 1)
    return min(labels, key=lambda label: abs(ratio(label) - wanted))

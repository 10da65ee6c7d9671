"""Lettering: captions and speech balloons laid on a panel after it is rendered at its final size, for every
provider's image alike.

Text is wrapped to the width it has: Latin by words (a word longer than the line is cut), CJK by characters
with the line-breaking rules of Chinese and Japanese typesetting (kinsoku): a closing mark or stop never starts
a line, an opening mark never ends one. The caption sits in a box at the top; balloons below it, left and right
in turn, each with a tail toward the lower part of the panel where the figures stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from sceneintruder.providers.image.fonts import Font, Fonts, has_cjk

NO_LINE_START = set("，。、！？；：）」』】》〉’”…—～·,.!?;:)]}%")
NO_LINE_END = set("（「『【《〈‘“([{")
INK = (20, 20, 20)
PAPER = (255, 255, 255)
CAPTION_PAPER = (255, 246, 200)


@dataclass(frozen=True)
class Balloon:
    speaker: str
    text: str


def _width(font: Font, text: str) -> float:
    return font.getlength(text)


def wrap(text: str, font: Font, max_width: float) -> list[str]:
    """Lines of `text` that fit `max_width` pixels in `font`."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(
            _wrap_cjk(paragraph, font, max_width) if has_cjk(paragraph) else _wrap_words(paragraph, font, max_width)
        )
    return [line for line in lines if line.strip()] or [""]


def _wrap_words(text: str, font: Font, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if _width(font, candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while _width(font, word) > max_width and len(word) > 1:  # a word longer than the line
            cut = len(word)
            while cut > 1 and _width(font, word[:cut]) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _wrap_cjk(text: str, font: Font, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for char in text:
        if _width(font, current + char) <= max_width or not current:
            current += char
            continue
        if char in NO_LINE_START:  # hang the mark on this line rather than start the next with it
            current += char
            continue
        carried = ""
        while current and current[-1] in NO_LINE_END:  # an opening mark goes down with what it opens
            carried = current[-1] + carried
            current = current[:-1]
        lines.append(current)
        current = carried + char
    if current:
        lines.append(current)
    return [line.strip() for line in lines]


def _text_block(draw: ImageDraw.ImageDraw, lines: Sequence[str], font: Font, x: float, y: float, gap: int) -> None:
    for line in lines:
        draw.text((x, y), line, font=font, fill=INK)
        y += _line_height(font) + gap


def _line_height(font: Font) -> int:
    _, top, _, bottom = font.getbbox("国Hg")
    return int(bottom - top) + 2


def letter(image: Image.Image, fonts: Fonts, *, caption: str = "", balloons: Sequence[Balloon] = ()) -> Image.Image:
    """A copy of `image` with its caption and balloons; text that does not fit is cut with an ellipsis."""
    panel = image.convert("RGB").copy()
    width, height = panel.size
    draw = ImageDraw.Draw(panel)
    size = max(12, round(min(width, height) / 30))
    margin = max(6, size // 2)
    top = margin
    if caption.strip():
        font = fonts.for_text(caption, size)
        lines = _fit_lines(wrap(caption, font, width - 4 * margin), max_lines=3)
        box_height = len(lines) * (_line_height(font) + 2) + margin
        draw.rectangle((margin, top, width - margin, top + box_height), fill=CAPTION_PAPER, outline=INK, width=2)
        _text_block(draw, lines, font, 2 * margin, top + margin / 2, 2)
        top += box_height + margin
    for index, balloon in enumerate(balloons[:3]):
        text = balloon.text.strip()
        if not text:
            continue
        font = fonts.for_text(text, size)
        max_text = width * 0.42
        lines = _fit_lines(wrap(text, font, max_text), max_lines=4)
        text_width = max(_width(font, line) for line in lines)
        box_w = text_width + 3 * margin
        box_h = len(lines) * (_line_height(font) + 2) + 2 * margin
        if top + box_h > height * 0.7:
            break
        left = margin if index % 2 == 0 else width - margin - box_w
        box = (left, top, left + box_w, top + box_h)
        tail_x = left + box_w * (0.3 if index % 2 == 0 else 0.7)
        tail = [
            (tail_x - margin, top + box_h - 2),
            (tail_x + margin, top + box_h - 2),
            (tail_x, top + box_h + 2.5 * margin),
        ]
        draw.polygon(tail, fill=PAPER, outline=INK)
        draw.rounded_rectangle(box, radius=box_h / 2.5, fill=PAPER, outline=INK, width=2)
        draw.polygon(
            [
                (tail_x - margin + 2, top + box_h - 3),
                (tail_x + margin - 2, top + box_h - 3),
                (tail_x, top + box_h + 2.5 * margin - 4),
            ],
            fill=PAPER,
        )
        _text_block(draw, lines, font, left + 1.5 * margin, top + margin, 2)
        top += box_h + 3 * margin
    return panel


def _fit_lines(lines: list[str], *, max_lines: int) -> list[str]:
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = kept[-1].rstrip()[: max(1, len(kept[-1]) - 1)] + "…"
    return kept

"""Comic pages: frames laid out on A4 pages (150 dpi), with one of four grid layouts per page chosen by how many
frames are left and their shots: a splash (one panel), two stacked, a wide panel over two (when the page opens
on a wide shot), and a 2×2 grid. Panels are fitted to their cells (cropped, never stretched), framed in black,
with a gutter; the footer names the page and, for offline panels, says they were drawn offline."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

from sceneintruder.providers.image.fonts import Fonts

PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 60
GUTTER = 24
FOOTER = 48
Cell = tuple[float, float, float, float]  # left, top, right, bottom as fractions of the panel area
LAYOUTS: dict[str, tuple[Cell, ...]] = {
    "splash": ((0, 0, 1, 1),),
    "stack": ((0, 0, 1, 0.5), (0, 0.5, 1, 1)),
    "wide_over_two": ((0, 0, 1, 0.5), (0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1)),
    "grid": ((0, 0, 0.5, 0.5), (0.5, 0, 1, 0.5), (0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1)),
}


@dataclass(frozen=True)
class PanelImage:
    frame_id: str
    data: bytes
    shot: str
    offline: bool


def plan(shots: Sequence[str]) -> list[tuple[str, int]]:
    """(layout, panel count) per page for frames with these shots, in order."""
    pages: list[tuple[str, int]] = []
    index = 0
    while index < len(shots):
        left = len(shots) - index
        if left == 1:
            pages.append(("splash", 1))
        elif left == 2:
            pages.append(("stack", 2))
        elif left == 3 or shots[index] == "wide" or left == 5:
            pages.append(("wide_over_two", 3))
        else:
            pages.append(("grid", 4))
        index += pages[-1][1]
    return pages


def render_pages(panels: Sequence[PanelImage], fonts: Fonts, *, title: str) -> list[bytes]:
    """Each page as JPEG bytes (CPU work: run in a thread)."""
    pages: list[bytes] = []
    area_w, area_h = PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN - FOOTER
    index = 0
    layouts = plan([panel.shot for panel in panels])
    for number, (layout, count) in enumerate(layouts, start=1):
        page = Image.new("RGB", PAGE, (255, 255, 255))
        draw = ImageDraw.Draw(page)
        group = panels[index : index + count]
        index += count
        for panel, (left, top, right, bottom) in zip(group, LAYOUTS[layout], strict=False):
            x0 = MARGIN + round(left * area_w) + (GUTTER // 2 if left > 0 else 0)
            y0 = MARGIN + round(top * area_h) + (GUTTER // 2 if top > 0 else 0)
            x1 = MARGIN + round(right * area_w) - (GUTTER // 2 if right < 1 else 0)
            y1 = MARGIN + round(bottom * area_h) - (GUTTER // 2 if bottom < 1 else 0)
            with Image.open(io.BytesIO(panel.data)) as opened:
                fitted = ImageOps.fit(opened.convert("RGB"), (x1 - x0, y1 - y0), method=Image.Resampling.LANCZOS)
            page.paste(fitted, (x0, y0))
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=(0, 0, 0), width=4)
        footer = f"{title} — {number}/{len(layouts)}"
        if any(panel.offline for panel in group):
            footer += " — offline render (drawn without an image model)"
        font = fonts.for_text(footer, 22)
        draw.text((MARGIN, PAGE[1] - MARGIN - 26), footer, font=font, fill=(60, 60, 60))
        out = io.BytesIO()
        page.save(out, format="JPEG", quality=88)
        pages.append(out.getvalue())
    return pages

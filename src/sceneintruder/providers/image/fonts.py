"""The fonts panels are lettered with, found once at start-up.

A CJK font (Debian's fonts-noto-cjk or fonts-wqy-microhei; both also cover Latin) is preferred, then DejaVu
Sans; `FONT_PATH` names one explicitly. With none, Pillow's own scalable default font letters Latin text and a
warning says CJK text will show as boxes. `Fonts.for_text` picks the face that covers a text.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger("sceneintruder.fonts")

CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
LATIN_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\uac00-\ud7af]")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class Fonts:
    latin: Path | None
    cjk: Path | None

    @property
    def covers_cjk(self) -> bool:
        return self.cjk is not None

    def describe(self) -> dict[str, str | None]:
        return {"latin": str(self.latin) if self.latin else None, "cjk": str(self.cjk) if self.cjk else None}

    def for_text(self, text: str, size: int) -> Font:
        path = self.cjk if (has_cjk(text) and self.cjk) else (self.latin or self.cjk)
        return _load(str(path) if path else "", size)


@functools.lru_cache(maxsize=64)
def _load(path: str, size: int) -> Font:
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _first(candidates: tuple[str, ...]) -> Path | None:
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def find_fonts(explicit: str | None = None) -> Fonts:
    """The fonts on this machine (logged once). `explicit` (FONT_PATH) is used for every script if it exists."""
    if explicit:
        path = Path(explicit)
        if path.is_file():
            return Fonts(latin=path, cjk=path)
        log.warning("FONT_PATH %s does not exist; looking for system fonts", explicit)
    cjk = _first(CJK_CANDIDATES)
    latin = _first(LATIN_CANDIDATES) or cjk
    if cjk is None:
        log.warning(
            "no CJK font found (install fonts-noto-cjk or fonts-wqy-microhei): Chinese and Japanese lettering "
            "will show as boxes"
        )
    if latin is None:
        log.warning("no TrueType font found: panels are lettered with Pillow's default font")
    return Fonts(latin=latin, cjk=cjk)

"""The offline renderer: a storyboard-grade panel drawn with Pillow from the frame's description, with no
network and no model. The default image provider when no vendor is configured.

What it draws comes from the request's `hints` when the comic's offline prompt step wrote them, else from the
prompt's words: time of day (a sky gradient, stars and moon at night), inside or outside (a room with a window
and a door, or a horizon with hills, trees, buildings or water), a palette by mood, and each character as a
silhouette of its own colour and build, sized and placed by the shot (close-up: heads and shoulders; medium:
waist up; wide: full figures on the ground), with its name under it. Every panel carries an "OFFLINE RENDER"
stamp and says so in its PNG text chunks. Deterministic: the same seed text draws the same picture.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, PngImagePlugin

from sceneintruder.providers.image.base import PNG, GeneratedImage, ImageRequest
from sceneintruder.providers.image.fonts import Fonts

NAME = "placeholder"  # the reference's name for the built-in image provider (settings and routing use it)
MODEL = "offline-renderer"
STAMP = "OFFLINE RENDER"

_TIME_WORDS = {
    "night": "night midnight moon moonlight stars dark darkness evening lamp candle 夜 夜晚 深夜 月 星 黑暗 灯",
    "dusk": "dusk sunset twilight evening dusky 黄昏 傍晚 夕阳 日落",
    "dawn": "dawn sunrise morning daybreak 黎明 清晨 早晨 日出",
}
_INTERIOR = (
    "room parlour parlor hall kitchen library study chamber bedroom house inside indoors office church ballroom "
    "drawing-room table fireplace window corridor staircase 房 屋 室 厅 堂 家 屋里 房间 客厅 书房 殿"
)
_SETTING_FEATURES = {
    "trees": "forest wood woods tree trees garden park grove orchard 林 树 森林 花园",
    "buildings": "city town street village road market square lane 城 街 镇 村 市",
    "water": "sea shore beach river lake ocean harbour harbor boat ship bay 海 河 湖 江 船",
}
_MOODS = {
    "tense": "tense fear afraid danger angry anger fight storm threat shout scream 怒 怕 危险 紧张 惊",
    "sad": "sad grief tears weep cry sorrow mourning lonely 悲 哭 泪 伤心 孤独",
    "joyful": "joy happy laugh smile dance celebration ball merry delight 笑 喜 欢 快乐 舞",
    "mysterious": "mystery secret shadow strange silent whisper hidden 秘密 神秘 影 奇怪",
}
_PALETTES = {  # (wall/ground tint, accent) per mood
    "calm": ((196, 205, 190), (90, 120, 150)),
    "tense": ((150, 92, 80), (180, 40, 40)),
    "sad": ((120, 130, 150), (70, 80, 110)),
    "joyful": ((236, 204, 150), (220, 120, 60)),
    "mysterious": ((90, 90, 120), (120, 80, 150)),
}
_SKIES = {
    "day": ((110, 170, 235), (205, 230, 250)),
    "dusk": ((90, 60, 130), (245, 150, 90)),
    "dawn": ((160, 170, 220), (250, 200, 180)),
    "night": ((10, 14, 40), (40, 50, 90)),
}
_SHOTS = ("close-up", "medium", "wide")


def _words(text: str) -> set[str]:
    lowered = text.lower()
    return set(re.findall(r"[a-z][a-z\-]+", lowered)) | set(re.findall(r"[\u4e00-\u9fff]", lowered))


def _has_any(words: set[str], text: str, vocabulary: str | Sequence[str]) -> bool:
    terms = vocabulary.split() if isinstance(vocabulary, str) else vocabulary
    return any((term in words) if term.isascii() else (term in text) for term in terms)


def read_frame(prompt: str, hints: Mapping[str, Any]) -> dict[str, Any]:
    """Time, place, features, mood and shot of a frame: the hints where given, else read from the words."""
    text = " ".join(str(hints.get(key) or "") for key in ("description", "setting")) + " " + prompt
    words = _words(text)
    time = hints.get("time") or next((t for t, v in _TIME_WORDS.items() if _has_any(words, text, v)), "day")
    place = hints.get("place") or ("interior" if _has_any(words, text, _INTERIOR) else "exterior")
    mood = hints.get("mood") or next((m for m, v in _MOODS.items() if _has_any(words, text, v)), "calm")
    shot = hints.get("shot")
    if shot not in _SHOTS:
        lowered = text.lower()
        shot = (
            "close-up" if "close-up" in lowered or "close up" in lowered else "wide" if "wide" in lowered else "medium"
        )
    features = [f for f, v in _SETTING_FEATURES.items() if _has_any(words, text, v)]
    return {
        "time": time if time in _SKIES else "day",
        "place": place if place in ("interior", "exterior") else "exterior",
        "mood": mood if mood in _PALETTES else "calm",
        "shot": shot,
        "features": features,
    }


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _gradient(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], top: Any, bottom: Any) -> None:
    x0, y0, x1, y1 = box
    span = max(1, y1 - y0)
    for y in range(y0, y1, 2):
        draw.rectangle((x0, y, x1, y + 1), fill=_mix(top, bottom, (y - y0) / span))


def _character_colour(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = digest[0] / 255
    r, g, b = colorsys.hls_to_rgb(hue, 0.32 + digest[1] / 255 * 0.18, 0.45 + digest[2] / 255 * 0.35)
    return (round(r * 255), round(g * 255), round(b * 255))


class OfflineRenderer:
    name = NAME
    default_model = MODEL
    offline = True
    accepts_references = False

    def __init__(self, fonts: Fonts) -> None:
        self._fonts = fonts

    def legal_size(self, model: str, width: int, height: int) -> tuple[int, int]:
        return max(64, min(width, 2048)), max(64, min(height, 2048))

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        data = self.render(request)
        return GeneratedImage(data=data, mime=PNG, provider=NAME, model=MODEL, offline=True, seed=request.seed)

    def render(self, request: ImageRequest) -> bytes:
        """The panel's PNG bytes (CPU work: the comic domain runs it off the event loop)."""
        width, height = self.legal_size(request.model, request.width, request.height)
        seed_text = str(request.hints.get("seed_text") or "") + "\x00" + request.prompt + f"\x00{request.seed}"
        rng = random.Random(hashlib.sha256(seed_text.encode("utf-8")).digest())  # noqa: S311 - a drawing, not a secret
        frame = read_frame(request.prompt, request.hints)
        image = Image.new("RGB", (width, height))
        draw = ImageDraw.Draw(image)
        horizon = round(height * (0.62 if frame["shot"] != "close-up" else 0.72))
        if frame["place"] == "interior":
            self._interior(draw, width, height, horizon, frame, rng)
        else:
            self._exterior(draw, width, height, horizon, frame, rng)
        names = [str(n) for n in request.hints.get("characters") or [] if str(n).strip()][:4]
        self._figures(draw, width, height, horizon, frame["shot"], names, rng)
        if frame["time"] == "night":
            image = Image.blend(image, Image.new("RGB", image.size, (10, 12, 40)), 0.18)
        image = image.filter(ImageFilter.SMOOTH)
        self._stamp(image)
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", "sceneintruder offline renderer")
        info.add_text("Comment", "offline render: drawn without an image model")
        out = io.BytesIO()
        image.save(out, format="PNG", pnginfo=info, compress_level=6)
        return out.getvalue()

    # --- the set ------------------------------------------------------------------------------------------------

    def _exterior(
        self, draw: Any, width: int, height: int, horizon: int, frame: dict[str, Any], rng: random.Random
    ) -> None:
        top, bottom = _SKIES[frame["time"]]
        _gradient(draw, (0, 0, width, horizon), top, bottom)
        if frame["time"] == "night":
            for _ in range(60):
                x, y = rng.randrange(width), rng.randrange(max(1, horizon - 10))
                draw.point((x, y), fill=(230, 230, 255))
            mx, my, r = rng.randrange(width // 8, width - width // 8), height // 7, max(12, width // 22)
            draw.ellipse((mx - r, my - r, mx + r, my + r), fill=(240, 238, 210))
        else:
            sx, sy, r = rng.randrange(width // 8, width - width // 8), round(horizon * 0.3), max(14, width // 18)
            sun = (255, 236, 170) if frame["time"] == "day" else (255, 170, 110)
            draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=sun)
        ground, accent = _PALETTES[frame["mood"]]
        far = _mix(ground, top, 0.45)
        for _ in range(3):  # hills
            cx, w = rng.randrange(width), rng.randrange(width // 3, width)
            draw.ellipse(
                (cx - w, horizon - rng.randrange(height // 12, height // 5), cx + w, horizon + height // 6), fill=far
            )
        if "water" in frame["features"]:
            _gradient(draw, (0, horizon, width, height), _mix(top, (20, 60, 110), 0.5), (15, 40, 80))
            for _ in range(40):
                x, y = rng.randrange(width), rng.randrange(horizon, height)
                draw.line((x, y, x + rng.randrange(10, 40), y), fill=(200, 220, 240), width=1)
        else:
            _gradient(
                draw, (0, horizon, width, height), _mix(ground, (80, 110, 60), 0.35), _mix(ground, (40, 40, 30), 0.5)
            )
        if "buildings" in frame["features"]:
            x = 0
            while x < width:
                w, h = rng.randrange(width // 14, width // 7), rng.randrange(height // 8, height // 3)
                shade = _mix(far, (40, 40, 50), rng.random() * 0.6)
                draw.rectangle((x, horizon - h, x + w, horizon), fill=shade)
                for wy in range(horizon - h + 8, horizon - 8, 18):
                    for wx in range(x + 6, x + w - 8, 14):
                        lit = frame["time"] == "night" and rng.random() < 0.5
                        draw.rectangle((wx, wy, wx + 6, wy + 8), fill=(250, 220, 120) if lit else _mix(shade, top, 0.4))
                x += w + rng.randrange(2, 12)
        if "trees" in frame["features"]:
            for _ in range(rng.randrange(5, 10)):
                tx, th = rng.randrange(width), rng.randrange(height // 6, height // 3)
                base = horizon + rng.randrange(0, height // 12)
                draw.rectangle((tx - 4, base - th // 3, tx + 4, base), fill=(70, 50, 35))
                draw.ellipse(
                    (tx - th // 4, base - th, tx + th // 4, base - th // 4), fill=_mix((40, 100, 50), accent, 0.15)
                )

    def _interior(
        self, draw: Any, width: int, height: int, horizon: int, frame: dict[str, Any], rng: random.Random
    ) -> None:
        wall, accent = _PALETTES[frame["mood"]]
        _gradient(draw, (0, 0, width, horizon), _mix(wall, (255, 255, 255), 0.15), wall)
        _gradient(draw, (0, horizon, width, height), _mix(wall, (90, 60, 40), 0.55), _mix(wall, (40, 25, 15), 0.7))
        draw.line((0, horizon, width, horizon), fill=_mix(wall, (0, 0, 0), 0.5), width=3)
        wx, ww, wh = rng.randrange(width // 10, width // 2), width // 5, horizon // 2
        wy = horizon // 6
        sky_top, sky_bottom = _SKIES[frame["time"]]
        draw.rectangle((wx - 6, wy - 6, wx + ww + 6, wy + wh + 6), fill=_mix(wall, (60, 40, 30), 0.6))
        _gradient(draw, (wx, wy, wx + ww, wy + wh), sky_top, sky_bottom)
        draw.line((wx + ww // 2, wy, wx + ww // 2, wy + wh), fill=_mix(wall, (60, 40, 30), 0.6), width=4)
        draw.line((wx, wy + wh // 2, wx + ww, wy + wh // 2), fill=_mix(wall, (60, 40, 30), 0.6), width=4)
        dx = rng.choice((width - width // 6, width // 12))
        draw.rectangle((dx, horizon - horizon // 2, dx + width // 10, horizon), fill=_mix(accent, (50, 30, 20), 0.5))
        if frame["time"] == "night":  # a lamp
            lx, ly = rng.randrange(width // 4, width - width // 4), horizon - height // 10
            draw.ellipse((lx - 40, ly - 40, lx + 40, ly + 40), fill=_mix(wall, (255, 220, 140), 0.5))
            draw.rectangle((lx - 5, ly, lx + 5, horizon), fill=(60, 45, 30))
        tx, tw = rng.randrange(width // 5, width // 2), width // 4
        draw.rectangle((tx, horizon + height // 20, tx + tw, horizon + height // 20 + 10), fill=(90, 60, 40))

    # --- the cast -----------------------------------------------------------------------------------------------

    def _figures(
        self, draw: Any, width: int, height: int, horizon: int, shot: str, names: list[str], rng: random.Random
    ) -> None:
        count = max(1, len(names))
        slots = [(i + 1) / (count + 1) for i in range(count)]
        scale = {"close-up": 0.95, "medium": 0.6, "wide": 0.3}[shot]
        for slot, name in zip(slots, names or [""], strict=True):
            colour = _character_colour(name) if name else (60, 60, 70)
            digest = hashlib.sha256(name.encode("utf-8")).digest()
            build = 0.8 + digest[3] / 255 * 0.45  # shoulders: each character its own width
            tall = 0.85 + digest[4] / 255 * 0.3
            cx = round(width * slot + rng.uniform(-0.03, 0.03) * width)
            figure_h = height * scale * tall
            if shot == "wide":
                feet = horizon + round(height * 0.12)
            else:
                feet = height + round(figure_h * (0.35 if shot == "medium" else 0.55))
            head_r = figure_h * 0.09
            head_cy = feet - figure_h + head_r
            shoulder = head_r * 2.1 * build
            body = [
                (cx - shoulder, head_cy + head_r * 1.6),
                (cx + shoulder, head_cy + head_r * 1.6),
                (cx + shoulder * 0.8, feet - figure_h * 0.45),
                (cx - shoulder * 0.8, feet - figure_h * 0.45),
            ]
            draw.polygon(body, fill=colour)
            draw.ellipse((cx - shoulder, head_cy + head_r * 1.1, cx + shoulder, head_cy + head_r * 2.3), fill=colour)
            legs = [
                (cx - shoulder * 0.7, feet - figure_h * 0.46),
                (cx + shoulder * 0.7, feet - figure_h * 0.46),
                (cx + shoulder * 0.45, feet),
                (cx - shoulder * 0.45, feet),
            ]
            draw.polygon(legs, fill=_mix(colour, (20, 20, 25), 0.45))
            draw.ellipse(
                (cx - head_r, head_cy - head_r, cx + head_r, head_cy + head_r), fill=_mix(colour, (235, 205, 180), 0.55)
            )
            if digest[5] % 3 == 0:  # a hat
                draw.rectangle(
                    (cx - head_r * 1.3, head_cy - head_r * 0.9, cx + head_r * 1.3, head_cy - head_r * 0.7),
                    fill=(30, 30, 30),
                )
                draw.rectangle(
                    (cx - head_r * 0.75, head_cy - head_r * 1.7, cx + head_r * 0.75, head_cy - head_r * 0.8),
                    fill=(30, 30, 30),
                )
            elif digest[5] % 3 == 1:  # long hair
                draw.pieslice(
                    (cx - head_r * 1.15, head_cy - head_r * 1.15, cx + head_r * 1.15, head_cy + head_r * 1.6),
                    180,
                    360,
                    fill=_mix(colour, (40, 25, 15), 0.7),
                )
            if name:
                size = max(12, round(min(width, height) / 40))
                font = self._fonts.for_text(name, size)
                label_y = min(height - size - 6, max(head_cy + head_r * 2.6, 4))
                text_w = font.getlength(name)
                draw.rectangle(
                    (cx - text_w / 2 - 4, label_y - 2, cx + text_w / 2 + 4, label_y + size + 4), fill=(255, 255, 255)
                )
                draw.text((cx - text_w / 2, label_y), name, font=font, fill=(20, 20, 20))

    def _stamp(self, image: Image.Image) -> None:
        draw = ImageDraw.Draw(image)
        width, height = image.size
        size = max(10, round(min(width, height) / 45))
        font = self._fonts.for_text(STAMP, size)
        text_w = font.getlength(STAMP)
        x, y = width - text_w - size, height - 2 * size
        draw.rectangle((x - size / 2, y - size / 3, x + text_w + size / 2, y + size * 1.3), fill=(0, 0, 0))
        draw.text((x, y), STAMP, font=font, fill=(255, 255, 255))

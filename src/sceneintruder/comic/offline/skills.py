"""Offline comic skills, grounded in the text: nothing here is invented.

* `storyboard` cuts the text into as many runs of sentences as frames (beginning to end, in order) and takes
  from each run its most visual sentence as the frame's description: one naming the characters present, with
  an action or a place, preferred; the characters are the cast named in the run; the caption is that sentence,
  the balloons are lines quoted in the run; shot, time of day, place and mood are read from the run's words.
  The first frame is a wide establishing shot; a run with a single speaker is a close-up.
* `frame_prompt` composes the image prompt from the frame's staging and description (in the text's own
  language: no translation is pretended) and a camera move for the film from the shot.
* `key_elements` lists the cast of the frames (each described by the first sentence of the text that names
  them), the places and objects the text names most, and the style the offline renderer really draws.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sceneintruder.comic.llm_schemas import (
    Element,
    FrameDraft,
    FramePromptAnswer,
    KeyElementsAnswer,
    Line,
    StoryboardAnswer,
)
from sceneintruder.comic.prompts import BASELINE_NEGATIVE
from sceneintruder.providers.image.offline import read_frame
from sceneintruder.textkit import entities, text

_QUOTE = re.compile(r"[\"“]([^\"”]{2,200})[\"”]|[「『]([^」』]{1,200})[」』]")
_ACTION_EN = re.compile(
    r"\b(walk|walked|ran|run|came|went|entered|left|stood|sat|looked|turned|opened|took|held|gave|"
    r"danced|rode|fell|rose|met|saw|said|cried|laughed|smiled|kissed|fought|arrived|returned)\b",
    re.IGNORECASE,
)
_CAMERA = {"wide": "pan_right", "medium": "static", "close-up": "zoom_in"}
OFFLINE_STYLE_TAGS = ("offline storyboard", "flat colour", "silhouettes")


def _sentences(source: str) -> list[str]:
    return [s.strip() for s in text.split_sentences(source) if s.strip()]


def _named(sentence: str, cast: Sequence[str]) -> list[str]:
    return [name for name in cast if name and name in sentence]


def _runs(items: Sequence[Any], count: int) -> list[Sequence[Any]]:
    """`items` cut into `count` contiguous runs as even as possible (fewer when there are fewer items)."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


def _score(sentence: str, cast: Sequence[str]) -> float:
    score = 2.0 * len(_named(sentence, cast))
    if _ACTION_EN.search(sentence):
        score += 1.0
    if _QUOTE.search(sentence) or any(mark in sentence for mark in '"“”「」'):
        score -= 2.5  # a line of speech goes in a balloon; the description is what a camera sees
    length = len(sentence)
    score -= 0.0 if 30 <= length <= 260 else 1.0
    return score


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


_SPEECH_VERBS = r"(?:said|replied|cried|returned|asked|answered|added|continued|whispered|shouted|exclaimed)"
_ZH_SPEECH = "说道问叫答喊"


def _speaker(run_text: str, start: int, end: int, cast: Sequence[str]) -> str:
    """Who says the quote at run_text[start:end]: a cast name beside a speech verb right after it ("...,"
    said Elizabeth / Elizabeth said) or, in Chinese, right before it (黛玉道：“...”); else nobody (unknown
    rather than guessed)."""
    after = run_text[end : end + 60]
    before = run_text[max(0, start - 20) : start]
    for name in cast:
        escaped = re.escape(name)
        if re.match(rf"\s*,?\s*(?:{_SPEECH_VERBS}\s+{escaped}|{escaped}\s+{_SPEECH_VERBS})\b", after):
            return name
        if re.search(rf"{escaped}[^“「\"]{{0,4}}[{_ZH_SPEECH}][：:，,]?\s*$", before):
            return name
    return ""


def _lines(run_text: str, cast: Sequence[str]) -> list[Line]:
    lines: list[Line] = []
    for match in _QUOTE.finditer(run_text):
        spoken = (match.group(1) or match.group(2) or "").strip()
        if not spoken:
            continue
        lines.append(Line(speaker=_speaker(run_text, match.start(), match.end(), cast), text=_clip(spoken, 120)))
        if len(lines) == 2:
            break
    return lines


def _cast(inputs: Mapping[str, Any], units: Sequence[tuple[str, str]], language: str) -> dict[str, list[str]]:
    """Each character's name -> the forms it is written in (name first, then aliases, longest first)."""
    cast: dict[str, list[str]] = {}
    for entry in inputs.get("characters") or []:
        if isinstance(entry, Mapping):
            name, aliases = str(entry.get("name") or ""), [str(a) for a in entry.get("aliases") or []]
        else:
            name, aliases = str(entry), []
        if name.strip():
            cast[name] = [name, *sorted({a for a in aliases if a.strip() and a != name}, key=len, reverse=True)]
    if not cast:
        joined = " ".join(sentence for _, sentence in units)
        for person in entities.extract(joined, "zh" if language == "zh" else "en").people[:8]:
            forms = {a for a in person.aliases if a.strip() and a != person.name}
            cast[person.name] = [person.name, *sorted(forms, key=len, reverse=True)]
    return cast


def _present(run_text: str, cast: Mapping[str, Sequence[str]]) -> list[str]:
    return [name for name, forms in cast.items() if any(form in run_text for form in forms)]


def storyboard(inputs: Mapping[str, Any]) -> StoryboardAnswer:
    frames_wanted = int(inputs.get("frames") or 8)
    language = str(inputs.get("language") or "en")
    passages: list[tuple[str, str]] = [
        (str(p.get("node_id") or ""), str(p.get("text") or "")) for p in inputs.get("passages") or []
    ] or [("", str(inputs.get("text") or ""))]
    units = [(node_id, sentence) for node_id, passage in passages for sentence in _sentences(passage)]
    cast = _cast(inputs, units, language)
    forms = [form for names in cast.values() for form in names]
    speaker_of = {form: name for name, names in cast.items() for form in names}
    frames: list[FrameDraft] = []
    for index, run in enumerate(_runs(units, frames_wanted) if units else []):
        sentences = [sentence for _, sentence in run]
        run_text = " ".join(sentences)
        best = max(sentences, key=lambda s: _score(s, forms))
        present = _present(run_text, cast)[:4]
        staging = read_frame(run_text, {})
        lines = [
            Line(speaker=speaker_of.get(line.speaker, line.speaker), text=line.text) for line in _lines(run_text, forms)
        ]
        speakers = {line.speaker for line in lines if line.speaker}
        if index == 0:
            shot = "wide"
        elif len(present) == 1 and len(speakers) == 1:
            shot = "close-up"
        elif len(present) >= 3 or not present:
            shot = "wide"
        else:
            shot = "medium"
        frames.append(
            FrameDraft(
                description=_clip(best, 240),
                story_node_ids=sorted({node_id for node_id, _ in run if node_id}),
                characters=present,
                shot=shot,
                time=staging["time"],
                place=staging["place"],
                mood=staging["mood"],
                caption=_clip(_QUOTE.sub("", best).strip() or best, 160),
                lines=lines,
            )
        )
    return StoryboardAnswer(language=language, frames=frames)


def frame_prompt(inputs: Mapping[str, Any]) -> FramePromptAnswer:
    frame: Mapping[str, Any] = inputs.get("frame") or {}
    staging: Mapping[str, Any] = frame.get("staging") or {}
    style = str(inputs.get("style") or "")
    description = str(frame.get("description") or "")
    shot = str(staging.get("shot") or "medium")
    characters = ", ".join(str(c) for c in staging.get("characters") or [])
    parts = [f"{style} style" if style else "storyboard panel", f"{shot} shot"]
    parts += [str(staging[key]) for key in ("time", "place") if staging.get(key)]
    if staging.get("mood"):
        parts.append(f"{staging['mood']} mood")
    if characters:
        parts.append(f"characters: {characters}")
    parts.append(description)
    anchor = str(inputs.get("anchor") or "")
    if anchor:
        parts.append(f"consistent with {anchor}")
    return FramePromptAnswer(
        prompt=_clip(", ".join(p for p in parts if p), 900),
        negative_prompt=BASELINE_NEGATIVE,
        style=style,
        video_prompt=_clip(description, 300),
        camera_motion=_CAMERA.get(shot, "static"),
        narration=_clip(str(staging.get("caption") or description), 200),
        music_cue=str(staging.get("mood") or ""),
        sfx="",
    )


def key_elements(inputs: Mapping[str, Any]) -> KeyElementsAnswer:
    source = str(inputs.get("text") or "")
    language: text.Language = "zh" if str(inputs.get("language") or "") == "zh" else "en"
    sentences = _sentences(source)
    cast: list[str] = []
    for frame in inputs.get("frames") or []:
        for name in (frame.get("staging") or {}).get("characters") or []:
            if name not in cast:
                cast.append(str(name))

    def described(name: str) -> str:
        pattern = re.compile(rf"\b{re.escape(name)}\b" if name.isascii() else re.escape(name))
        return _clip(next((s for s in sentences if pattern.search(s)), ""), 200)

    things = entities.things_in(source, language) if source.strip() else entities.Things((), ())
    return KeyElementsAnswer(
        characters=[Element(name=name, description=described(name)) for name in cast[:8]],
        objects=[Element(name=n, description=described(n)) for n in things.items[:4] if described(n)],
        locations=[Element(name=n, description=described(n)) for n in things.places[:4] if described(n)],
        style_tags=list(OFFLINE_STYLE_TAGS),
    )

"""The prompts the comic steps send to a model (spec §3.3-§3.5, in our words)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BASELINE_NEGATIVE = "blurry, watermark, text, logo"
COMIC_GUARD = "western comic, comic book, comic panel, speech bubble, word balloon, halftone dots"


def storyboard_messages(*, title: str, text: str, frames: int, language: str) -> list[dict[str, str]]:
    system = (
        "You are a storyboard artist. Break the passage into exactly "
        f"{frames} frames that cover its beginning, middle, end and turning points. For each frame give a "
        "1-2 sentence visual description a camera could film, the characters in it (names as written in the "
        "text), the shot (close-up, medium or wide), time of day (day, dusk, dawn, night), place (interior or "
        "exterior), mood, a short caption, and up to two spoken lines quoted from the text with their speaker. "
        f"Write descriptions, captions and lines in the text's language ({language}). Use only what the text "
        "says; invent no names."
    )
    user = f"[title] {title}\n[target_frames] {frames}\n[text]\n{text}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def frame_prompt_messages(
    *,
    title: str,
    frame: dict[str, Any],
    content: str,
    style: str,
    continuity_mode: str,
    anchor: str,
    previous_prompt: str,
    elements: dict[str, Any] | None,
) -> list[dict[str, str]]:
    rules = [
        "Write one image-generation prompt for this comic frame, in English, concise but specific: characters, "
        "setting, action, composition, lighting and style.",
        "Keep each character's identity, outfit and props, the palette and the line weight consistent across "
        "the sequence; reuse a stable style signature.",
        f"Give a stable negative prompt that starts with: {BASELINE_NEGATIVE}.",
        f"continuity_mode={continuity_mode}; anchor: {anchor}",
        "Also give, for a later film of this comic: video_prompt (the motion in the shot), camera_motion "
        "(static, pan_left, pan_right, tilt_up, tilt_down, zoom_in, zoom_out), narration (one sentence), "
        "music_cue and sfx.",
    ]
    if style:
        rules.append(f"style={style}")
        if style != "comic":
            rules.append("Do not use comic lexicon (comic style, panel, graphic novel, speech bubble, halftone).")
    if elements:
        anchors = [
            f"- {item.get('name')}: {item.get('description', '')}"
            for key in ("characters", "objects", "locations")
            for item in elements.get(key) or []
        ]
        tags = ", ".join(elements.get("style_tags") or [])
        rules.append("Global anchors:\n" + "\n".join(anchors) + (f"\nstyle tags: {tags}" if tags else ""))
    user = (
        f"[scene] {title}\n[frame] id={frame['id']} order={frame['order']}: {frame['description']}\n"
        f"[node_content]\n{content}\n[previous_frame_prompt] {previous_prompt or '(none)'}"
    )
    return [{"role": "system", "content": "\n".join(rules)}, {"role": "user", "content": user}]


def key_elements_messages(
    *, title: str, frames: Sequence[dict[str, Any]], prompts: Sequence[dict[str, Any]]
) -> list[dict[str, str]]:
    system = (
        "Extract the most important recurring elements of this comic for a visual pipeline: characters (proper "
        "names), objects and locations, each with a short visual description, and a few short style tags. "
        "Keep the lists short and high-signal; use stable ids (char_x, obj_x, loc_x) or leave them empty."
    )
    lines = [f"[scene] {title}", f"[analysis] target_frames={len(frames)}", "[frames]"]
    lines += [f"- {frame['id']}: {frame['description']}" for frame in frames[:12]]
    lines.append("[prompts]")
    lines += [f"- {prompt.get('frame_id')}: {prompt.get('prompt', '')}" for prompt in prompts[:12]]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]

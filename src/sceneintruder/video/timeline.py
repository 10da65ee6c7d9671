"""Building a timeline from a finished comic (spec §4.2), pure.

Clips follow the comic's frame order. Durations: `duration` per clip when given (the target is then duration ×
clips), else the target shared out (16 s by default). Each clip's video prompt is the frame's `video_prompt`
(else its image prompt and the story beat), enhanced with one clause per prompt option, de-duplicated. The camera
move is the frame's `camera_motion`, else a guess from whole words of its description (spec §8.23: "up" in "cup"
is no tilt). The source hash covers what the film is made of, so a later change of the comic makes the film stale.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from sceneintruder.comic.service import FilmFrame
from sceneintruder.video.schemas import DEFAULT_TARGET_SECONDS, VideoConfig, normalise_options

CAMERA_MOTIONS = (
    "static",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "push_in",
    "pull_out",
    "zoom_in",
    "zoom_out",
    "handheld",
)
_GUESSES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # motion, English whole words, Chinese substrings
    ("handheld", ("run", "runs", "ran", "chase", "chases", "chased", "follow", "follows", "followed"), ("追",)),
    ("pan_right", ("pan", "pans", "sweep", "sweeps"), ("横移", "扫")),
    ("tilt_up", ("rise", "rises", "rose", "up", "upward", "looks up"), ("抬头", "仰")),
    ("tilt_down", ("down", "downward", "bows"), ("俯", "低头")),
    ("push_in", ("close", "closer", "approach", "approaches"), ("靠近", "推进")),
    ("pull_out", ("far", "distant", "wide"), ("远", "拉远")),
)
_CLAUSES = {
    "motion_strength": {
        "subtle": "gentle natural movement",
        "moderate": "clear natural movement",
        "strong": "bold dynamic movement",
    },
    "environment_motion": {
        "subtle": "a faint breath of wind in the scene",
        "moderate": "a living environment in motion",
        "strong": "a restless, moving environment",
    },
    "expression_intensity": {
        "subtle": "restrained expressions",
        "moderate": "readable expressions",
        "strong": "vivid expressions",
    },
    "camera_style": {
        "cinematic": "cinematic camera",
        "immersive": "immersive camera",
        "documentary": "documentary camera",
        "anime_dynamic": "dynamic anime camera",
        "poetic_epic": "poetic epic camera",
    },
    "camera_pacing": {"balanced": "balanced pacing", "slow": "slow pacing", "fast": "fast pacing"},
    "camera_transition_style": {
        "steady_cut": "steady cuts",
        "hard_cut": "hard cuts",
        "follow_match": "match cuts that follow the action",
    },
}


def guess_camera(description: str) -> str:
    lowered = description.lower()
    words = set(re.findall(r"[a-z]+", lowered))
    for motion, english, chinese in _GUESSES:
        if any((" " in w and w in lowered) or w in words for w in english) or any(c in description for c in chinese):
            return motion
    return "static"


def enhanced_prompt(base: str, options: Mapping[str, str]) -> str:
    parts = [base.strip()]
    for key, clauses in _CLAUSES.items():
        parts.append(clauses.get(options.get(key, ""), ""))
    if options.get("environment_layer_preference", "auto") != "auto":
        parts.append(f"{options['environment_layer_preference']} in the air")
    if options.get("language") in ("zh-cn", "en"):
        parts.append("dialogue in Mandarin Chinese" if options["language"] == "zh-cn" else "dialogue in English")
    if options.get("dialogue_style", "auto") != "auto":
        parts.append(f"{options['dialogue_style'].replace('_', ' ')} dialogue")
    parts.append(f"{options.get('dialogue_density', 'balanced')} dialogue density")
    parts.append(f"{options.get('dialogue_emotion_intensity', 'moderate')} emotional intensity")
    if options.get("prompt_suffix"):
        parts.append(options["prompt_suffix"])
    seen: set[str] = set()
    kept = []
    for part in parts:
        key = part.strip().lower()
        if key and key not in seen:
            seen.add(key)
            kept.append(part.strip())
    return ", ".join(kept)


def prompt_base(frame: FilmFrame) -> str:
    video_prompt = str(frame.prompt.get("video_prompt") or "").strip()
    if video_prompt:
        return video_prompt
    return (
        f"{frame.prompt.get('prompt', '')}, preserve the exact story beat: {frame.description}, "
        "turn the still into a living moment, keep continuity with the neighbouring shots"
    )


def narration_of(frame: FilmFrame) -> str:
    """What the film says over the shot: the prompt's narration, else the storyboard's lines, else its caption."""
    told = str(frame.prompt.get("narration") or "").strip()
    if told:
        return told
    lines = [str(line.get("text") or "") for line in frame.staging.get("lines") or [] if line.get("text")]
    return " ".join(lines) or str(frame.staging.get("caption") or frame.description)


def subtitle_of(frame: FilmFrame) -> str:
    lines = [
        (f"{line.get('speaker')}: " if line.get("speaker") else "") + str(line.get("text") or "")
        for line in frame.staging.get("lines") or []
        if line.get("text")
    ]
    return " / ".join(lines) or str(frame.staging.get("caption") or "")


def source_hash(frames: Sequence[FilmFrame]) -> str:
    parts = [
        {
            "frame_id": f.frame_id,
            "order": f.order,
            "prompt": f.prompt.get("prompt", ""),
            "video_prompt": f.prompt.get("video_prompt", ""),
            "camera_motion": f.prompt.get("camera_motion", ""),
            "narration": f.prompt.get("narration", ""),
            "image_hash": f.image_sha256,
        }
        for f in frames
    ]
    return hashlib.sha256(orjson.dumps(parts)).hexdigest()


def build(
    *,
    scene_id: str,
    version: str,
    frames: Sequence[FilmFrame],
    config: VideoConfig,
    provider: str,
    model: str,
    now: str,
) -> dict[str, Any]:
    count = len(frames)
    if config.duration:
        per_clip = float(config.duration)
        target = config.duration * count
    else:
        target = config.target_duration_sec or DEFAULT_TARGET_SECONDS
        per_clip = round(target / count, 3) if count else 4.0
    options = normalise_options(config.prompt_options)
    # One picture for every clip would make every shot the same (spec 8.19): a request's image_url applies only
    # to a one-clip film; per clip, PUT /frames/:id sets reference_image_url.
    override = (config.image_url or config.img_url) if len(frames) == 1 else ""
    clips = []
    for frame in frames:
        camera = str(frame.prompt.get("camera_motion") or "")
        base = prompt_base(frame)
        clips.append(
            {
                "frame_id": frame.frame_id,
                "order": frame.order,
                "prompt_base": base,
                "prompt": enhanced_prompt(base, options),
                "negative_prompt": str(frame.prompt.get("negative_prompt") or ""),
                "style": str(frame.prompt.get("style") or ""),
                "model": model,
                "image_path": f"scene_{scene_id}/images/{frame.image_path.name}",
                "image_hash": frame.image_sha256,
                "reference_image_url": override,
                "duration_sec": per_clip,
                "transition": "crossfade",
                "camera_motion": camera if camera in CAMERA_MOTIONS else guess_camera(frame.description),
                "animation_intensity": "low",
                "narration": narration_of(frame),
                "subtitle": subtitle_of(frame),
                "music_cue": str(frame.prompt.get("music_cue") or ""),
                "sfx": str(frame.prompt.get("sfx") or ""),
                "prompt_options": options,
            }
        )
    return {
        "scene_id": scene_id,
        "video_version": version,
        "comic_snapshot": {
            "scene_id": scene_id,
            "source_comic_id": scene_id,
            "comic_snapshot_id": config.comic_snapshot_id or "comic_current",
            "source_version_hash": source_hash(frames),
            "created_at": now,
        },
        "provider": provider,
        "model": model,
        "target_duration_sec": target,
        "fps": config.fps or 24,
        "resolution": config.resolution,
        "audio_enabled": config.audio_on,
        "shot_type": config.shot_type,
        "prompt_extend": config.prompt_extend,
        "audio_url": config.audio_url,
        "prompt_options": options,
        "fallback_compose": config.fallback_compose,
        "clips": clips,
        "generated_at": now,
        "updated_at": now,
    }

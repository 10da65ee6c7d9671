"""The offline film: still panels become one H.264/AAC MP4 through a single ffmpeg filter graph.

Each panel is read once, upscaled (so the slow zoom does not jitter on whole-pixel steps) and handed to
`zoompan`, which emits the shot's frames with a Ken Burns move chosen by the clip's camera motion; consecutive
shots are joined by `xfade` crossfades; each shot's subtitle (its dialogue or caption) is burned in by libass
with a CJK-capable font; the narration of each shot (a WAV) is delayed to the shot's start and mixed over a
silent bed, so the film always has an audio stream. A shot lasts at least its narration plus a breath.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CROSSFADE = 0.5  # seconds between two shots
UPSCALE = 2  # the still is zoomed from twice the output size
BREATH = 0.6  # seconds after a shot's narration before the next begins
MIN_SHOT = 1.5

_MOVES = {
    # zoom, x, y (zoompan expressions; `on` is the output frame, N the shot's frame count)
    "zoom_in": ("1+0.15*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
    "push_in": ("1+0.15*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
    "zoom_out": ("1.15-0.15*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
    "pull_out": ("1.15-0.15*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
    "pan_right": ("1.12", "(iw-iw/zoom)*on/{n}", "ih/2-(ih/zoom/2)"),
    "pan_left": ("1.12", "(iw-iw/zoom)*(1-on/{n})", "ih/2-(ih/zoom/2)"),
    "tilt_up": ("1.12", "iw/2-(iw/zoom/2)", "(ih-ih/zoom)*(1-on/{n})"),
    "tilt_down": ("1.12", "iw/2-(iw/zoom/2)", "(ih-ih/zoom)*on/{n}"),
    "static": ("1+0.04*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
}


@dataclass(frozen=True)
class Shot:
    image: Path
    seconds: float  # asked; lengthened to fit the narration
    camera: str = "static"
    subtitle: str = ""
    narration: Path | None = None
    narration_seconds: float = 0.0
    clip: Path | None = None  # a vendor's video for this shot: played (held on its last frame if short) instead

    @property
    def length(self) -> float:
        spoken = self.narration_seconds + BREATH if self.narration is not None else 0.0
        return round(max(self.seconds, spoken, MIN_SHOT), 3)


@dataclass(frozen=True)
class FilmSpec:
    width: int = 1280
    height: int = 720
    fps: int = 25
    font_file: Path | None = None  # the subtitles' font (CJK-capable)
    font_name: str = ""
    comment: str = ""


def starts(shots: Sequence[Shot]) -> list[float]:
    """Each shot's start in the film (crossfades overlap consecutive shots)."""
    out, clock = [], 0.0
    for index, shot in enumerate(shots):
        out.append(round(clock, 3))
        clock += shot.length - (CROSSFADE if index + 1 < len(shots) else 0.0)
    return out


def total_seconds(shots: Sequence[Shot]) -> float:
    return round(sum(s.length for s in shots) - CROSSFADE * max(0, len(shots) - 1), 3)


def _timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def subtitles_srt(shots: Sequence[Shot]) -> str:
    blocks, number = [], 0
    for shot, start in zip(shots, starts(shots), strict=True):
        text = " ".join(shot.subtitle.split())
        if not text:
            continue
        number += 1
        end = start + shot.length - CROSSFADE / 2
        blocks.append(f"{number}\n{_timestamp(start + 0.15)} --> {_timestamp(end)}\n{text}\n")
    return "\n".join(blocks)


def ffmpeg_args(shots: Sequence[Shot], spec: FilmSpec, *, subtitles: Path | None, output: Path) -> list[str]:
    """The whole command line after `ffmpeg` (inputs, one filter graph, encoders, output)."""
    if not shots:
        raise ValueError("a film needs at least one shot")
    args: list[str] = []
    for shot in shots:
        args += ["-i", str(shot.clip or shot.image)]
    voiced = [(index, shot) for index, shot in enumerate(shots) if shot.narration is not None]
    for _, shot in voiced:
        args += ["-i", str(shot.narration)]
    width, height, fps = spec.width, spec.height, spec.fps
    graph: list[str] = []
    for index, shot in enumerate(shots):
        frames = max(1, round(shot.length * fps))
        if shot.clip is not None:
            graph.append(
                f"[{index}:v]scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
                f"fps={fps},setsar=1,format=yuv420p,tpad=stop_mode=clone:stop_duration={shot.length},"
                f"trim=duration={shot.length},setpts=PTS-STARTPTS[v{index}]"
            )
            continue
        zoom, x, y = (part.format(n=frames) for part in _MOVES.get(shot.camera, _MOVES["static"]))
        graph.append(
            f"[{index}:v]scale={width * UPSCALE}:{height * UPSCALE}:force_original_aspect_ratio=increase,"
            f"crop={width * UPSCALE}:{height * UPSCALE},"
            f"zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}:s={width}x{height}:fps={fps},"
            f"setsar=1,format=yuv420p[v{index}]"
        )
    current = "v0"
    for index, start in enumerate(starts(shots)[1:], start=1):
        label = f"x{index}"
        graph.append(f"[{current}][v{index}]xfade=transition=fade:duration={CROSSFADE}:offset={start}[{label}]")
        current = label
    if subtitles is not None:
        style = f"FontSize=13,Outline=1,Shadow=0,MarginV=18{',FontName=' + spec.font_name if spec.font_name else ''}"
        fonts = f":fontsdir={spec.font_file.parent}" if spec.font_file is not None else ""
        graph.append(f"[{current}]subtitles=filename={subtitles}{fonts}:force_style='{style}'[vout]")
    else:
        graph.append(f"[{current}]null[vout]")
    total = total_seconds(shots)
    graph.append(f"anullsrc=r=44100:cl=stereo,atrim=duration={total}[bed]")
    mixed = ["[bed]"]
    for order, (index, _) in enumerate(voiced):
        delay = round(starts(shots)[index] * 1000)
        graph.append(
            f"[{len(shots) + order}:a]aresample=44100,aformat=channel_layouts=stereo,adelay={delay}|{delay}[a{order}]"
        )
        mixed.append(f"[a{order}]")
    graph.append(f"{''.join(mixed)}amix=inputs={len(mixed)}:duration=first:normalize=0[aout]")
    args += [
        "-filter_complex",
        ";".join(graph),
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(fps),
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-t",
        str(total),
        "-movflags",
        "+faststart",
    ]
    if spec.comment:
        args += ["-metadata", f"comment={spec.comment}"]
    args += ["-y", str(output)]
    return args

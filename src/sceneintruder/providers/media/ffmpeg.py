"""ffmpeg, found once and run as a child process whose progress is read and which dies with its job.

The binary is imageio-ffmpeg's (a wheel that bundles a static ffmpeg with libx264, AAC, zoompan, xfade and
libass), else `ffmpeg` on PATH, else `FFMPEG_PATH`. `run` reads `-progress pipe:1` to report the fraction of the
output written; a cancelled or timed-out run kills the process (and the caller removes its temp files).
`probe` reads what ffmpeg itself says of a file (duration, streams) without ffprobe, which the wheel lacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ProgressHook = Callable[[float], Awaitable[None]]


class FFmpegError(RuntimeError):
    """ffmpeg is missing, or failed (the message is its last lines of output)."""


def find_ffmpeg(explicit: str | None = None) -> str | None:
    if explicit and Path(explicit).is_file():
        return explicit
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")


async def run(
    binary: str,
    args: Sequence[str],
    *,
    duration: float,
    on_progress: ProgressHook | None = None,
    time_limit: float = 600,
) -> None:
    """Run ffmpeg with `args` (an output path last); `duration` (seconds of output) turns its progress into a
    fraction. Cancellation and `time_limit` (seconds) kill the process."""
    process = await asyncio.create_subprocess_exec(
        binary,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    errors = bytearray()

    async def read_errors() -> None:
        assert process.stderr is not None
        while chunk := await process.stderr.read(4096):
            errors.extend(chunk)
            del errors[:-8192]  # only the end matters

    async def read_progress() -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            key, _, value = line.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.isdigit() and on_progress is not None and duration > 0:
                await on_progress(min(1.0, int(value) / 1_000_000 / duration))

    try:
        async with asyncio.timeout(time_limit):
            await asyncio.gather(read_errors(), read_progress())
            code = await process.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait(), 10)
        raise
    if code != 0:
        tail = errors.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise FFmpegError(f"ffmpeg exited with {code}: {' | '.join(tail)[:500]}")


@dataclass(frozen=True)
class Probe:
    duration: float
    video_codec: str
    width: int
    height: int
    fps: float
    audio_codec: str  # "" when the file has no audio stream
    comment: str


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})[^,]*,.*?(\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)")
_COMMENT = re.compile(r"^\s*comment\s*:\s*(.*)$", re.MULTILINE)


async def probe(binary: str, path: Path) -> Probe:
    """What ffmpeg reports of `path` (its `-i` banner): duration, video codec and size, fps, audio codec."""
    process = await asyncio.create_subprocess_exec(
        binary, "-hide_banner", "-i", str(path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, raw = await process.communicate()
    banner = raw.decode("utf-8", "replace")
    duration = _DURATION.search(banner)
    video = _VIDEO.search(banner)
    if duration is None or video is None:
        raise FFmpegError(f"not a video: {path.name}")
    hours, minutes, seconds = duration.groups()
    audio = _AUDIO.search(banner)
    comment = _COMMENT.search(banner)
    return Probe(
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        video_codec=video.group(1),
        width=int(video.group(2)),
        height=int(video.group(3)),
        fps=float(video.group(4)),
        audio_codec=audio.group(1) if audio else "",
        comment=comment.group(1).strip() if comment else "",
    )

"""The offline film's tools on real binaries: espeak-ng speaks, ffmpeg renders the one filter graph (Ken Burns
moves, crossfades, burned-in CJK subtitles, narration mixed over a silent bed) into an H.264/AAC MP4 whose probe
matches what was asked; a cancelled render kills ffmpeg."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from sceneintruder.providers.image.fonts import find_fonts
from sceneintruder.providers.media import ffmpeg, film, speech

FFMPEG = ffmpeg.find_ffmpeg()
ESPEAK = speech.find_espeak()
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg (imageio-ffmpeg) is a dependency")


def _panel(path: Path, colour: tuple[int, int, int]) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (1024, 768), colour).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_shots_last_their_narration_and_overlap_by_the_crossfade(tmp_path: Path) -> None:
    shots = [
        film.Shot(tmp_path / "a.png", 3.0),
        film.Shot(tmp_path / "b.png", 2.0, narration=tmp_path / "b.wav", narration_seconds=4.0),
        film.Shot(tmp_path / "c.png", 0.5),
    ]
    assert [s.length for s in shots] == [3.0, 4.6, film.MIN_SHOT]
    assert film.starts(shots) == [0.0, 2.5, 6.6]
    assert film.total_seconds(shots) == 3.0 + 4.6 + film.MIN_SHOT - 2 * film.CROSSFADE
    srt = film.subtitles_srt([film.Shot(tmp_path / "a.png", 3.0, subtitle="Hello  there")])
    assert srt.startswith("1\n00:00:00,150 --> 00:00:02,750\nHello there")


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is installed by .ci/run")
async def test_a_narrated_subtitled_film_is_a_real_mp4(tmp_path: Path) -> None:
    fonts = find_fonts()
    lines = [("It is a truth universally acknowledged.", "en"), ("你怎么又哭了？", "zh")]
    shots = []
    for index, (line, language) in enumerate(lines):
        wav = tmp_path / f"n{index}.wav"
        seconds = await speech.speak(ESPEAK, line, language, wav)
        assert seconds > 0.5
        image = _panel(tmp_path / f"p{index}.png", (40 * index, 120, 200))
        shots.append(film.Shot(image, 2.0, ("zoom_in", "pan_right")[index], line, wav, seconds))
    srt = tmp_path / "subs.srt"
    srt.write_text(film.subtitles_srt(shots), encoding="utf-8")
    font = fonts.cjk or fonts.latin
    spec = film.FilmSpec(
        width=640,
        height=360,
        fps=24,
        font_file=font,
        font_name=ImageFont.truetype(str(font)).getname()[0] if font else "",
        comment="offline render",
    )
    out = tmp_path / "film.mp4"
    seen: list[float] = []

    async def progress(fraction: float) -> None:
        seen.append(fraction)

    await ffmpeg.run(
        FFMPEG,
        film.ffmpeg_args(shots, spec, subtitles=srt, output=out),
        duration=film.total_seconds(shots),
        on_progress=progress,
    )
    probe = await ffmpeg.probe(FFMPEG, out)
    assert probe.video_codec == "h264" and probe.audio_codec == "aac"
    assert (probe.width, probe.height) == (640, 360) and probe.fps == 24
    assert abs(probe.duration - film.total_seconds(shots)) <= 0.05 * film.total_seconds(shots)
    assert probe.comment == "offline render"
    assert seen and seen == sorted(seen) and seen[-1] > 0.5


async def test_a_cancelled_render_kills_ffmpeg(tmp_path: Path) -> None:
    image = _panel(tmp_path / "p.png", (90, 90, 90))
    shots = [film.Shot(image, 120.0, "zoom_in")]  # long enough to still be running when cancelled
    out = tmp_path / "long.mp4"
    started = asyncio.Event()

    async def progress(fraction: float) -> None:
        started.set()

    task = asyncio.create_task(
        ffmpeg.run(
            FFMPEG,
            film.ffmpeg_args(shots, film.FilmSpec(), subtitles=None, output=out),
            duration=120,
            on_progress=progress,
        )
    )
    await asyncio.wait_for(started.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _processes_naming(out) == []


def _processes_naming(path: Path) -> list[str]:
    """The processes whose command line names `path` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(path).encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:  # the process ended meanwhile
            continue
    return found

"""Video benchmark: the offline film's render time against the film's own duration.

    python bench/video.py [--panels 8] [--seconds 30] [--resolution 720P]

Offline, in this process: --panels panels drawn by the offline renderer (the comic's), each narrated by
espeak-ng, composed by one ffmpeg filter graph (Ken Burns per panel, crossfades, burned-in subtitles,
narration mixed over a silent bed) into an H.264/AAC MP4 of about --seconds seconds. Printed: the film's
duration, the render's wall time and the real-time factor (wall / duration; target <= 1.0 on 2 cores), and
the CPU seconds ffmpeg used. Baseline in the same run: ffmpeg encoding the same duration of one still image
with no filter (what any H.264 encode of that length costs here).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import ImageFont  # noqa: E402

from sceneintruder.providers.image.base import ImageRequest  # noqa: E402
from sceneintruder.providers.image.fonts import find_fonts  # noqa: E402
from sceneintruder.providers.image.offline import OfflineRenderer  # noqa: E402
from sceneintruder.providers.media import ffmpeg, film, speech  # noqa: E402
from sceneintruder.video.schemas import RESOLUTIONS  # noqa: E402

LINES = [
    "It is a truth universally acknowledged.",
    "My dear Mr. Bennet, have you heard that Netherfield Park is let at last?",
    "Mr. Bennet replied that he had not.",
    "But it is, returned she, for Mrs. Long has just been here.",
    "Do you not want to know who has taken it?",
    "You want to tell me, and I have no objection to hearing it.",
    "This was invitation enough.",
    "Why, my dear, you must know, he is a young man of large fortune.",
]
CAMERAS = ["zoom_in", "pan_right", "tilt_up", "zoom_out", "pan_left", "static", "tilt_down", "push_in"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run(panels: int, seconds: float, resolution: str) -> None:
    binary, voice = ffmpeg.find_ffmpeg(), speech.find_espeak()
    if binary is None:
        raise SystemExit("no ffmpeg (pip install imageio-ffmpeg)")
    fonts = find_fonts()
    renderer = OfflineRenderer(fonts)
    width, height = RESOLUTIONS[resolution]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shots = []
        for index in range(panels):
            line = LINES[index % len(LINES)]
            image = folder / f"panel_{index}.png"
            hints = {"characters": ["Elizabeth", "Mr. Bennet"], "seed_text": f"bench/{index}"}
            image.write_bytes(renderer.render(ImageRequest(prompt=line, width=1024, height=768, hints=hints)))
            wav, spoken = None, 0.0
            if voice is not None:
                wav = folder / f"line_{index}.wav"
                spoken = await speech.speak(voice, line, "en", wav)
            per_shot = (seconds + film.CROSSFADE * (panels - 1)) / panels
            shots.append(film.Shot(image, per_shot, CAMERAS[index % len(CAMERAS)], line, wav, spoken))
        subtitles = folder / "subs.srt"
        subtitles.write_text(film.subtitles_srt(shots), encoding="utf-8")
        font = fonts.cjk or fonts.latin
        spec = film.FilmSpec(
            width=width,
            height=height,
            fps=24,
            font_file=font,
            font_name=(ImageFont.truetype(str(font)).getname()[0] or "") if font else "",
            comment="offline render (bench)",
        )
        total = film.total_seconds(shots)
        out = folder / "film.mp4"
        cpu_before, begin = _children_cpu(), time.perf_counter()
        await ffmpeg.run(binary, film.ffmpeg_args(shots, spec, subtitles=subtitles, output=out), duration=total)
        wall, cpu = time.perf_counter() - begin, _children_cpu() - cpu_before
        probe = await ffmpeg.probe(binary, out)
        base_out = folder / "baseline.mp4"
        cpu_before, begin = _children_cpu(), time.perf_counter()
        await ffmpeg.run(
            binary,
            [
                "-loop",
                "1",
                "-i",
                str(shots[0].image),
                "-t",
                str(total),
                "-vf",
                f"scale={width}:{height},format=yuv420p",
                "-r",
                "24",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-y",
                str(base_out),
            ],
            duration=total,
        )
        base_wall, base_cpu = time.perf_counter() - begin, _children_cpu() - cpu_before
    print(f"offline film ({panels} panels, {resolution}, narration: {'espeak-ng' if voice else 'none'}):")
    streams = f"{probe.video_codec}/{probe.audio_codec or '-'}"
    print(f"  film        {probe.duration:.2f} s  {streams}  {probe.width}x{probe.height}")
    print(f"  render      wall {wall:.2f} s   real-time factor {wall / probe.duration:.3f}   (target <= 1.0)")
    print(f"  cpu         {cpu:.2f} s of ffmpeg")
    print(f"  baseline    one still encoded for {total:.1f} s: wall {base_wall:.2f} s, cpu {base_cpu:.2f} s")
    print(f"  ratio       {wall / base_wall:.2f}x the baseline's wall time")
    print("vendor path: not measured (the video vendors' adapters are not built yet)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panels", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--resolution", choices=sorted(RESOLUTIONS), default="720P")
    args = parser.parse_args()
    asyncio.run(run(args.panels, args.seconds, args.resolution))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
import math
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


async def vendor_path(panels: int, latency: float, concurrency: int) -> None:
    """The whole job through the API (in this process) against a fake Seedance whose every clip takes
    `latency` seconds: the clips' wall time (first submit to last download) vs ceil(panels/concurrency) x L."""
    import contextlib

    import httpx
    from asgi_lifespan import LifespanManager
    from tests.fakes.videos import KEY, FakeVideoVendor, short_mp4
    from tests.support.servers import run_uvicorn

    from sceneintruder.app import create_app
    from sceneintruder.core.settings import Settings

    binary = ffmpeg.find_ffmpeg()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        mp4 = await asyncio.to_thread(short_mp4, str(binary), clip)
        vendor = FakeVideoVendor(mp4, latency=latency)
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp) / "data",
            rate_limit_enabled=False,
            allow_private_provider_urls=True,
            log_level="WARNING",
        )
        app = create_app(settings)
        async with contextlib.AsyncExitStack() as stack:
            base = await stack.enter_async_context(run_uvicorn(vendor.app(), lifespan="off"))
            vendor.base = base
            await stack.enter_async_context(LifespanManager(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120)
            )
            name, password = (Path(tmp) / "data" / "initial-admin-password").read_text().strip().split(":", 1)
            token = (await http.post("/api/auth/login", json={"username": name, "password": password})).json()
            http.headers["Authorization"] = f"Bearer {token['data']['token']}"
            config = {
                "endpoint": f"{base}/api/v3",
                "api_key": KEY,
                "poll_interval_ms": 50,
                "max_concurrency": concurrency,
            }
            (
                await http.post("/api/settings", json={"video_provider": "ark", "video_config": config})
            ).raise_for_status()
            text = (ROOT / "tests/eval/texts").glob("en_*.txt").__next__().read_text(encoding="utf-8")[:12_000]
            scene = (await http.post("/api/scenes", json={"title": "Bench", "text": text})).json()["data"]["id"]
            comic = f"/api/scenes/{scene}/comic"
            for step, body in (("analysis", {"target_frames": panels}), ("prompts", {}), ("generate", {})):
                await _finish(http, f"{comic}/{step}", body)
            await http.post(f"{comic}/video/timeline", json={"duration": 5})
            await _finish(http, f"{comic}/video/generate", {})
    first_submit = min(t["submitted"] for t in vendor.tasks.values())
    clips_wall = max(vendor.downloaded) - first_submit  # first clip submitted to last clip fetched
    critical = math.ceil(panels / concurrency) * latency
    print(f"vendor path ({panels} clips, latency {latency} s, concurrency {concurrency}):")
    print(
        f"  clips wall  {clips_wall:.2f} s   critical path ceil({panels}/{concurrency}) x {latency} = {critical:.2f} s"
    )
    print(f"  ratio       {clips_wall / critical:.3f}   (target <= 1.1)")


async def _finish(http, path: str, body: dict) -> dict:
    task_id = (await http.post(path, json=body)).json()["data"]["task_id"]
    while True:
        task = (await http.get(f"/api/tasks/{task_id}")).json()["data"]
        if task["status"] in ("completed", "failed", "cancelled"):
            if task["status"] != "completed":
                raise SystemExit(f"{path}: {task}")
            return task
        await asyncio.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panels", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--resolution", choices=sorted(RESOLUTIONS), default="720P")
    parser.add_argument("--latency", type=float, default=2.0, help="the fake vendor's seconds per clip")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--skip-vendor", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.panels, args.seconds, args.resolution))
    if not args.skip_vendor:
        asyncio.run(vendor_path(args.panels, args.latency, args.concurrency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Comic benchmark: the offline renderer's panels and the PDF, then a real image vendor's wall time against the
critical path.

    python bench/comic.py [--frames 12] [--latency 0.5] [--concurrency 2]

1. Offline, in this process: a --frames storyboard of the evaluation set's English chapter (the offline
   storyboard skill), each panel drawn by the offline renderer at 1024x768, fitted and lettered (what the
   panels job does per frame), then the pages laid out and the PDF written. Seconds per panel (mean, max) and
   the total. Baseline in the same run: encoding a plain 1024x768 PNG (what storing any panel costs). Target:
   <= 1 s per panel.
2. A vendor, over HTTP: the server (its own process, COMIC_IMAGE_CONCURRENCY=--concurrency) with the fake
   OpenAI images vendor (its own process, every picture taking --latency seconds) draws a --frames comic through
   the API; the job's wall time (its started_at to finished_at) against the critical path,
   ceil(frames / concurrency) x latency. Target: wall <= 1.1 x critical path.
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _servers import free_port, project_server, wait_until_up  # noqa: E402
from PIL import Image  # noqa: E402

from sceneintruder.comic.offline.skills import storyboard  # noqa: E402
from sceneintruder.comic.pages import PanelImage, render_pages  # noqa: E402
from sceneintruder.comic.panels import finish_panel  # noqa: E402
from sceneintruder.comic.storyboard import staging_of  # noqa: E402
from sceneintruder.providers.image.base import PNG, GeneratedImage, ImageRequest  # noqa: E402
from sceneintruder.providers.image.fonts import find_fonts  # noqa: E402
from sceneintruder.providers.image.offline import OfflineRenderer  # noqa: E402

TEXT = sorted((ROOT / "tests/eval/texts").glob("en_*.txt"))[0]


def offline_panels(frames: int) -> None:
    import img2pdf

    fonts = find_fonts()
    renderer = OfflineRenderer(fonts)
    board = storyboard({"text": TEXT.read_text(encoding="utf-8")[:20_000], "frames": frames, "language": "en"})
    times: list[float] = []
    panels: list[PanelImage] = []
    started = time.perf_counter()
    for index, draft in enumerate(board.frames):
        staging = staging_of(draft)
        begin = time.perf_counter()
        request = ImageRequest(
            prompt=draft.description, width=1024, height=768, hints={**staging, "seed_text": f"bench/{index}"}
        )
        data = renderer.render(request)
        image = GeneratedImage(data, PNG, renderer.name, renderer.default_model, True)
        lettered, *_ = finish_panel(image, (1024, 768), fonts, staging)
        times.append(time.perf_counter() - begin)
        panels.append(PanelImage(f"frame_{index + 1}", lettered, staging["shot"], True))
    pages_begin = time.perf_counter()
    pages = render_pages(panels, fonts, title=TEXT.stem)
    pdf = img2pdf.convert(pages)
    pages_time = time.perf_counter() - pages_begin
    total = time.perf_counter() - started
    baseline = []
    for _ in range(len(times)):
        begin = time.perf_counter()
        Image.new("RGB", (1024, 768), (200, 200, 200)).save(io.BytesIO(), format="PNG", compress_level=6)
        baseline.append(time.perf_counter() - begin)
    mean, base = statistics.mean(times), statistics.mean(baseline)
    print(f"offline panels ({len(times)} at 1024x768, drawn + fitted + lettered):")
    print(f"  per panel   mean {mean:.3f} s   max {max(times):.3f} s   (target <= 1 s)")
    print(f"  baseline    a plain 1024x768 PNG encoded: {base:.3f} s   ratio {mean / base:.1f}x")
    print(f"  pages + PDF {len(pages)} pages, {len(pdf) / 1024:.0f} KiB in {pages_time:.2f} s")
    print(f"  total       {total:.2f} s for the whole comic")


def _admin(base: str, data: Path) -> dict[str, str]:
    name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
    login = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
    return {"Authorization": f"Bearer {login['data']['token']}"}


def _run(http: httpx.Client, path: str, body: dict) -> dict:
    task_id = http.post(path, json=body).raise_for_status().json()["data"]["task_id"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        task = http.get(f"/api/tasks/{task_id}").json()["data"]
        if task["status"] in ("completed", "failed", "cancelled"):
            if task["status"] != "completed":
                raise RuntimeError(f"{path}: {task}")
            return task
        time.sleep(0.05)
    raise RuntimeError(f"{path} did not finish")


def vendor_wall_time(frames: int, latency: float, concurrency: int) -> None:
    port = free_port()
    vendor = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/_fake_images.py"), str(port), str(latency)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/cdn/probe", vendor)
        with (
            tempfile.TemporaryDirectory() as tmp,
            project_server(
                Path(tmp), COMIC_IMAGE_CONCURRENCY=str(concurrency), ALLOW_PRIVATE_PROVIDER_URLS="true"
            ) as base,
        ):
            headers = _admin(base, Path(tmp))
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                http.post(
                    "/api/settings",
                    json={
                        "vision_provider": "openai",
                        "vision_config": {"endpoint": f"http://127.0.0.1:{port}/v1", "api_key": "img-key-0123456789"},
                    },
                ).raise_for_status()
                text = TEXT.read_text(encoding="utf-8")[:20_000]
                scene = http.post("/api/scenes", json={"title": "Bench", "text": text}).raise_for_status().json()
                comic = f"/api/scenes/{scene['data']['id']}/comic"
                _run(http, f"{comic}/analysis", {"target_frames": frames})
                _run(http, f"{comic}/prompts", {})
                begin = time.perf_counter()
                task = _run(http, f"{comic}/generate", {})
                round_trip = time.perf_counter() - begin
        drawn = len(task["result"]["generated"])
        wall = (
            datetime.fromisoformat(task["finished_at"]) - datetime.fromisoformat(task["started_at"])
        ).total_seconds()
        critical = math.ceil(drawn / concurrency) * latency
        print(f"vendor panels ({drawn} frames, latency {latency} s, concurrency {concurrency}):")
        print(f"  job wall    {wall:.2f} s   (request to seen-finished {round_trip:.2f} s)")
        print(f"  critical    ceil({drawn}/{concurrency}) x {latency} = {critical:.2f} s")
        print(f"  ratio       {wall / critical:.3f}   (target <= 1.1)")
    finally:
        vendor.terminate()
        vendor.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--skip-vendor", action="store_true", help="only the offline part")
    args = parser.parse_args()
    offline_panels(args.frames)
    if not args.skip_vendor:
        vendor_wall_time(args.frames, args.latency, args.concurrency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

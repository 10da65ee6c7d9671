"""Start-up benchmark: how long the server takes to be ready, and the first request of each kind against the same
request's warm p99.

    python bench/startup.py [--warm 30]

A fresh server (its own process, a fresh DATA_DIR) is started; from its start to its first 200 on /api/health is
the start-up time. Then, one kind at a time, the very first request of that kind, and --warm more of it:
- `POST /api/scenes` with a 6,000-character Chinese chapter (stored and analysed offline: jieba's dictionary);
- `POST /api/chat` to a character of that scene, in Chinese (the offline reply searches the book);
- `GET /api/scenes/:id` after a write to the scene (a chat: SceneData is rebuilt), and unchanged (from the
  read cache); the first of each is the first such request the process serves.
Each first request's time is printed with the kind's warm p99 and their ratio. Target: first <= 2 x warm p99.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _servers import server_process  # noqa: E402

TEXT = (ROOT / "tests/eval/texts/zh_shuihu_ch02.txt").read_text(encoding="utf-8")[:6000]


def _timed(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = call()
    return (time.perf_counter() - started) * 1000, response.raise_for_status()


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm", type=int, default=30, help="warm requests of each kind after the first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data = Path(tmp) / "data"
        begin = time.perf_counter()
        with server_process([sys.executable, "-m", "sceneintruder", "serve"], data) as (base, _):
            ready = time.perf_counter() - begin
            name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
            with httpx.Client(base_url=base, timeout=120) as http:
                login = http.post("/api/auth/login", json={"username": name, "password": password}).json()
                http.headers["Authorization"] = f"Bearer {login['data']['token']}"
                rows = []
                scene_id = ""

                def create() -> httpx.Response:
                    return http.post("/api/scenes", json={"title": "水浒", "text": TEXT})

                first, created = _timed(create)
                scene_id = created.json()["data"]["id"]
                warm = [_timed(create)[0] for _ in range(args.warm)]
                rows.append(("POST /api/scenes (6,000 Chinese characters)", first, warm))
                characters = http.get(f"/api/scenes/{scene_id}/characters").raise_for_status().json()["data"]
                character_id = characters[0]["id"]

                def chat() -> httpx.Response:
                    body = {"scene_id": scene_id, "character_id": character_id, "message": "你在华阴县做什么？"}
                    return http.post("/api/chat", json=body)

                first, _ = _timed(chat)
                rows.append(("POST /api/chat (Chinese, offline)", first, [_timed(chat)[0] for _ in range(args.warm)]))

                def read() -> httpx.Response:
                    return http.get(f"/api/scenes/{scene_id}")

                first, _ = _timed(read)  # the chats above wrote to the scene: built, then cached
                rebuilt = []
                for _ in range(args.warm):
                    chat()  # a write to the scene drops its cached SceneData: the next read rebuilds it
                    rebuilt.append(_timed(read)[0])
                rows.append(("GET /api/scenes/:id after a write (rebuilt)", first, rebuilt))
                first, _ = _timed(read)
                rows.append(
                    ("GET /api/scenes/:id unchanged (cached)", first, [_timed(read)[0] for _ in range(args.warm)])
                )
    print(f"start-up to the first 200 on /api/health: {ready:.2f} s (the dictionary is loaded during it)")
    for label, first, warm in rows:
        p99 = _p99(warm)
        print(f"  {label:<46} first {first:8.1f} ms   warm p99 {p99:7.1f} ms   ratio {first / p99:5.2f}  (target <= 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

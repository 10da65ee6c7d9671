"""Scene analysis benchmark, against a real server (uvicorn, SQLite) and a fake LLM answering after a fixed delay.

    python bench/analysis.py [--delay-ms 200] [--concurrency 4] [--chunk-chars 20000] [--seconds 5]

1. POST /api/analyze with a ~1 MB text (a public-domain chapter repeated), followed over SSE until the job's
   terminal event: wall time vs the critical path ceil(chunks / concurrency) x delay. Target: <= 1.1x.
2. GET /api/scenes/:id of a chapter-sized scene under 50 connections vs the bare FastAPI endpoint of
   bench/http_api.py, alternating rounds. Target: >= 0.5x bare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import run_load
from _servers import bare_server, project_server
from http_api import median_round
from llm_overhead import KEY, fake_vendor

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = (ROOT / "tests/fixtures/pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")
CANNED = {
    "characters": [{"name": "Elizabeth", "role": "heroine", "mentions": 9}, {"name": "Darcy", "mentions": 5}],
    "locations": [{"name": "Netherfield"}],
    "items": [{"name": "letter"}],
    "era": "Regency",
    "atmosphere": "witty",
    "themes": ["marriage"],
    "summary": "A ball and its consequences.",
}


def login(base: str, data: Path) -> dict[str, str]:
    name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
    token = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
    return {"Authorization": f"Bearer {token['data']['token']}"}


def analyse_megabyte(base: str, headers: dict[str, str]) -> tuple[float, int]:
    source = "\n\n".join([CHAPTER] * (1_000_000 // len(CHAPTER) + 1))
    started = time.perf_counter()
    task = httpx.post(f"{base}/api/analyze", json={"title": "Bench", "text": source}, headers=headers, timeout=60)
    task_id = task.json()["data"]["task_id"]
    chunks = 0
    with httpx.stream("GET", f"{base}/api/progress/{task_id}", timeout=600) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            chunks = event.get("chunks_total", chunks)
            if event.get("status") in ("completed", "failed"):
                if event["status"] != "completed":
                    raise RuntimeError(f"analysis failed: {event}")
                break
    return time.perf_counter() - started, chunks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--chunk-chars", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        reply = Path(tmp) / "reply.json"
        reply.write_text(json.dumps(CANNED), encoding="utf-8")
        data = Path(tmp) / "data"
        env = {
            "ALLOW_PRIVATE_PROVIDER_URLS": "true",
            "LLM_MAX_RETRIES": "0",
            "ANALYSIS_CONCURRENCY": str(args.concurrency),
            "ANALYSIS_CHUNK_CHARS": str(args.chunk_chars),
        }
        with fake_vendor(args.delay_ms / 1000, str(reply)) as fake, project_server(data, **env) as base:
            admin = login(base, data)
            saved = httpx.post(
                f"{base}/api/settings",
                headers=admin,
                json={"llm_provider": "openai", "llm_config": {"api_key": KEY, "base_url": f"{fake}/v1"}},
            )
            saved.raise_for_status()
            wall, chunks = analyse_megabyte(base, admin)
            critical = math.ceil(chunks / args.concurrency) * args.delay_ms / 1000
            scene = httpx.post(
                f"{base}/api/scenes", headers=admin, json={"title": "Chapter", "text": CHAPTER}, timeout=60
            ).json()["data"]
            url = f"{base}/api/scenes/{scene['id']}"
            with bare_server() as bare_base:
                targets = [(url, admin, []), (f"{bare_base}/bare", None, [])]
                for target, headers, _ in targets:
                    asyncio.run(run_load(target, concurrency=50, seconds=1.5, headers=headers))
                for _ in range(args.rounds):
                    for target, headers, results in targets:
                        results.append(
                            asyncio.run(run_load(target, concurrency=50, seconds=args.seconds, headers=headers))
                        )
    ours, bare = median_round(targets[0][2]), median_round(targets[1][2])
    print(
        f"analysis of {len(CHAPTER) * (1_000_000 // len(CHAPTER) + 1):,} characters: {chunks} chunks, "
        f"concurrency {args.concurrency}, fake delay {args.delay_ms:.0f} ms"
    )
    print(f"  wall {wall:.2f} s, critical path {critical:.2f} s, ratio {wall / critical:.2f} (target <= 1.1)")
    print(ours.line("GET /api/scenes/:id"))
    print(bare.line("bare FastAPI endpoint"))
    print(f"  ratio {ours.rps / bare.rps:.2f} (target >= 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

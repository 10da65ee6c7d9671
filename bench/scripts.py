"""Writing-assistant benchmark: a command's context on a long book, and the outline job against its critical path.

    python bench/scripts.py [--chapters 300] [--words 2000] [--repeat 200] [--latency 0.2]

1. Context build, in this process on a migrated SQLite database: a --chapters book of --words-word chapters,
   every chapter with its outline, prose, summary and five memory entries (a fact, a thread, a foreshadowing,
   two character states), indexed for full-text search. The context a command at chapter 10 and at chapter
   N-10 sees (`scripts.context.build`: outline, previous ending, recent summaries, memory found by search, the
   states of the characters named) is built --repeat times each: p50 and p99. Baseline in the same run: reading
   the whole book's prose (what the reference handed a command). Targets: p99 <= 20 ms at chapter N-10, and
   within 1.5x of chapter 10's.
2. The outline job, over HTTP: the server (its own process) with the fake writing vendor (its own process, every
   answer taking --latency seconds) outlines a --chapters book in batches of 20, then writes chapter 1's key
   beats. The job's wall time (started_at to finished_at) against its critical path: the batches are sequential
   (each sees the chapters before it), so ceil(chapters / 20) + 1 calls x latency. Target: wall <= 1.1x.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
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

from _servers import free_port, project_server  # noqa: E402
from sqlalchemy import select  # noqa: E402

from sceneintruder.db.engine import create_engine  # noqa: E402
from sceneintruder.db.migrate import upgrade_to_head  # noqa: E402
from sceneintruder.db.session import Database  # noqa: E402
from sceneintruder.scripts import context, memory  # noqa: E402
from sceneintruder.scripts.models import Script, ScriptChapter, ScriptSummary  # noqa: E402
from sceneintruder.users.models import User  # noqa: E402

NAMES = ["Mara", "Ezra", "Tamsin", "Oren", "Lydia", "Caspian", "Wren", "Halden", "Isolde", "Bram"]
WORDS = [
    *("tide", "lamp", "harbour", "storm", "rope", "glass", "keeper", "letter", "boat", "rocks", "fog", "bell"),
    *("island", "ledger", "salt", "window", "stair", "lantern", "shore", "wreck", "gull", "cliff", "chart"),
    *("compass", "oil", "wick"),
]
KEY = "sk-test-0123456789abcdef"
CONTEXT_CHARS: dict[int, int] = {}  # chapter -> the largest context built for it, in characters


def _prose(rng: random.Random, words: int, chapter: int) -> str:
    paragraphs = []
    count = 0
    while count < words:
        sentence = [rng.choice(NAMES), *rng.choices(WORDS, k=11)]
        paragraph = " ".join(f"{' '.join(sentence)}." for _ in range(5))
        paragraphs.append(paragraph)
        count += 60
    return f"Chapter {chapter}.\n\n" + "\n\n".join(paragraphs)


async def _seed(db: Database, chapters: int, words: int) -> str:
    rng = random.Random(7)
    async with db.writer() as session:
        session.add(User(id="bench", username="bench", password_hash=None, role="user"))
        await session.flush()
        session.add(Script(id="script_1", owner_id="bench", title="Bench", type="novel", framework={}, cursor={}))
        await session.flush()
        seq = 0
        for index in range(1, chapters + 1):
            name = NAMES[index % len(NAMES)]
            session.add(
                ScriptChapter(
                    script_id="script_1",
                    index=index,
                    title=f"The {rng.choice(WORDS)} of {name}",
                    summary=f"{name} follows the {rng.choice(WORDS)} to the {rng.choice(WORDS)}.",
                    outline=f"{name} finds the {rng.choice(WORDS)}\nA {rng.choice(WORDS)} answers",
                    user_draft=_prose(rng, words, index),
                )
            )
            session.add(
                ScriptSummary(script_id="script_1", chapter=index, summary=f"{name} and the {rng.choice(WORDS)}.")
            )
            entries = [
                ("fact", f"{name} keeps the {rng.choice(WORDS)} in the {rng.choice(WORDS)}", ""),
                ("thread", f"who moved the {rng.choice(WORDS)} near the {rng.choice(WORDS)}", ""),
                ("foreshadowing", f"the {rng.choice(WORDS)} {rng.choice(WORDS)} seen by {name}", ""),
                ("character_state", f"mood: {rng.choice(WORDS)}", name),
                ("character_state", f"place: {rng.choice(WORDS)}", NAMES[(index + 3) % len(NAMES)]),
            ]
            for kind, text, character in entries:
                seq += 1
                state = {text.split(":")[0]: text.split(": ")[1]} if kind == "character_state" else None
                await memory.add(
                    session, "script_1", kind=kind, text=text, chapter=index, seq=seq, character=character,
                    payoff_by=index + 5 if kind != "fact" and kind != "character_state" else None,
                    attrs={"state": state} if state else {},
                )  # fmt: skip
        await session.commit()
    return "script_1"


async def _time_context(db: Database, chapter: int, repeat: int) -> list[float]:
    request = "expand the chapter, raise the tension around the lamp"
    times = []
    sizes = []
    async with db.reader() as session:
        row = await session.get(ScriptChapter, ("script_1", chapter))
        current = row.user_draft[:3000] if row else ""
    for _ in range(repeat):
        async with db.reader() as session:
            begin = time.perf_counter()
            built = await context.build(session, "script_1", chapter, current_text=current, request=request)
            times.append((time.perf_counter() - begin) * 1000)
        assert built["outline_text"] and built["memory"]
        sizes.append(len(str(built)))
    CONTEXT_CHARS[chapter] = max(sizes)
    return times


async def _time_whole_book(db: Database, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        async with db.reader() as session:
            begin = time.perf_counter()
            texts = (
                await session.scalars(select(ScriptChapter.user_draft).where(ScriptChapter.script_id == "script_1"))
            ).all()
            times.append((time.perf_counter() - begin) * 1000)
        assert texts
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def context_build(url: str, chapters: int, words: int, repeat: int) -> None:
    db = Database(create_engine(url))
    try:
        begin = time.perf_counter()
        await _seed(db, chapters, words)
        seeded = time.perf_counter() - begin
        early = await _time_context(db, 10, repeat)
        late = await _time_context(db, chapters - 10, repeat)
        whole = await _time_whole_book(db, max(10, repeat // 10))
    finally:
        await db.dispose()
    size = chapters * words
    print(f"context build ({chapters} chapters x {words} words = {size:,} words, {chapters * 5} memory entries; "
          f"seeded in {seeded:.1f} s; {repeat} builds each):")  # fmt: skip
    print(f"  chapter 10         p50 {_p(early, 0.5):6.2f} ms   p99 {_p(early, 0.99):6.2f} ms")
    late_line = f"  chapter {chapters - 10:<10} p50 {_p(late, 0.5):6.2f} ms   p99 {_p(late, 0.99):6.2f} ms"
    print(f"{late_line}   (target p99 <= 20 ms)")
    print(f"  ratio late/early   p99 {_p(late, 0.99) / _p(early, 0.99):.2f}   (target <= 1.5)")
    print(f"  baseline           reading the whole book's prose: p50 {statistics.median(whole):.2f} ms")
    book_chars = chapters * len(_prose(random.Random(7), words, 1))
    print(
        f"  context size       chapter 10: {CONTEXT_CHARS[10]:,} chars, chapter {chapters - 10}: "
        f"{CONTEXT_CHARS[chapters - 10]:,} chars (the whole book: ~{book_chars:,})"
    )


def outline_wall(chapters: int, latency: float) -> None:
    port = free_port()
    vendor = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/_fake_writer.py"), str(port), str(latency)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_vendor(port, vendor)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            with project_server(data, ALLOW_PRIVATE_PROVIDER_URLS="true", LLM_MAX_RETRIES="0") as base:
                name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
                token = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
                headers = {"Authorization": f"Bearer {token['data']['token']}"}
                with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                    config = {"api_key": KEY, "base_url": f"http://127.0.0.1:{port}/v1"}
                    http.post("/api/settings", json={"llm_provider": "openai", "llm_config": config}).raise_for_status()
                    created = http.post(
                        "/api/scripts", json={"title": "Bench", "framework": {"chapter_count": chapters}}
                    )
                    script_id = created.raise_for_status().json()["data"]["id"]
                    task_id = (
                        http.post(f"/api/scripts/{script_id}/generate").raise_for_status().json()["data"]["task_id"]
                    )
                    deadline = time.monotonic() + 900
                    while time.monotonic() < deadline:
                        task = http.get(f"/api/tasks/{task_id}").json()["data"]
                        if task["status"] in ("completed", "failed", "cancelled"):
                            break
                        time.sleep(0.05)
                    if task["status"] != "completed":
                        raise RuntimeError(f"the outline job did not complete: {task}")
                    outlined = len(http.get(f"/api/scripts/{script_id}").json()["data"]["chapter_draft"]["chapters"])
        wall = (
            datetime.fromisoformat(task["finished_at"]) - datetime.fromisoformat(task["started_at"])
        ).total_seconds()
        calls = math.ceil(chapters / 20) + 1
        critical = calls * latency
        print(f"outline job ({outlined} chapters in batches of 20, vendor latency {latency} s):")
        print(f"  job wall    {wall:.2f} s")
        print(f"  critical    {calls} sequential calls x {latency} = {critical:.2f} s")
        print(f"  ratio       {wall / critical if critical else float('inf'):.3f}   (target <= 1.1)")
    finally:
        vendor.terminate()
        vendor.wait(timeout=30)


def _wait_vendor(port: int, vendor: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if vendor.poll() is not None:
            raise RuntimeError("the fake vendor exited")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the fake vendor did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--skip-vendor", action="store_true", help="only the context build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade_to_head(url)  # alembic runs its own event loop: before ours
        asyncio.run(context_build(url, args.chapters, args.words, args.repeat))
    if not args.skip_vendor:
        outline_wall(args.chapters, args.latency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

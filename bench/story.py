"""Story benchmark: what a choice adds to the model's time, and reading (and choosing on) a story of 1,000 nodes.

    python bench/story.py [--choices 200] [--delay-ms 50] [--reads 300] [--copies 46] [--long-choices 100]
                          [--concurrent-choices 400] [--concurrency 20] [--rounds 3]

Every part runs the project server as its own process (real uvicorn, SQLite file in WAL mode, default settings).

1. Choice round-trip overhead. The scene is created and its story built with the built-in provider; then the
   tests' fake OpenAI server (its own process, `--delay-ms` before every answer, every answer a valid next-node
   JSON) becomes the provider. One client alternates POST /api/scenes/:id/story/choice (lock, checks, prompt
   from the bounded context, the model call, one transaction storing the new node and its choices, the room
   told) with the same model request sent straight to the fake. Overhead = server minus raw, per percentile.
   Target: p99 <= 15 ms.
2. GET /api/scenes/:id/story for a story of some 1,000 nodes (a text of `--copies` copies of the tests'
   Pride and Prejudice chapters, analysed by POST /api/analyze; every segment a node). Measured one request at a
   time: served from the story cache (repeated reads); rebuilt every time from the node cache (a server with
   READ_CACHE_TTL_SECONDS=0: what the first read after a move costs, when only the moved nodes are re-encoded);
   and with no cache at all (STORY_NODE_CACHE_SECONDS=0 too: a server that just started). Next to a bare FastAPI
   app serving the very same bytes (moving that response with no work at all). Target: p99 <= 50 ms.
3. Part 1 on that long book (`--long-choices`, 0 to skip): the same alternation of choices and raw model calls,
   where every answer carries the whole StoryData (some 1.8 MB) and the book's passages number a thousand.
4. Part 1 with `--concurrency` players at once (20), each on a story of its own (a story takes one move at a
   time), `--concurrent-choices` choices measured per round over `--rounds` rounds on one server (the median
   round counts, as in chat.py); each player's first `WARM_UP` choices are not measured and run straight into the
   measured ones (see chat.py on why). Read by `_stream_client.py`, a lean HTTP/1.1 client, on both sides.
   Target: p99 <= 10 ms (the issue's server path of a model call, at 20 concurrent requests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _rounds
from _servers import bare_server, project_server
from _stream_client import side_by_side
from llm_overhead import KEY, fake_vendor, percentile

NOVEL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pride_and_prejudice_ch1-3.txt"
NEXT_NODE = {
    "content": "You cross the drawing room; Mrs Bennet looks up from her needlework and waits for you to speak.",
    "type": "event",
    "choices": [
        {"text": "Ask her about Netherfield", "consequence": "She talks at length", "next_node_hint": "gossip"},
        {"text": "Excuse yourself and walk out", "consequence": "The garden is quiet", "next_node_hint": "walk"},
    ],
}


def _summary(name: str, values: list[float]) -> str:
    return f"{name:<46} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   (n={len(values)})"


def _admin(base: str, data: Path) -> dict[str, str]:
    name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
    login = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
    return {"Authorization": f"Bearer {login['data']['token']}"}


def _settled_story(http: httpx.Client, scene_id: str) -> dict:
    """GET /story once the initialisation job (building and narration) has finished."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        story = http.get(f"/api/scenes/{scene_id}/story").json()["data"]
        task_id = story.get("task_id")
        if task_id is None or http.get(f"/api/tasks/{task_id}").json()["data"]["status"] == "completed":
            return http.get(f"/api/scenes/{scene_id}/story").json()["data"]
        time.sleep(0.2)
    raise RuntimeError("the story did not finish initialising")


def _choose(http: httpx.Client, scene_id: str, node: dict) -> tuple[float, dict]:
    body = {"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
    started = time.perf_counter()
    response = http.post(f"/api/scenes/{scene_id}/story/choice", json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"choice failed: {response.status_code} {response.text[:300]}")
    return elapsed, response.json()["data"]["next_node"]


def _raw_completion(direct: httpx.Client, fake: str) -> float:
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "system", "content": "You narrate."}, {"role": "user", "content": "Next node, please."}],
        "response_format": {"type": "json_object"},
    }
    started = time.perf_counter()
    response = direct.post(f"{fake}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"})
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


@contextlib.contextmanager
def _servers_for_choices(args: argparse.Namespace) -> Iterator[tuple[str, str, dict[str, str]]]:
    """The fake vendor (every answer a valid next node) and the project server: (fake, server, admin headers)."""
    with tempfile.TemporaryDirectory(prefix="bench-story-") as tmp:
        reply = Path(tmp) / "next_node.json"
        reply.write_text(json.dumps(NEXT_NODE), encoding="utf-8")
        data = Path(tmp) / "data"
        with (
            fake_vendor(args.delay_ms / 1000, str(reply)) as fake,
            project_server(data, ALLOW_PRIVATE_PROVIDER_URLS="true", LLM_MAX_RETRIES="0") as base,
        ):
            yield fake, base, _admin(base, data)


def choice_overhead(args: argparse.Namespace) -> tuple[list[float], list[float]]:
    with _servers_for_choices(args) as (fake, base, admin):
        with httpx.Client(base_url=base, headers=admin, timeout=120) as http, httpx.Client(timeout=60) as direct:
            text = NOVEL.read_text(encoding="utf-8")[:6000]
            created = http.post("/api/scenes", json={"title": "P&P", "text": text})
            created.raise_for_status()
            scene_id = created.json()["data"]["id"]
            story = _settled_story(http, scene_id)
            config = {"api_key": KEY, "base_url": f"{fake}/v1"}
            http.post("/api/settings", json={"llm_provider": "openai", "llm_config": config}).raise_for_status()
            return _choices(http, direct, fake, scene_id, story, args.choices)


def _choices(
    http: httpx.Client, direct: httpx.Client, fake: str, scene_id: str, story: dict, count: int
) -> tuple[list[float], list[float]]:
    """`count` choices from the current node on (after 10 that warm up), each followed by the raw model call."""
    node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
    ours: list[float] = []
    raw: list[float] = []
    for n in range(count + 10):
        elapsed, node = _choose(http, scene_id, node)
        direct_ms = _raw_completion(direct, fake)
        if n >= 10:
            ours.append(elapsed)
            raw.append(direct_ms)
    return ours, raw


RAW_BODY = {
    "model": "gpt-4.1",
    "messages": [{"role": "system", "content": "You narrate."}, {"role": "user", "content": "Next node, please."}],
    "response_format": {"type": "json_object"},
}
WARM_UP = 3  # choices per player before its measured ones, with no pause between (see bench/chat.py)
Round = tuple[list[float], list[float]]  # the choices' times, the raw calls' times


def concurrent_choices(args: argparse.Namespace) -> list[Round]:
    """`--concurrency` players, each on a story of its own (a story takes one move at a time), alternating a
    choice with the same model call made straight to the fake; `--rounds` rounds on one server."""
    with _servers_for_choices(args) as (fake, base, admin):
        with httpx.Client(base_url=base, headers=admin, timeout=300) as http:
            text = NOVEL.read_text(encoding="utf-8")[:6000]
            scene_ids = []
            for number in range(args.concurrency):
                created = http.post("/api/scenes", json={"title": f"P&P {number}", "text": text})
                created.raise_for_status()
                scene_ids.append(created.json()["data"]["id"])
            nodes = []
            for scene_id in scene_ids:
                story = _settled_story(http, scene_id)
                nodes.append(next(n for n in story["nodes"] if n["id"] == story["current_node_id"]))
            config = {"api_key": KEY, "base_url": f"{fake}/v1"}
            http.post("/api/settings", json={"llm_provider": "openai", "llm_config": config}).raise_for_status()
        return [asyncio.run(_concurrent_round(base, fake, admin, scene_ids, nodes, args)) for _ in range(args.rounds)]


async def _concurrent_round(
    base: str, fake: str, admin: dict[str, str], scene_ids: list[str], nodes: list[dict], args: argparse.Namespace
) -> Round:
    ours: list[float] = []
    raw: list[float] = []
    each = max(1, args.concurrent_choices // len(scene_ids))
    raw_body = orjson.dumps(RAW_BODY)
    vendor_auth = {"Authorization": f"Bearer {KEY}"}

    async def player(index: int) -> None:
        path = f"/api/scenes/{scene_ids[index]}/story/choice"
        async with side_by_side(base, fake) as (server, vendor):
            for n in range(WARM_UP + each):
                node = nodes[index]
                body = orjson.dumps({"node_id": node["id"], "choice_id": node["choices"][0]["id"]})
                status, _, mine, answer = await server.exchange(path, body, admin)
                if status != 200:
                    raise RuntimeError(f"choice failed: {status} {answer[:300]!r}")
                nodes[index] = orjson.loads(answer)["data"]["next_node"]
                status, _, theirs, _ = await vendor.exchange("/v1/chat/completions", raw_body, vendor_auth)
                if status != 200:
                    raise RuntimeError(f"raw call failed: {status}")
                if n >= WARM_UP:
                    ours.append(mine)
                    raw.append(theirs)

    await asyncio.gather(*(player(index) for index in range(len(scene_ids))))
    return ours, raw


def _analysed_story(http: httpx.Client, copies: int) -> tuple[str, dict]:
    text = "\n\n".join([NOVEL.read_text(encoding="utf-8")] * copies)
    started = http.post("/api/analyze", json={"title": "Long Pride", "text": text})
    started.raise_for_status()
    task_id = started.json()["data"]["task_id"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        task = http.get(f"/api/tasks/{task_id}").json()["data"]
        if task["status"] == "completed":
            scene_id = task["result"]["scene_id"]
            return scene_id, _settled_story(http, scene_id)
        if task["status"] in ("failed", "cancelled"):
            raise RuntimeError(f"analysis {task['status']}: {task.get('error') or task.get('message')}")
        time.sleep(0.5)
    raise RuntimeError("the analysis did not finish")


def _timed_gets(http: httpx.Client, url: str, count: int) -> list[float]:
    times = []
    for n in range(count + 20):  # the first 20 warm up
        started = time.perf_counter()
        response = http.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        if n >= 20:
            times.append(elapsed)
    return times


@dataclass
class LongBook:
    nodes: int = 0
    size: int = 0
    cached: list[float] = field(default_factory=list)
    after_move: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)  # choices on it
    raw: list[float] = field(default_factory=list)


def big_story(args: argparse.Namespace) -> LongBook:
    """Reads served from the story cache; reads that rebuild StoryData from the node cache every time (what the
    first read after a move costs); reads with no cache at all; the bare baseline; then choices on that book."""
    book = LongBook()
    with tempfile.TemporaryDirectory(prefix="bench-story-") as tmp:
        data = Path(tmp) / "data"
        with project_server(data, ANALYSIS_CHUNK_CHARS="100000") as base:
            admin = _admin(base, data)
            with httpx.Client(base_url=base, headers=admin, timeout=120) as http:
                scene_id, story = _analysed_story(http, args.copies)
                url = f"/api/scenes/{scene_id}/story"
                payload = http.get(url).content
                book.nodes, book.size = len(story["nodes"]), len(payload)
                book.cached = _timed_gets(http, url, args.reads)
        with project_server(data, READ_CACHE_TTL_SECONDS="0") as base:
            with httpx.Client(base_url=base, headers=admin, timeout=120) as http:
                book.after_move = _timed_gets(http, url, args.reads)
        with project_server(data, READ_CACHE_TTL_SECONDS="0", STORY_NODE_CACHE_SECONDS="0") as base:
            with httpx.Client(base_url=base, headers=admin, timeout=120) as http:
                book.cold = _timed_gets(http, url, args.reads)
        body = Path(tmp) / "story.json"
        body.write_bytes(payload)
        with bare_server(BARE_PAYLOAD_FILE=str(body)) as bare, httpx.Client(base_url=bare, timeout=60) as http:
            book.baseline = _timed_gets(http, "/bare/payload", args.reads)
        if args.long_choices:
            reply = Path(tmp) / "next_node.json"
            reply.write_text(json.dumps(NEXT_NODE), encoding="utf-8")
            with (
                fake_vendor(args.delay_ms / 1000, str(reply)) as fake,
                project_server(data, ALLOW_PRIVATE_PROVIDER_URLS="true", LLM_MAX_RETRIES="0") as base,
                httpx.Client(base_url=base, headers=admin, timeout=120) as http,
                httpx.Client(timeout=60) as direct,
            ):
                config = {"api_key": KEY, "base_url": f"{fake}/v1"}
                http.post("/api/settings", json={"llm_provider": "openai", "llm_config": config}).raise_for_status()
                story = http.get(url).json()["data"]
                book.ours, book.raw = _choices(http, direct, fake, scene_id, story, args.long_choices)
    return book


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choices", type=int, default=200, help="choices measured (each also a raw model call)")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="the fake vendor's time before it answers")
    parser.add_argument("--reads", type=int, default=300, help="GET /story requests measured")
    parser.add_argument("--copies", type=int, default=46, help="copies of the chapters in the long text")
    parser.add_argument("--long-choices", type=int, default=100, help="choices on the long book (0: none)")
    parser.add_argument(
        "--concurrent-choices", type=int, default=400, help="choices measured with --concurrency players (0: none)"
    )
    parser.add_argument("--concurrency", type=int, default=20, help="players choosing at once, each on a story")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of concurrent choices; the median round counts")
    args = parser.parse_args()

    print(f"1. POST /story/choice through a fake vendor answering after {args.delay_ms:.0f} ms, {args.choices} choices")
    ours, raw = choice_overhead(args)
    print(_summary("server: POST /story/choice", ours))
    print(_summary("raw: the same model call straight to the fake", raw))
    overhead50 = percentile(ours, 50) - percentile(raw, 50)
    overhead99 = percentile(ours, 99) - percentile(raw, 99)
    print(f"{'overhead':<46} p50 {overhead50:7.2f} ms   p99 {overhead99:7.2f} ms")
    print(f"   target overhead p99 <= 15 ms: {'ok' if overhead99 <= 15 else 'OVER TARGET'}")

    print(f"2. GET /story on a long book ({args.copies} copies of the chapters), {args.reads} reads")
    book = big_story(args)
    print(f"   {book.nodes} nodes, response {book.size / 1024:.0f} KiB")
    print(_summary("server: GET /story, from the story cache", book.cached))
    print(_summary("server: rebuilt from cached nodes (a move)", book.after_move))
    print(_summary("server: rebuilt from the database, no cache", book.cold))
    print(_summary("bare FastAPI app, the same bytes", book.baseline))
    for name, reads in (("cached", book.cached), ("after a move", book.after_move), ("no cache", book.cold)):
        ratio = percentile(reads, 50) / percentile(book.baseline, 50)
        verdict = "ok" if percentile(reads, 99) <= 50 else "OVER TARGET"
        print(f"   {name}: p50 {ratio:.1f}x the bare app; target p99 <= 50 ms: {verdict}")
    if args.long_choices:
        count = args.long_choices
        print(f"3. POST /story/choice on that long book, {count} choices (each answers its whole StoryData)")
        print(_summary("server: POST /story/choice", book.ours))
        print(_summary("raw: the same model call straight to the fake", book.raw))
        overhead50 = percentile(book.ours, 50) - percentile(book.raw, 50)
        overhead99 = percentile(book.ours, 99) - percentile(book.raw, 99)
        print(f"{'overhead':<46} p50 {overhead50:7.2f} ms   p99 {overhead99:7.2f} ms")
    if args.concurrent_choices:
        print(f"4. POST /story/choice, {args.concurrency} players at once, each on a story of its own")
        median99 = _rounds.report(
            concurrent_choices(args),
            ours="server: POST /story/choice",
            raw="raw: the same model call straight to the fake",
            width=46,
        )
        verdict = "ok" if median99 <= 10 else "OVER TARGET"
        print(f"   target overhead p99 <= 10 ms (the server path of a model call): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

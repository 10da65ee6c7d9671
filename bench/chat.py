"""Chat benchmark: storing a turn in a long conversation, and what streaming adds to the first token.

    python bench/chat.py [--history 2000] [--turns 300] [--streams 100] [--delay-ms 50] [--concurrency 1]

1. Append latency, in this process, on the real app (SQLite file, WAL): a scene is seeded with `--history`
   messages, then `--turns` chat turns are stored one after the other exactly as POST /api/chat stores them
   after the model has answered (`chat.turns.store`: scene lock, one writer transaction, tip lookup, user line
   + reply, commit, `conversation:new` to the room). The same is measured on a 20-message scene, so growth
   with history shows as a difference; also the context read a reply starts with (`load_context`: scene, cast,
   the branch's last 20 messages; the scene and cast come from
   the app's cache, as in the server). Target: p99 <= 20 ms at 2,000 messages, independent of the history length.
2. Streaming time-to-first-token overhead: the project server (separate process, real uvicorn) points at the
   tests' fake OpenAI server (separate process, `--delay-ms` before every answer). Each worker alternates
   POST /api/chat {"stream": true} through the server (time to the first `event: delta`) with a raw streaming
   request to the fake (time to the first content delta). Overhead = server minus raw. Target: p50 <= 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _servers import project_server
from llm_overhead import KEY, fake_vendor, percentile

from sceneintruder.app import create_app
from sceneintruder.chat import service, turns
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.schemas import ChatRequest
from sceneintruder.core.principal import Principal, Role
from sceneintruder.core.settings import Settings
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import creation
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.analysis_schema import SceneAnalysis, SceneCharacter

NOVEL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pride_and_prejudice_ch1-3.txt"
OWNER = Principal(user_id="admin", role=Role.ADMIN, authenticated=True)
BENCH_MADE_BY = Provenance("bench", "none")  # the stored replies are the bench's own text, not a model's


def _summary(name: str, values: list[float]) -> str:
    return f"{name:<44} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   (n={len(values)})"


async def _seeded_scene(app, history: int) -> str:
    analysis = SceneAnalysis(
        language="en",
        characters=[SceneCharacter(key="ann", name="Ann", personality="lively"), SceneCharacter(key="ben", name="Ben")],
        summary="Two friends talk.",
    )
    async with app.state.db.writer() as session:
        scene = await creation.store_analyzed_scene(
            session, owner_id=OWNER.user_id, title="Bench", source="Ann and Ben talk.", analysis=analysis, provider="x"
        )
    for start in range(0, history, 500):
        async with app.state.db.writer() as session:
            for n in range(start, min(history, start + 500)):
                await scenes_service.append_message(
                    session, scene_id=scene.id, speaker_id="user", content=f"seed message {n}", commit=False
                )
            await session.commit()
    return scene.id


async def append_latency(history: int, count: int) -> tuple[list[float], list[float]]:
    """Per stored turn (ms), and per context read (ms), on a scene that starts with `history` messages."""
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), log_level="WARNING", rate_limit_enabled=False)
        app = create_app(settings)
        async with LifespanManager(app):
            scene_id = await _seeded_scene(app, history)
            runtime = app.state.components.get(ChatRuntime)  # the one the routes use (history limit 20)
            characters = await runtime.context(OWNER, scene_id)
            request = ChatRequest(scene_id=scene_id, character_id=characters.cast[0].id, message="How are you?")
            prepared = await service.prepare_chat(runtime, principal=OWNER, request=request)
            stores: list[float] = []
            reads: list[float] = []
            for n in range(count + 20):  # the first 20 warm up
                started = time.perf_counter()
                await turns.store(runtime, prepared, turns.GeneratedReply(f"Reply {n}.", 0, BENCH_MADE_BY))
                stored = (time.perf_counter() - started) * 1000
                started = time.perf_counter()
                await runtime.context(OWNER, scene_id)
                read = (time.perf_counter() - started) * 1000
                if n >= 20:
                    stores.append(stored)
                    reads.append(read)
    return stores, reads


async def _first_delta_through_server(http: httpx.AsyncClient, body: dict, headers: dict) -> float:
    started = time.perf_counter()
    first = None
    async with http.stream("POST", "/api/chat", json=body, headers=headers) as response:
        async for line in response.aiter_lines():  # read to the end, as a client does
            if first is None and line.startswith("event: delta"):
                first = (time.perf_counter() - started) * 1000
    if first is None:
        raise RuntimeError("the stream ended without a delta")
    return first


async def _first_delta_raw(http: httpx.AsyncClient, fake: str) -> float:
    body = {"model": "gpt-4.1", "stream": True, "messages": [{"role": "user", "content": "Hello"}]}
    started = time.perf_counter()
    first = None
    async with http.stream(
        "POST", f"{fake}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
    ) as response:
        async for line in response.aiter_lines():
            compact = line.replace(" ", "")
            if first is None and '"content":"' in compact and '"content":""' not in compact:
                first = (time.perf_counter() - started) * 1000
    assert first is not None
    return first


async def first_token(base: str, fake: str, args: argparse.Namespace, admin: dict, scene: dict) -> tuple[list, list]:
    ours: list[float] = []
    raw: list[float] = []
    character = scene["characters"][0]["id"]
    async with httpx.AsyncClient(base_url=base, timeout=60) as http, httpx.AsyncClient(timeout=60) as direct:

        async def worker(turns_each: int, keep: bool) -> None:
            for n in range(turns_each):
                body = {"scene_id": scene["id"], "character_id": character, "message": f"Line {n}", "stream": True}
                mine = await _first_delta_through_server(http, body, admin)
                theirs = await _first_delta_raw(direct, fake)
                if keep:
                    ours.append(mine)
                    raw.append(theirs)

        await asyncio.gather(*(worker(3, False) for _ in range(args.concurrency)))  # warm-up
        each = max(1, args.streams // args.concurrency)
        await asyncio.gather(*(worker(each, True) for _ in range(args.concurrency)))
    return ours, raw


def streaming(args: argparse.Namespace) -> tuple[list[float], list[float]]:
    with fake_vendor(args.delay_ms / 1000) as fake, tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        data = Path(tmp) / "data"
        with project_server(data, ALLOW_PRIVATE_PROVIDER_URLS="true", LLM_MAX_RETRIES="0") as base:
            name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
            login = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
            admin = {"Authorization": f"Bearer {login['data']['token']}"}
            # The scene is analysed by the builtin provider first; then the fake vendor becomes the provider.
            created = httpx.post(
                f"{base}/api/scenes", json={"title": "P&P", "text": NOVEL.read_text()}, headers=admin, timeout=120
            )
            created.raise_for_status()
            scene_id = created.json()["data"]["id"]
            characters = httpx.get(f"{base}/api/scenes/{scene_id}/characters", headers=admin).json()["data"]
            config = {"api_key": KEY, "base_url": f"{fake}/v1"}
            saved = httpx.post(
                f"{base}/api/settings", json={"llm_provider": "openai", "llm_config": config}, headers=admin
            )
            saved.raise_for_status()
            scene = {"id": scene_id, "characters": characters}
            return asyncio.run(first_token(base, fake, args, admin, scene))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=2000, help="messages already in the scene")
    parser.add_argument("--turns", type=int, default=300, help="turns stored for the append measurement")
    parser.add_argument("--streams", type=int, default=100, help="streams measured (each also a raw stream)")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="the fake vendor's time before it answers")
    parser.add_argument("--concurrency", type=int, default=1, help="streams in flight at once")
    args = parser.parse_args()

    print(f"1. storing a chat turn (user line + reply), {args.turns} turns")
    small_stores, small_reads = asyncio.run(append_latency(20, args.turns))
    big_stores, big_reads = asyncio.run(append_latency(args.history, args.turns))
    print(_summary("store a turn, scene of 20 messages", small_stores))
    print(_summary(f"store a turn, scene of {args.history} messages", big_stores))
    print(_summary("read the reply context, 20 messages", small_reads))
    print(_summary(f"read the reply context, {args.history} messages", big_reads))
    verdict = "ok" if percentile(big_stores, 99) <= 20 else "OVER TARGET"
    print(f"   target p99 <= 20 ms at {args.history} messages: {verdict}")

    print(f"2. streaming time to first token, fake vendor delay {args.delay_ms:.0f} ms, {args.concurrency} at once")
    ours, raw = streaming(args)
    print(_summary("server: POST /api/chat stream, first delta", ours))
    print(_summary("raw: fake vendor stream, first delta", raw))
    overhead50 = percentile(ours, 50) - percentile(raw, 50)
    overhead99 = percentile(ours, 99) - percentile(raw, 99)
    print(f"{'overhead':<44} p50 {overhead50:7.2f} ms   p99 {overhead99:7.2f} ms")
    print(f"   target overhead <= 10 ms: {'ok' if overhead50 <= 10 else 'OVER TARGET'} (p50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

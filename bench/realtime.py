"""Realtime benchmark: WebSocket broadcast to one scene room, idle-socket memory, and SSE fan-out of one job.

    python bench/realtime.py [--clients 1000] [--seconds 30] [--subscribers 1000] [--events 50] [--workers 4]

1. `--clients` WebSocket clients join one scene room; the server's RSS is read before and after (idle sockets).
2. One broadcast per `--interval` seconds for `--seconds`, published through `hub.publish` inside the server
   (a bench-only route, see `_realtime_app.py`): delivery latency p50/p99/max, and messages lost.
3. `--subscribers` SSE streams on one job, which then reports `--events` progress events: how many streams got
   every event (ids 1..n without a gap) and the delivery latency of the progress events.

The server is a separate single-worker uvicorn process with the production settings; the clients run in
`--workers` processes (so client-side parsing does not pile up in one event loop). Everything is on loopback.
Targets: p99 <= 100 ms, 0 lost, <= 30 KiB per idle socket, every SSE subscriber gets every event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _servers import BENCH_DIR, raise_open_files_limit, server_process

CONNECT_CONCURRENCY = 50  # handshakes in flight per worker


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- WebSocket clients (in worker processes) -------------------------------------------------------------------


def ws_worker(base: str, scene_id: str, first: int, count: int, compression: bool, pipe: Connection) -> None:
    raise_open_files_limit()
    asyncio.run(_ws_worker(base.replace("http", "ws", 1), scene_id, first, count, compression, pipe))


async def _ws_worker(ws_base: str, scene_id: str, first: int, count: int, compression: bool, pipe: Connection) -> None:
    latencies: list[tuple[int, float]] = []  # (broadcast, milliseconds)
    seen: list[set[int]] = [set() for _ in range(count)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(index: int):
        async with gate:
            ws = await connect(
                f"{ws_base}/ws/scene/{scene_id}?user_id=c{first + index}",
                ping_interval=None,
                compression="deflate" if compression else None,
                open_timeout=60,
            )
            await ws.recv()  # `connected`
            return ws

    async def listen(index: int, ws) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "bench":
                latencies.append((message["seq"], (time.monotonic() - message["sent"]) * 1000))
                seen[index].add(message["seq"])

    sockets = await asyncio.gather(*(open_one(i) for i in range(count)))
    listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
    pipe.send("ready")
    expected = await asyncio.to_thread(pipe.recv)  # the number of broadcasts, once they are all sent
    await asyncio.sleep(2)  # let the last one arrive
    closed = sum(1 for task in listeners if task.done())
    for ws in sockets:
        await ws.close()
    pipe.send({"latencies": latencies, "lost": sum(expected - len(s) for s in seen), "closed": closed})


def _bench_scene(http: httpx.Client) -> str:
    """A real (empty) scene for the room, created through the API by a guest, as the clients are: a room opens
    only on a scene its visitor may see."""
    created = http.post("/api/scenes/shell", json={"title": "Realtime bench"})
    created.raise_for_status()
    return created.json()["data"]["id"]


async def _warm_up(ws_base: str, scene_id: str, count: int = 40) -> None:
    """Open a few sockets at once, then close them, so one-off allocations (the database pool growing to its
    size under concurrent room checks, caches, first-use code paths) are not counted as per-socket memory."""

    async def one(index: int) -> None:
        async with connect(f"{ws_base}/ws/scene/{scene_id}?user_id=w{index}", ping_interval=None) as ws:
            await ws.recv()
            await asyncio.sleep(1)  # hold it, so the others overlap

    await asyncio.gather(*(one(index) for index in range(count)))


def run_ws_phase(base: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with httpx.Client(base_url=base, timeout=30) as http:
        scene_id = _bench_scene(http)
        asyncio.run(_warm_up(base.replace("http", "ws", 1), scene_id))
        time.sleep(1)
        rss_before = rss_kib(pid)
        pipes, processes = [], []
        per_worker = [args.clients // args.workers + (i < args.clients % args.workers) for i in range(args.workers)]
        first = 0
        for count in per_worker:
            parent, child = context.Pipe()
            process = context.Process(target=ws_worker, args=(base, scene_id, first, count, args.compression, child))
            process.start()
            pipes.append(parent)
            processes.append(process)
            first += count
        for pipe in pipes:
            if pipe.recv() != "ready":
                raise RuntimeError("a worker failed to connect")
        in_room = http.get("/api/ws/status").json()["data"]["total_connections"]
        time.sleep(2)  # settle
        rss_after = rss_kib(pid)

        broadcasts = max(1, round(args.seconds / args.interval))
        start = time.monotonic()
        for seq in range(broadcasts):
            http.post(f"/_bench/publish/{scene_id}", params={"seq": seq}).raise_for_status()
            time.sleep(max(0.0, start + (seq + 1) * args.interval - time.monotonic()))
        for pipe in pipes:
            pipe.send(broadcasts)
        results = [pipe.recv() for pipe in pipes]
        for process in processes:
            process.join(timeout=60)
    samples = [(seq, ms) for result in results for seq, ms in result["latencies"]]
    latencies = [ms for _, ms in samples]
    slowest: dict[int, float] = {}  # the last client to get each broadcast
    for seq, ms in samples:
        slowest[seq] = max(ms, slowest.get(seq, 0.0))
    return {
        "clients": args.clients,
        "per_broadcast_max_ms": [round(slowest[seq], 1) for seq in sorted(slowest)],
        "connected": in_room,
        "broadcasts": broadcasts,
        "delivered": len(latencies),
        "lost": sum(result["lost"] for result in results),
        "closed": sum(result["closed"] for result in results),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=float("nan")),
        "rss_per_socket_kib": (rss_after - rss_before) / max(1, args.clients),
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": rss_after / 1024,
    }


# --- SSE subscribers (in worker processes) ---------------------------------------------------------------------


def sse_worker(base: str, task_id: str, count: int, pipe: Connection) -> None:
    raise_open_files_limit()
    asyncio.run(_sse_worker(base, task_id, count, pipe))


async def _sse_worker(base: str, task_id: str, count: int, pipe: Connection) -> None:
    latencies: list[float] = []
    ids: list[list[int]] = [[] for _ in range(count)]
    subscribed = 0
    all_subscribed = asyncio.Event()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(120, connect=60), limits=limits) as client:

        async def follow(index: int) -> None:
            nonlocal subscribed
            event_id, data = None, None
            headers = {"Accept": "text/event-stream"}
            async with client.stream("GET", f"/api/progress/{task_id}", headers=headers) as response:
                async for line in response.aiter_lines():
                    if line.startswith("id: "):
                        event_id = int(line[4:])
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                    elif line == "" and data is not None:
                        if "event_type" in data:
                            ids[index].append(event_id)
                            if "sent" in data:
                                latencies.append((time.monotonic() - data["sent"]) * 1000)
                            if len(ids[index]) == 1:
                                subscribed += 1
                                if subscribed == count:
                                    all_subscribed.set()
                        data = None

        followers = [asyncio.create_task(follow(i)) for i in range(count)]
        await all_subscribed.wait()
        pipe.send("ready")
        await asyncio.gather(*followers, return_exceptions=True)
    pipe.send({"ids": ids, "latencies": latencies})


def run_sse_phase(base: str, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with httpx.Client(base_url=base, timeout=30) as http:
        task_id = http.post("/_bench/jobs", params={"events": args.events, "interval": args.event_interval}).json()[
            "task_id"
        ]
        pipes, processes = [], []
        per_worker = [
            args.subscribers // args.workers + (i < args.subscribers % args.workers) for i in range(args.workers)
        ]
        for count in per_worker:
            parent, child = context.Pipe()
            process = context.Process(target=sse_worker, args=(base, task_id, count, child))
            process.start()
            pipes.append(parent)
            processes.append(process)
        for pipe in pipes:
            if pipe.recv() != "ready":
                raise RuntimeError("a worker failed to subscribe")
        started = time.monotonic()
        http.post(f"/_bench/jobs/{task_id}/go").raise_for_status()
        results = [pipe.recv() for pipe in pipes]
        took = time.monotonic() - started
        for process in processes:
            process.join(timeout=60)
    expected = list(range(1, args.events + 3))  # started (the snapshot), the progress events, completed
    streams = [stream for result in results for stream in result["ids"]]
    latencies = [value for result in results for value in result["latencies"]]
    return {
        "subscribers": args.subscribers,
        "complete": sum(1 for stream in streams if stream == expected),
        "missing": sum(len(set(expected) - set(stream)) for stream in streams),
        "events": args.events,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "seconds": took,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket clients in the room")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to broadcast")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between broadcasts")
    parser.add_argument("--subscribers", type=int, default=1000, help="SSE streams on one job")
    parser.add_argument("--events", type=int, default=50, help="progress events the job reports")
    parser.add_argument("--event-interval", type=float, default=0.05, help="seconds between them")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--compression", action="store_true", help="offer and accept permessage-deflate")
    args = parser.parse_args()
    raise_open_files_limit()
    with tempfile.TemporaryDirectory(prefix="bench-realtime-") as tmp:
        command = [sys.executable, str(BENCH_DIR / "_realtime_app.py")]
        deflate = "true" if args.compression else "false"
        with server_process(command, Path(tmp) / "data", WS_PER_MESSAGE_DEFLATE=deflate) as (base, process):
            ws = run_ws_phase(base, process.pid, args)
            sse = run_sse_phase(base, args)
    print(
        f"WebSocket: {ws['clients']} clients in one room ({ws['connected']} connected), {ws['broadcasts']} "
        f"broadcasts, {ws['delivered']} deliveries: p50 {ws['p50_ms']:.1f} ms, p99 {ws['p99_ms']:.1f} ms, "
        f"max {ws['max_ms']:.1f} ms, lost {ws['lost']}, closed {ws['closed']}   (targets: p99 <= 100 ms, 0 lost)"
    )
    print(f"  last delivery of each broadcast (ms): {ws['per_broadcast_max_ms']}")
    print(
        f"idle sockets: server RSS {ws['rss_before_mib']:.1f} -> {ws['rss_after_mib']:.1f} MiB, "
        f"{ws['rss_per_socket_kib']:.1f} KiB per socket{' (compression on)' if args.compression else ''}"
        f"   (target <= 30 KiB)"
    )
    print(
        f"SSE: {sse['subscribers']} subscribers on one job of {sse['events']} progress events: "
        f"{sse['complete']} got every event, {sse['missing']} events missing; progress delivery p50 "
        f"{sse['p50_ms']:.1f} ms, p99 {sse['p99_ms']:.1f} ms; run and fan-out took {sse['seconds']:.1f} s"
    )
    ok = ws["lost"] == 0 and ws["closed"] == 0 and sse["complete"] == sse["subscribers"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

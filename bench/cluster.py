"""Cluster benchmark: two workers against one, in the same run, both on one PostgreSQL and one Redis.

    python bench/cluster.py [--seconds 5] [--clients 1000] [--broadcasts 20] [--jobs 24] [--delay-ms 200]

Each configuration gets a fresh database and its own Redis namespace; its workers are real processes of the app
(bench/_realtime_app.py: `create_app` plus a bench-only publish route), each with its own port and DATA_DIR.
1. GET /api/scenes/:id (authenticated) under wrk: two wrk processes of 25 connections each, both on the one
   worker, or one per worker (what a load balancer in front would do). Target: 2 workers >= 1.6x one.
2. A WebSocket broadcast to --clients members of one room, published on worker A: with one worker all of them
   are on A; with two, half are on B, and what reaches them crosses Redis. Targets: cross-worker p99 <= 1.5x the
   single-worker p99 and <= 150 ms; 0 lost.
3. Jobs per second: --jobs analyses of a short text, all started on A, through a fake LLM that answers after
   --delay-ms; each worker runs ANALYSIS_JOBS_CONCURRENCY (2) at a time, so a second worker adds slots.
The machine's cores are shared by the workers, PostgreSQL, Redis, wrk and the WebSocket clients.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _servers import BENCH_DIR, raise_open_files_limit, server_process
from analysis import CANNED, CHAPTER, login
from llm_overhead import KEY, fake_vendor
from tests.support import postgres, redis

from realtime import percentile, ws_worker

SECRETS = {"AUTH_SECRET_KEY": "bench-cluster-" + "s" * 40, "CONFIG_ENCRYPTION_KEY": "bench-cluster-" + "k" * 40}


# --- the workers ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def workers(count: int, tmp: Path, *, database_url: str, redis_url: str, label: str) -> Iterator[list[tuple[str, int]]]:
    """`count` app processes (base URL, pid), started one after the other (the first makes the admin account)."""
    env = {
        **SECRETS,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_NAMESPACE": f"bench-{label}",
        "ALLOW_PRIVATE_PROVIDER_URLS": "true",
        "LLM_MAX_RETRIES": "0",
    }
    with contextlib.ExitStack() as stack:
        running = []
        for index in range(count):
            command = [sys.executable, str(BENCH_DIR / "_realtime_app.py")]
            data = tmp / f"{label}-{index}"
            base, process = stack.enter_context(server_process(command, data, WORKER_ID=f"w{index}", **env))
            running.append((base, process.pid))
        yield running


# --- 1. GET /api/scenes/:id with wrk --------------------------------------------------------------------------------


def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> subprocess.Popen[str]:
    header = [part for name, value in headers.items() for part in ("-H", f"{name}: {value}")]
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", *header, url],
        stdout=subprocess.PIPE,
        text=True,
    )


def _wrk_figures(output: str) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx + socket errors) from wrk's --latency report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return rps, p99, errors


def get_throughput(bases: list[str], headers: dict[str, str], scene_id: str, seconds: float) -> dict[str, float]:
    targets = [f"{bases[i % len(bases)]}/api/scenes/{scene_id}" for i in range(2)]
    for warm in [_wrk(url, headers, 2, 25) for url in targets]:
        warm.communicate()
    runs = [_wrk(url, headers, seconds, 25) for url in targets]
    figures = [_wrk_figures(run.communicate()[0]) for run in runs]
    return {
        "rps": sum(f[0] for f in figures),
        "p99_ms": max(f[1] for f in figures),
        "errors": sum(f[2] for f in figures),
    }


# --- 2. WebSocket broadcast -----------------------------------------------------------------------------------------


def broadcast(bases: list[str], scene_id: str, clients: int, broadcasts: int, interval: float) -> dict[str, Any]:
    """Clients split evenly over the workers (two client processes per worker); broadcasts published on the first."""
    context = multiprocessing.get_context("spawn")
    plan = []  # (worker index, first client, count)
    processes_per_worker = 2
    shares = len(bases) * processes_per_worker
    first = 0
    for slot in range(shares):
        count = clients // shares + (slot < clients % shares)
        plan.append((slot // processes_per_worker, first, count))
        first += count
    pipes, processes = [], []
    for worker, start, count in plan:
        parent, child = context.Pipe()
        process = context.Process(target=ws_worker, args=(bases[worker], scene_id, start, count, False, child))
        process.start()
        pipes.append(parent)
        processes.append(process)
    for pipe in pipes:
        if pipe.recv() != "ready":
            raise RuntimeError("a client process failed to connect")
    time.sleep(1)
    with httpx.Client(base_url=bases[0], timeout=30) as http:
        start_at = time.monotonic()
        for seq in range(broadcasts):
            http.post(f"/_bench/publish/{scene_id}", params={"seq": seq}).raise_for_status()
            time.sleep(max(0.0, start_at + (seq + 1) * interval - time.monotonic()))
    for pipe in pipes:
        pipe.send(broadcasts)
    results = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(timeout=60)
    local = [ms for (worker, _, _), r in zip(plan, results, strict=True) if worker == 0 for _, ms in r["latencies"]]
    remote = [ms for (worker, _, _), r in zip(plan, results, strict=True) if worker != 0 for _, ms in r["latencies"]]
    every = local + remote
    return {
        "delivered": len(every),
        "lost": sum(r["lost"] for r in results),
        "closed": sum(r["closed"] for r in results),
        "p50_ms": percentile(every, 50),
        "p99_ms": percentile(every, 99),
        "local_p99_ms": percentile(local, 99),
        "remote_p50_ms": percentile(remote, 50),
        "remote_p99_ms": percentile(remote, 99),
    }


# --- 3. jobs through a fake LLM ---------------------------------------------------------------------------------


def jobs_per_second(base: str, headers: dict[str, str], fake: str, jobs: int) -> dict[str, float]:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        saved = http.post(
            "/api/settings", json={"llm_provider": "openai", "llm_config": {"api_key": KEY, "base_url": f"{fake}/v1"}}
        )
        saved.raise_for_status()
        time.sleep(1)  # the other worker re-reads the saved settings (announced on the bus)
        text = CHAPTER[:3000]
        started = time.perf_counter()
        ids = [
            http.post("/api/analyze", json={"title": f"Job {n}", "text": text}).json()["data"]["task_id"]
            for n in range(jobs)
        ]
        pending, failed = set(ids), 0
        while pending:
            for task_id in list(pending):
                status = http.get(f"/api/tasks/{task_id}").json()["data"]["status"]
                if status in ("completed", "failed", "cancelled"):
                    pending.discard(task_id)
                    failed += status != "completed"
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    return {"jobs_per_second": jobs / elapsed, "seconds": elapsed, "failed": failed}


# --- the run ----------------------------------------------------------------------------------------------------


def measure(count: int, tmp: Path, server: str, redis_url: str, fake: str, args: argparse.Namespace) -> dict[str, Any]:
    label = f"{count}w"
    database_url = asyncio.run(postgres.create_database(server, f"bench_{label}"))
    with workers(count, tmp, database_url=database_url, redis_url=redis_url, label=label) as running:
        bases = [base for base, _ in running]
        admin = login(bases[0], tmp / f"{label}-0")
        with httpx.Client(base_url=bases[0], headers=admin, timeout=120) as http:
            scene = http.post("/api/scenes", json={"title": "Chapter", "text": CHAPTER}).json()["data"]["id"]
        room = httpx.post(f"{bases[0]}/api/scenes/shell", json={"title": "Room"})  # a guest's, as the clients are
        room_id = room.json()["data"]["id"]
        return {
            "get": get_throughput(bases, admin, scene, args.seconds),
            "ws": broadcast(bases, room_id, args.clients, args.broadcasts, args.interval),
            "jobs": jobs_per_second(bases[0], admin, fake, args.jobs),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk duration per configuration")
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket members of the room")
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between broadcasts")
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--delay-ms", type=float, default=200.0, help="the fake LLM's answer time")
    args = parser.parse_args()
    if not shutil.which("wrk") or not redis.available() or not postgres.available():
        print("needs wrk, redis-server and PostgreSQL on this machine (.ci/run installs the last two)")
        return 2
    raise_open_files_limit()
    with (
        tempfile.TemporaryDirectory(prefix="bench-cluster-") as directory,
        postgres.cluster() as server,
        redis.server() as redis_url,
    ):
        tmp = Path(directory)
        reply = tmp / "reply.json"
        reply.write_text(json.dumps(CANNED), encoding="utf-8")
        with fake_vendor(args.delay_ms / 1000, str(reply)) as fake:
            one = measure(1, tmp, server, redis_url, fake, args)
            two = measure(2, tmp, server, redis_url, fake, args)
    print(f"one PostgreSQL, one Redis, {multiprocessing.cpu_count()} cores; 1 worker, then 2 workers")
    for name, figures in (("1 worker ", one), ("2 workers", two)):
        get, ws, jobs = figures["get"], figures["ws"], figures["jobs"]
        print(
            f"{name}  GET /api/scenes/:id {get['rps']:7.0f} req/s (p99 {get['p99_ms']:.1f} ms, errors "
            f"{get['errors']})   broadcast to {args.clients}: p50 {ws['p50_ms']:.1f} ms, p99 {ws['p99_ms']:.1f} ms, "
            f"lost {ws['lost']}, closed {ws['closed']}   jobs {jobs['jobs_per_second']:.2f}/s "
            f"({args.jobs} in {jobs['seconds']:.1f} s, {jobs['failed']} failed)"
        )
    remote = two["ws"]
    print(
        f"cross-worker deliveries: p50 {remote['remote_p50_ms']:.1f} ms, p99 {remote['remote_p99_ms']:.1f} ms "
        f"(same-worker p99 {remote['local_p99_ms']:.1f} ms)"
    )
    get_ratio = two["get"]["rps"] / one["get"]["rps"]
    ws_ratio = remote["remote_p99_ms"] / one["ws"]["p99_ms"]
    jobs_ratio = two["jobs"]["jobs_per_second"] / one["jobs"]["jobs_per_second"]
    print(
        f"ratios (2 workers / 1): GET throughput {get_ratio:.2f} (target >= 1.6); cross-worker broadcast p99 "
        f"{ws_ratio:.2f} (target <= 1.5, and <= 150 ms); jobs/s {jobs_ratio:.2f}"
    )
    lost = one["ws"]["lost"] + two["ws"]["lost"]
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

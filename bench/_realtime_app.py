"""The app as the realtime benchmark serves it: the real `create_app`, plus bench-only routes, on loopback.

    python bench/_realtime_app.py          (PORT, DATA_DIR and the other settings come from the environment)

The bench-only routes exist in this process only, never in the product. They stand in for the domains:
    POST /_bench/publish/{scene_id}?seq=N     hub.publish(scene_id, {"type": "bench", "seq": N, "sent": t})
    POST /_bench/jobs?events=E&interval=S     a job that waits for /go, then reports E progress events S apart
    POST /_bench/jobs/{task_id}/go
`sent` is `time.monotonic()`, which on Linux is one clock for every process of the machine, so a client on the
same host can compute the delivery latency.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI, Request

from sceneintruder.app import create_app
from sceneintruder.core.principal import GUEST_USER_ID
from sceneintruder.core.settings import Settings
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.realtime.hub import Hub

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _servers import raise_open_files_limit


def bench_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    router = APIRouter(prefix="/_bench")
    gates: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    @router.post("/publish/{scene_id}")
    async def publish(request: Request, scene_id: str, seq: int) -> dict:
        hub = request.app.state.components.get(Hub)
        await hub.publish(scene_id, {"type": "bench", "seq": seq, "sent": time.monotonic()})
        return {"seq": seq}

    async def run(ctx: JobContext) -> dict:
        events, interval = ctx.payload["events"], ctx.payload["interval"]
        await gates[ctx.job_id].wait()
        for n in range(1, events + 1):
            await ctx.progress(100 * n / (events + 1), f"step {n}", sent=time.monotonic())
            await asyncio.sleep(interval)
        gates.pop(ctx.job_id, None)
        return {"events": events}

    @router.post("/jobs")
    async def start_job(request: Request, events: int, interval: float) -> dict:
        payload = {"events": events, "interval": interval}
        job = await request.app.state.components.get(JobRegistry).start("bench", GUEST_USER_ID, payload)
        return {"task_id": job.id}

    @router.post("/jobs/{task_id}/go")
    async def go(task_id: str) -> dict:
        gates[task_id].set()
        return {"task_id": task_id}

    app.include_router(router)
    real_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with real_lifespan(application):
            jobs = application.state.components.get(JobRegistry)
            jobs.register_kind("bench", run, concurrency=4, timeout_seconds=3600)
            yield

    app.router.lifespan_context = lifespan
    return app


def main() -> None:
    raise_open_files_limit()
    settings = Settings()
    uvicorn.run(  # as `sceneintruder serve` runs it (cli._serve)
        bench_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        ws_ping_interval=settings.ws_heartbeat_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
        ws_max_size=4 * settings.ws_max_message_bytes,
        ws_per_message_deflate=settings.ws_per_message_deflate,
    )


if __name__ == "__main__":
    main()

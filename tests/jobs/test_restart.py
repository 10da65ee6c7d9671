"""Jobs survive restarts: finished ones stay readable, unfinished ones become `failed` ("interrupted by restart").

Two servers on the same DATA_DIR, one after the other: after a clean shutdown (in this process), and after a
crash (a real process killed with SIGKILL, so nothing of its shutdown runs and the next start does the marking).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.live import Live, serve_demo
from tests.support.sse import read_stream

PROJECT_ROOT = Path(__file__).resolve().parents[2]


async def _start_two_jobs(live: Live) -> tuple[str, str]:
    done = await live.start_job(
        commands=[
            {"op": "progress", "percent": 50, "message": "half"},
            {"op": "return", "result": {"scene_id": "scene_1"}},
        ]
    )
    running = await live.start_job(commands=[{"op": "progress", "percent": 25, "message": "a quarter"}])
    await live.wait_for(done, status="completed")
    await live.wait_for(running, progress=25)
    return done, running


async def _assert_after_restart(live: Live, done: str, running: str) -> None:
    kept = await live.task(done)
    assert (kept["status"], kept["progress"], kept["result"]) == ("completed", 100, {"scene_id": "scene_1"})
    interrupted = await live.task(running)
    assert (interrupted["status"], interrupted["message"], interrupted["error"], interrupted["progress"]) == (
        "failed",
        "interrupted by restart",
        "TASK_INTERRUPTED",
        25,
    )
    history = await read_stream(live.client, f"/api/progress/{running}?last_event_id=0")
    assert [(e.event, e.data.get("progress"), e.data.get("event_type")) for e in history] == [
        ("connected", None, None),
        ("progress", 0, "queued"),
        ("progress", 0, "progress"),
        ("progress", 25, "progress"),
        ("progress", 25, "failed"),
    ]
    assert history[-1].data["message"] == "interrupted by restart"
    finished = await read_stream(live.client, f"/api/progress/{done}")
    assert [(e.event, e.data.get("event_type"), e.data.get("result")) for e in finished] == [
        ("connected", None, None),
        ("progress", "completed", {"scene_id": "scene_1"}),
    ]


async def test_after_a_clean_restart_finished_jobs_remain_and_running_ones_are_interrupted(make_settings) -> None:
    settings = make_settings()
    async with serve_demo(settings) as first:
        done, running = await _start_two_jobs(first)
    assert running in first.script.cancelled  # the shutdown cancelled the coroutine
    async with serve_demo(settings) as second:
        await _assert_after_restart(second, done, running)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_after_a_crash_the_next_start_marks_running_jobs_interrupted(data_dir: Path, make_settings) -> None:
    port = _free_port()
    settings = make_settings()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.demo_server",
        str(data_dir),
        str(port),
        settings.resolved_database_url,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            async with asyncio.timeout(60):
                while True:
                    try:
                        if (await client.get("/api/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        assert process.returncode is None, "the demo server exited"
                    await asyncio.sleep(0.1)
            crashed = Live(app=None, script=None, base=str(client.base_url), client=client)  # type: ignore[arg-type]
            done, running = await _start_two_jobs(crashed)
    finally:
        process.kill()  # SIGKILL: no shutdown code runs
        await process.wait()
    async with serve_demo(settings) as second:
        await _assert_after_restart(second, done, running)

"""Start the project server and the baseline server as separate processes on loopback, for benchmarks."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent


def raise_open_files_limit() -> None:
    """Thousands of sockets need more than the usual soft limit of 1024 open files."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def server_process(command: list[str], data_dir: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `command` (a server that reads its settings from the environment) on a free loopback port."""
    port = free_port()
    environment = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_ENABLED": "false",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        **env,
    }
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/health", process)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextlib.contextmanager
def project_server(data_dir: Path, **env: str) -> Iterator[str]:
    with server_process([sys.executable, "-m", "sceneintruder", "serve"], data_dir, **env) as (base, _):
        yield base


@contextlib.contextmanager
def bare_server(**env: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_bare_app:app", "--port", str(port), "--log-level", "warning"],
        cwd=BENCH_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/bare", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)

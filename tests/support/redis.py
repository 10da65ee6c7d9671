"""A throwaway Redis server for the tests that use REDIS_URL for real: `redis-server` on a free loopback port,
no persistence, in a temporary directory, stopped afterwards. `available()` says whether this machine has it;
`.ci/run` installs it when missing (and sets SCENEINTRUDER_REQUIRE_SERVICES=1, which turns a skip into a failure).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def available() -> bool:
    return shutil.which("redis-server") is not None


def require() -> None:
    """Skip the calling test when there is no redis-server, unless CI demands the services (then fail)."""
    if available():
        return
    if os.environ.get("SCENEINTRUDER_REQUIRE_SERVICES"):
        pytest.fail("redis-server is missing, and SCENEINTRUDER_REQUIRE_SERVICES is set")
    pytest.skip("no redis-server on this machine")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server() -> Iterator[str]:
    """Yields `redis://127.0.0.1:<port>/0` of a server that lives as long as the context."""
    directory = Path(tempfile.mkdtemp(prefix="si-redis-"))
    port = _free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(directory),
            "--protected-mode", "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
        shutil.rmtree(directory, ignore_errors=True)

"""Several `sceneintruder serve` processes on one PostgreSQL and one Redis, as a deployment would run them: each
worker its own DATA_DIR, WORKER_ID and port; the secrets (token signing, settings encryption) shared through the
environment, as on several machines.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SECRET = "test-cluster-secret-" + "x" * 32
ENCRYPTION = "test-cluster-encryption-" + "y" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def executable() -> str:
    found = shutil.which("sceneintruder") or str(Path(sys.executable).with_name("sceneintruder"))
    if not Path(found).exists():
        raise RuntimeError("the sceneintruder console script is not installed (pip install -e .)")
    return found


@dataclass
class Worker:
    name: str
    environment: dict[str, str]
    log: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    start_command: list[str] = field(default_factory=lambda: ["serve"])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [executable(), *self.start_command, "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.process.returncode}:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} did not answer /api/health:\n{self.tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no lease given back."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def environment(*, database_url: str, redis_url: str, namespace: str, data_dir: Path, worker_id: str,
                **extra: str) -> dict[str, str]:  # fmt: skip
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR", "VIRTUAL_ENV")}
    return {
        **keep,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_NAMESPACE": namespace,
        "WORKER_ID": worker_id,
        "AUTH_SECRET_KEY": SECRET,
        "CONFIG_ENCRYPTION_KEY": ENCRYPTION,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "1024",
        "ARGON2_PARALLELISM": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@contextlib.contextmanager
def cluster(names: list[str], directory: Path, **common: str) -> Iterator[dict[str, Worker]]:
    """Start every worker at once (they migrate the same empty database together) and wait until all answer."""
    workers = {}
    for name in names:
        data_dir = directory / name
        data_dir.mkdir(parents=True, exist_ok=True)
        environ = environment(data_dir=data_dir, worker_id=name, **common)
        workers[name] = Worker(name, environ, log=directory / f"{name}.log")
    try:
        for worker in workers.values():
            worker.start()
        for worker in workers.values():
            worker.wait_ready()
        yield workers
    finally:
        for worker in workers.values():
            worker.stop()


def run_cli(worker: Worker, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable(), *args], env=worker.environment, input=stdin, capture_output=True, text=True, timeout=60
    )

"""The command line, run as a real process: migrate, user create|passwd|list, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

FAST_HASH = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST_KIB": "1024", "ARGON2_PARALLELISM": "1"}


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORT", "HOST")}
    return {**env, "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", **FAST_HASH, **extra}


def _cli(data_dir: Path, *args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sceneintruder", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(data_dir, **extra),
        timeout=60,
        check=False,
        cwd=data_dir.parent,
    )


def test_migrate_then_manage_users(tmp_path: Path) -> None:
    data = tmp_path / "data"
    migrated = _cli(data, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert (data / "sceneintruder.db").is_file()
    made = _cli(data, "user", "create", "writer", "--role", "admin", "--password-stdin", stdin="s3cret-pass\n")
    assert made.returncode == 0, made.stderr
    assert "created admin 'writer'" in made.stdout
    dup = _cli(data, "user", "create", "writer", "--password-stdin", stdin="s3cret-pass\n")
    assert dup.returncode == 1 and "用户已存在" in dup.stderr
    short = _cli(data, "user", "create", "tiny", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    changed = _cli(data, "user", "passwd", "writer", "--password-stdin", stdin="another-pass\n")
    assert changed.returncode == 0, changed.stderr
    missing = _cli(data, "user", "passwd", "nobody", "--password-stdin", stdin="another-pass\n")
    assert missing.returncode == 1 and "用户不存在" in missing.stderr
    listed = _cli(data, "user", "list")
    assert listed.returncode == 0
    assert any(line.startswith("writer\tadmin\tpassword set") for line in listed.stdout.splitlines())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_upgrades_the_database_and_answers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sceneintruder", "serve", "--port", str(port)],
        env=_env(data),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("server did not start") from None
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json()["data"]["database"]["status"] == "ok"
        name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
        login = httpx.post(f"http://127.0.0.1:{port}/api/auth/login", json={"username": name, "password": password})
        assert login.status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "Created administrator 'admin'" in stderr

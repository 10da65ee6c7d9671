"""`sceneintruder serve --workers N`: refused without Redis (one clear line), and with Redis N real workers that
each take their own identity and register for the job queue."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.workers import Worker, environment


def _serve(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = environment(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'sceneintruder.db'}",
        redis_url="",
        namespace="si-serve",
        data_dir=tmp_path / "data",
        worker_id="",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "sceneintruder", "serve", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_several_workers_without_redis_refuse_to_start_with_one_clear_line(tmp_path: Path) -> None:
    refused = _serve(tmp_path, "--workers", "2")
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert "--workers 2 needs REDIS_URL" in lines[0] and "SQLite" in lines[0]


def test_a_redis_that_does_not_answer_is_refused_at_once(tmp_path: Path) -> None:
    refused = _serve(tmp_path, "--workers", "2", REDIS_URL="redis://:hunter2@127.0.0.1:1/0")
    assert refused.returncode == 2
    assert "REDIS_URL" in refused.stderr and "hunter2" not in refused.stderr  # the password is not printed
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr


def test_two_workers_share_one_port_and_each_registers_for_the_queue(tmp_path: Path, redis_url: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    worker = Worker("pair", environment(database_url=f"sqlite+aiosqlite:///{data / 'sceneintruder.db'}",
                    redis_url=redis_url, namespace="si-serve-pair", data_dir=data, worker_id="box"),
                    log=tmp_path / "serve.log")  # fmt: skip
    worker.start_command = ["serve", "--workers", "2"]
    worker.start()
    try:
        worker.wait_ready()
        deadline = time.monotonic() + 30
        while True:
            with sqlite3.connect(data / "sceneintruder.db") as db:
                ids = sorted(row[0] for row in db.execute("SELECT id FROM job_worker"))
            if len(ids) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert ids == ["box/0", "box/1"], worker.tail()
        assert httpx.get(f"{worker.base}/api/health", timeout=5).status_code == 200
    finally:
        worker.stop()

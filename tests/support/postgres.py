"""A throwaway PostgreSQL cluster for the tests that prove the `postgresql+asyncpg://` path works for real.

initdb + pg_ctl in a temporary directory, on a free loopback port, trust auth, fsync off; as the `postgres`
account when the tests run as root (PostgreSQL refuses to run as root). `available()` says whether this
machine has the binaries; the tests skip, saying why, when it has not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def available() -> bool:
    return bool(_binary("initdb") and _binary("pg_ctl")) and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """Yields the server's base URL without a database name: `postgresql+asyncpg://si@127.0.0.1:<port>`.

    The cluster lives in its own directory under the system temp dir (pytest's per-user temp dirs are 0700,
    which the `postgres` account cannot enter), removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="si-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data, port = directory / "pgdata", _free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_server_user([_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "si", "--no-sync", "-E", "UTF8"]),
        **run,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    pg_ctl = _binary("pg_ctl")
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"]), **run
    )
    try:
        yield f"postgresql+asyncpg://si@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]), **run)


async def create_database(server: str, name: str) -> str:
    """A fresh, empty database `name` on the cluster at `server` (dropped first if it exists); returns its URL."""
    import asyncpg

    connection = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{server}/{name}"


def require() -> None:
    """Skip the calling test when this machine has no PostgreSQL, unless CI demands the services (then fail)."""
    if available():
        return
    import pytest

    if os.environ.get("SCENEINTRUDER_REQUIRE_SERVICES"):
        pytest.fail("PostgreSQL is missing, and SCENEINTRUDER_REQUIRE_SERVICES is set")
    pytest.skip("no PostgreSQL server binaries on this machine")

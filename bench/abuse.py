"""Abuse benchmark: /api/health latency while the server is attacked, side by side with an idle baseline.

    python bench/abuse.py [--seconds 8] [--probers 4]

The project server runs as its own process (production argon2 cost, rate limits off so every attack reaches
the code it targets). Probers send GET /api/health back to back, as an orchestrator would, from this process.
Each attack runs in processes of its own, for the whole window, and is preceded by an idle window measured
the same way:

  (a) epub   a 277 KB EPUB holding one 95 MB chapter, uploaded over and over by 2 clients
  (b) ping   one WebSocket sending pings as fast as the kernel takes them, never reading (so it ignores the
             server's RATE_LIMITED error and close) until the server drops it
  (c) login  40 concurrent logins with wrong passwords, in waves

Target: p99 under attack <= 3 x idle p99 and <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _load import LoadResult
from _servers import project_server

# --- attackers (each runs in a process of its own until the window ends) -----------------------------------------


def _epub_uploads(base: str, stop_at: float) -> None:
    from tests.support.epubs import bomb

    data = bomb()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            while time.time() < stop_at:
                await http.post("/api/upload", files={"file": ("bomb.epub", data, "application/epub+zip")})

    async def main() -> None:
        await asyncio.gather(client(), client())

    asyncio.run(main())


def _ping_flood(base: str, stop_at: float) -> None:
    """One socket, written to as fast as the kernel takes it, never read: the client ignores the server's close
    and keeps sending until the server drops the connection (the worst a single socket can do)."""
    import base64
    import os
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/scene/flood?user_id=flooder HTTP/1.1\r\n"
            f"Host: {url.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(4096)
    payload = b'{"type": "ping"}'
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    frame = bytes([0x81, 0x80 | len(payload)]) + mask + masked
    burst = frame * 256
    try:
        while time.time() < stop_at:
            sock.sendall(burst)
    except OSError:
        pass  # the server dropped the connection
    finally:
        sock.close()


def _bad_logins(base: str, stop_at: float) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            while time.time() < stop_at:
                await asyncio.gather(
                    *(
                        http.post("/api/auth/login", json={"username": "admin", "password": f"wrong-{n}"})
                        for n in range(40)
                    )
                )

    asyncio.run(main())


ATTACKS: dict[str, Callable[[str, float], None]] = {
    "epub": _epub_uploads,
    "ping": _ping_flood,
    "login": _bad_logins,
}

# --- probing -----------------------------------------------------------------------------------------------------


async def _probe(base: str, seconds: float, probers: int) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    stop = started + seconds

    async def prober() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                response = await http.get("/api/health")
                latencies.append((time.perf_counter() - sent) * 1000)
                errors += response.status_code != 200
                await asyncio.sleep(0.005)

    await asyncio.gather(*(prober() for _ in range(probers)))
    return LoadResult(len(latencies), errors, time.perf_counter() - started, latencies)


def _window(base: str, seconds: float, probers: int, attack: Callable[[str, float], None] | None) -> LoadResult:
    processes = []
    if attack is not None:
        stop_at = time.time() + seconds + 0.5
        context = multiprocessing.get_context("spawn")
        processes = [context.Process(target=attack, args=(base, stop_at))]
        for process in processes:
            process.start()
        time.sleep(0.5)  # let the attack get going before measuring
    try:
        return asyncio.run(_probe(base, seconds, probers))
    finally:
        for process in processes:
            process.join(timeout=120)
            if process.is_alive():
                process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--probers", type=int, default=4)
    parser.add_argument("--only", choices=sorted(ATTACKS), action="append")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server, e.g. a setting")
    args = parser.parse_args()
    failed = False
    env = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp, project_server(Path(tmp) / "data", **env) as base:
        asyncio.run(_probe(base, 1.0, args.probers))  # warm-up
        print(f"/api/health, {args.probers} probers, windows of {args.seconds:.0f} s; idle measured before each")
        for name in args.only or list(ATTACKS):
            idle = _window(base, args.seconds, args.probers, None)
            attacked = _window(base, args.seconds, args.probers, ATTACKS[name])
            ratio = attacked.percentile(99) / idle.percentile(99)
            ok = ratio <= 3 and attacked.percentile(99) <= 100
            failed |= not ok
            print(idle.line(f"idle (before {name})"))
            print(attacked.line(f"under {name}"))
            print(
                f"  p99 ratio {ratio:.2f} (target <= 3), max {max(attacked.latencies_ms):.1f} ms  "
                f"{'OK' if ok else 'MISSED'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

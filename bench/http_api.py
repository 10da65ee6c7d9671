"""Platform benchmark: GET /api/users/:id and GET /api/scenes/:id (authenticated, real uvicorn, real SQLite) vs a
bare FastAPI endpoint, load from wrk.

    python bench/http_api.py [--seconds 5] [--rounds 3] [--connections 50] [--profile flame.svg]

Both servers run as separate single-worker uvicorn processes on loopback; wrk (a compiled load generator, one
thread: `apt-get install wrk`) loads one of them at a time, alternating for several rounds, and the median round
of each is reported with its ratio to the bare endpoint's. The rate limiter is off for the run (its 300/min
default would stop it). Targets: each ratio >= 0.6, p99 <= 15 ms.

`--profile FILE` also records the project server's CPU with py-spy (`pip install py-spy`) during one extra round
of GET /api/scenes/:id and writes a flame graph (SVG) to FILE.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _servers import bare_server, server_process
from _wrk import WrkResult, run_wrk, wrk_path

TEXT = "Alice walked into the garden. Bob was reading under the old oak, and he looked up when she came in."


def median_round(results: list[WrkResult]) -> WrkResult:
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def profile(pid: int, url: str, headers: dict[str, str], seconds: float, connections: int, out: Path) -> None:
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    recorder = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(round(seconds)),
            "--rate",
            "250",
            "--output",
            str(out),
            "--format",
            "flamegraph",
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    run_wrk(url, connections=connections, seconds=seconds, headers=headers)
    _, errors = recorder.communicate(timeout=120)
    if recorder.returncode != 0:
        raise SystemExit(f"py-spy failed (it needs ptrace permission on the server process): {errors.strip()}")
    print(f"flame graph of the server under GET /api/scenes/:id load: {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--profile", type=Path, default=None, help="write a py-spy flame graph (SVG) here")
    args = parser.parse_args()
    wrk_path()
    results: dict[str, list[WrkResult]] = {"users": [], "scenes": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        data = Path(tmp) / "data"
        command = [sys.executable, "-m", "sceneintruder", "serve"]
        with server_process(command, data) as (base, process), bare_server() as bare_base:
            name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
            login = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
            headers = {"Authorization": f"Bearer {login['data']['token']}"}
            scene = httpx.post(f"{base}/api/scenes", json={"title": "Bench", "text": TEXT}, headers=headers, timeout=60)
            scene_id = scene.raise_for_status().json()["data"]["id"]
            targets = {
                "users": (f"{base}/api/users/{name}", headers),
                "scenes": (f"{base}/api/scenes/{scene_id}", headers),
                "bare": (f"{bare_base}/bare", None),
            }
            for url, hdrs in targets.values():  # warm-up
                run_wrk(url, connections=args.connections, seconds=2, headers=hdrs)
            for _ in range(args.rounds):
                for key, (url, hdrs) in targets.items():
                    results[key].append(run_wrk(url, connections=args.connections, seconds=args.seconds, headers=hdrs))
            if args.profile is not None:
                url, hdrs = targets["scenes"]
                profile(process.pid, url, hdrs or {}, args.seconds, args.connections, args.profile)
    bare = median_round(results["bare"])
    print(f"wrk, {args.connections} connections, 1 thread; {args.rounds} alternating rounds of {args.seconds:.0f} s")
    print(bare.line("bare FastAPI endpoint"))
    for key, label in (("users", "GET /api/users/:id"), ("scenes", "GET /api/scenes/:id")):
        ours = median_round(results[key])
        ratios = [o.rps / b.rps for o, b in zip(results[key], results["bare"], strict=True)]
        print(ours.line(label))
        print(
            f"  ratio {ours.rps / bare.rps:.2f} (per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"median {statistics.median(ratios):.2f}; target >= 0.6)   p99 {ours.p99_ms:.2f} ms (target <= 15 ms)"
        )
    return 0 if all(r.errors == 0 for rounds in results.values() for r in rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())

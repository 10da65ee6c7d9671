"""Platform benchmark: GET /api/users/:id (authenticated, real uvicorn, real SQLite) vs a bare FastAPI endpoint.

    python bench/http_api.py [--seconds 5] [--rounds 3] [--concurrency 50]

Both servers run as separate single-worker uvicorn processes on loopback; this process sends the load to one
of them at a time, alternating for several rounds, and reports the median round of each. The rate limiter is
off for the run (its 300/min default would stop it). Targets: ratio >= 0.5, p99 <= 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import LoadResult, run_load
from _servers import bare_server, project_server


def median_round(results: list[LoadResult]) -> LoadResult:
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    ours: list[LoadResult] = []
    bare: list[LoadResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        data = Path(tmp) / "data"
        with project_server(data) as base, bare_server() as bare_base:
            name, password = (data / "initial-admin-password").read_text().strip().split(":", 1)
            login = httpx.post(f"{base}/api/auth/login", json={"username": name, "password": password}).json()
            headers = {"Authorization": f"Bearer {login['data']['token']}"}
            targets = [(f"{base}/api/users/{name}", headers, ours), (f"{bare_base}/bare", None, bare)]
            for url, hdrs, _ in targets:  # warm-up
                asyncio.run(run_load(url, concurrency=args.concurrency, seconds=1.5, headers=hdrs))
            for _ in range(args.rounds):
                for url, hdrs, results in targets:
                    results.append(
                        asyncio.run(run_load(url, concurrency=args.concurrency, seconds=args.seconds, headers=hdrs))
                    )
    ours_median, bare_median = median_round(ours), median_round(bare)
    print(f"concurrency {args.concurrency}, {args.rounds} alternating rounds of {args.seconds:.0f} s (median round)")
    print(ours_median.line("GET /api/users/:id"))
    print(bare_median.line("bare FastAPI endpoint"))
    ratios = [o.rps / b.rps for o, b in zip(ours, bare, strict=True)]
    print(
        f"ratio {ours_median.rps / bare_median.rps:.2f} (per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f}; target >= 0.5)   "
        f"p99 {ours_median.percentile(99):.2f} ms (target <= 25 ms)"
    )
    return 0 if all(r.errors == 0 for r in ours + bare) else 1


if __name__ == "__main__":
    raise SystemExit(main())

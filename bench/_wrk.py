"""Load with wrk, a compiled HTTP load generator (Debian package `wrk`): the generator is not the bottleneck, as a
Python one sharing the server's cores was. `run_wrk(url, ...)` runs one round and parses its report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and non-2xx/3xx answers

    def percentile(self, p: float) -> float:
        """p50 or p99 (what wrk's --latency report gives)."""
        return {50: self.p50_ms, 99: self.p99_ms}[int(p)]

    def line(self, name: str) -> str:
        return (
            f"{name:<28} {self.rps:9.0f} req/s   p50 {self.p50_ms:6.2f} ms   p99 {self.p99_ms:6.2f} ms   "
            f"errors {self.errors}"
        )


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian/Ubuntu), brew install wrk (macOS)")
    return found


def parse(report: str) -> WrkResult:
    percentiles = {int(p): float(v) * _UNITS[unit] for p, v, unit in _PERCENTILE.findall(report)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", report)
    total = re.search(r"(\d+) requests in", report)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
    if rps is None or total is None or 50 not in percentiles or 99 not in percentiles:
        raise RuntimeError(f"could not read wrk's report:\n{report}")
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return WrkResult(float(rps.group(1)), percentiles[50], percentiles[99], int(total.group(1)), errors)


def run_wrk(
    url: str,
    *,
    connections: int = 50,
    seconds: float = 5.0,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: bytes = b"",
) -> WrkResult:
    """One round of load on `url`; a POST's body is set by a small Lua script (wrk's way)."""
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as script:
        if method != "GET" or body:
            lines = [f"wrk.method = {json.dumps(method)}", f"wrk.body = {json.dumps(body.decode('utf-8'))}"]
            if body:
                lines.append('wrk.headers["Content-Type"] = "application/json"')
            script.write("\n".join(lines) + "\n")
            script.flush()
            command += ["-s", script.name]
        done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True)
    return parse(done.stdout)

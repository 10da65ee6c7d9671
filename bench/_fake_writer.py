"""Serve the tests' fake outline-writing vendor as its own process: `python _fake_writer.py PORT DELAY_SECONDS`.

Every answer waits DELAY_SECONDS first (the vendor's fixed latency, the benchmark's critical path unit)."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.writer import FakeWriter


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    fake = FakeWriter(delay=delay)
    uvicorn.run(fake.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

"""Serve the tests' fake image vendor as its own process: `python _fake_images.py PORT DELAY_SECONDS`.

Every answer waits DELAY_SECONDS first (the vendor's drawing time) and returns a real 1536x1024 PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.images import FakeImageVendor, png


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    fake = FakeImageVendor(delay=delay, image=png(1536, 1024))
    uvicorn.run(fake.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

"""Serve the tests' fake OpenAI server as its own process: `python _fake_vendor.py PORT DELAY_SECONDS [REPLY_FILE]`.

Every answer waits DELAY_SECONDS first (the vendor's "thinking time"), so the benchmark can subtract it.

It keeps only the last requests it saw (the tests' fake keeps them all, for their assertions). Keeping the 100,000
or so of a benchmark run made its heap grow, and with it the fake's full garbage collections: pauses of 25-50 ms
(measured with gc.callbacks), which stalled whichever side of the comparison was running, the fake called
directly or through the server.
"""

from __future__ import annotations

import collections
import gc
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.openai_compatible import FakeOpenAI


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    fake = FakeOpenAI(delay=delay)
    fake.requests = collections.deque(maxlen=100)  # type: ignore[assignment]
    if len(sys.argv) > 3:  # every answer is this text (e.g. a canned structured result)
        fake.default_reply = Path(sys.argv[3]).read_text(encoding="utf-8")
    gc.collect()
    gc.freeze()  # what start-up made is never collected again: a full collection walks only what serving makes
    uvicorn.run(fake.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

"""A stand-in for an upload's decoding that holds its worker process until the test opens a gate, so a test can
ask the server for something while the decoding is provably still running (no timing involved)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sceneintruder.scenes.upload import decode_upload


def started_marker(gate: Path) -> Path:
    return gate.with_name(gate.name + ".started")


def decode_after_gate(filename: str, data: bytes, limits: Any) -> Any:
    """`data` is the gate's path: mark the work as started, wait until the gate file exists, then decode."""
    gate = Path(data.decode())
    started_marker(gate).touch()
    deadline = time.monotonic() + 60
    while not gate.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the test never opened the gate")
        time.sleep(0.01)
    return decode_upload(filename, b"opened after the gate", limits)

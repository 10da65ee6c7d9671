"""A worker's identity: a slot per live process on one DATA_DIR, given back when the process ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sceneintruder.cluster.identity import claim_identity


def test_each_live_worker_gets_its_own_slot_and_a_restart_takes_a_free_one(tmp_path: Path) -> None:
    first = claim_identity(tmp_path, configured="node")
    second = claim_identity(tmp_path, configured="node")
    assert (first.id, second.id) == ("node/0", "node/1")
    first.release()
    again = claim_identity(tmp_path, configured="node")
    assert again.id == "node/0"  # the slot of the worker that stopped
    assert (tmp_path / "workers").stat().st_mode & 0o777 == 0o700


def test_a_killed_process_gives_its_slot_back(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path;"
        "from sceneintruder.cluster.identity import claim_identity;"
        f"i = claim_identity(Path({str(tmp_path)!r}), configured='node'); print(i.id, flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "node/0"
        assert claim_identity(tmp_path, configured="node").id == "node/1"  # held by the live child
    finally:
        child.kill()
        child.wait()
    assert claim_identity(tmp_path, configured="node").id == "node/0"

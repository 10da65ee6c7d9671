"""A worker's identity, stable across its restarts: `<host>/<slot>`.

`<host>` is WORKER_ID, or the machine's host name. `<slot>` is the first free one of `DATA_DIR/workers/<host>.<n>.lock`
this process can hold an exclusive `flock` on; the operating system releases it when the process ends, however it
ends. So `serve --workers 4` gives four slots, and a worker that died and is started again takes a free one,
usually its own: what the previous holder of a slot left unfinished can be failed at once, since the lock proves
that holder is gone, and the jobs of the workers still alive are never touched.
"""

from __future__ import annotations

import fcntl
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sceneintruder.core.storage import make_private_dir

MAX_SLOTS = 1024


@dataclass
class WorkerIdentity:
    id: str
    _lock: IO[bytes] | None = field(default=None, repr=False)

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the flock
            self._lock = None


def claim_identity(data_dir: Path, *, configured: str = "") -> WorkerIdentity:
    host = configured or _host_name()
    directory = data_dir / "workers"
    make_private_dir(directory)
    for slot in range(MAX_SLOTS):
        path = directory / f"{host}.{slot}.lock"
        handle = open(path, "ab")  # noqa: SIM115 - kept open for as long as the process holds the slot
        try:
            os.chmod(path, 0o600)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return WorkerIdentity(f"{host}/{slot}", handle)
    raise RuntimeError(f"more than {MAX_SLOTS} workers of {host} share {data_dir}")


def _host_name() -> str:
    name = socket.gethostname() or "localhost"
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in name)[:100]

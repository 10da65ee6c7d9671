"""Files under DATA_DIR, written atomically: a temp file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def load_or_create_secret(path: Path, *, nbytes: int = 32) -> str:
    """Read a generated secret from `path`, or make one (url-safe text) and keep it there with mode 0600."""
    if path.is_file():
        text = path.read_text(encoding="utf-8").strip()
        if len(text) >= 32:
            return text
    text = secrets.token_urlsafe(nbytes)
    atomic_write_bytes(path, text.encode("utf-8"), mode=0o600)
    return text


def is_writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe.", delete=True):
            pass
    except OSError:
        return False
    return True

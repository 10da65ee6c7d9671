"""Files under DATA_DIR, written atomically (a temp file in the same directory, fsync, then rename), readable by
the server's own user only: files 0600, directories 0700."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


class StartupError(RuntimeError):
    """The server cannot start; the message is one line that says why."""


FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dir(path: Path) -> None:
    """Create `path` and any missing parents with mode 0700 (mkdir's `mode` applies to the last one only)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=DIR_MODE)
            os.chmod(directory, DIR_MODE)  # mkdir's mode is masked by the umask


def create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 if there is none (e.g. a SQLite database, before SQLite makes it with
    the umask's mode; its -wal and -shm files then copy the database's mode)."""
    make_private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = FILE_MODE) -> None:
    make_private_dir(path.parent)
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


def data_dir_problem(path: Path) -> str | None:
    """Why the server cannot keep its data in `path` (created 0700 if missing), or None when it can."""
    try:
        make_private_dir(path)
    except OSError as exc:
        return f"DATA_DIR {str(path)!r} does not exist and cannot be created ({exc.strerror or exc})"
    if not path.is_dir():
        return f"DATA_DIR {str(path)!r} is not a directory"
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe.", delete=True):
            pass
    except OSError as exc:
        return f"DATA_DIR {str(path)!r} is not writable ({exc.strerror or exc})"
    return None

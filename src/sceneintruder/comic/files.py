"""The comic's files under DATA_DIR (`scenes/<scene_id>/comic/`): reference images, panels and built exports.

Names are checked before they become paths (ids: letters, digits, `_`, `-`); every write is atomic (a temp file,
fsync, rename), so a panel being redrawn is either the old one or the new one, never half of either. A file's
extension is its real type.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from sceneintruder.comic.schemas import check_id
from sceneintruder.core.storage import atomic_write_bytes
from sceneintruder.providers.image.base import EXTENSIONS
from sceneintruder.scenes import service as scenes_service

IMAGES = "images"
REFERENCES = "references"
EXPORTS = "exports"


class ComicFiles:
    def __init__(self, data_dir: Path, scene_id: str) -> None:
        self.root = scenes_service.scene_dir(data_dir, scene_id) / "comic"

    def path(self, folder: str, file_name: str) -> Path:
        stem, _, ext = file_name.rpartition(".")
        check_id(stem, "file name")
        if f".{ext}" not in {*EXTENSIONS.values(), ".pdf", ".zip", ".cbz", ".html"}:
            raise ValueError(f"unexpected file type {ext!r}")
        return self.root / folder / file_name

    @staticmethod
    def name_for(key: str, mime: str) -> str:
        return f"{check_id(key)}{EXTENSIONS[mime]}"

    def write(self, folder: str, file_name: str, data: bytes) -> Path:
        target = self.path(folder, file_name)
        atomic_write_bytes(target, data)
        return target

    def read(self, folder: str, file_name: str) -> bytes:
        return self.path(folder, file_name).read_bytes()

    def remove(self, folder: str, file_name: str) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            self.path(folder, file_name).unlink()

    def remove_all(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

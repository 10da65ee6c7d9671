"""The video's files under DATA_DIR (`scenes/<scene_id>/video/`): narration per version, renders, exports.
Names are checked before they become paths; writes are atomic; old versions are pruned (spec §8.33)."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from sceneintruder.scenes import service as scenes_service

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
KEEP_VERSIONS = 2


class VideoFiles:
    def __init__(self, data_dir: Path, scene_id: str) -> None:
        self.root = scenes_service.scene_dir(data_dir, scene_id) / "video"

    def _checked(self, *parts: str) -> Path:
        for part in parts:
            if not _NAME.match(part) or ".." in part:
                raise ValueError(f"unsafe file name {part!r}")
        return self.root.joinpath(*parts)

    def narration(self, version: str, frame_id: str) -> Path:
        return self._checked("narration", version, f"{frame_id}.wav")

    def clip(self, version: str, frame_id: str) -> Path:
        return self._checked("clips", version, f"{frame_id}.mp4")

    def render(self, name: str) -> Path:
        return self._checked("renders", name)

    def export(self, name: str) -> Path:
        return self._checked("exports", name)

    def prune(self, keep_version: str) -> None:
        """Narration of versions other than the last KEEP_VERSIONS (by time) and renders not of them."""
        for kind in ("narration", "clips"):
            folder = self.root / kind
            if folder.is_dir():
                versions = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
                for old in versions[KEEP_VERSIONS:]:
                    if old.name != keep_version:
                        shutil.rmtree(old, ignore_errors=True)

    def remove_all(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def remove(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

"""A migrated template database, made once per test session and copied for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

from sceneintruder.db.migrate import upgrade_to_head


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def make_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade_to_head(sqlite_url(path))
    return path


def fresh_data_dir(template: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, directory / "sceneintruder.db")
    return directory

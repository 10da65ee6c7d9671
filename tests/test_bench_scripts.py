"""The benchmark scripts stay runnable: each parses its arguments and imports only what a plain checkout has
(they run as scripts, with `bench/` first on the path and the tests package not importable)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(path.name for path in BENCH.glob("*.py") if not path.name.startswith("_"))


def test_there_are_benchmarks() -> None:
    assert {"http_api.py", "chat.py", "story.py", "realtime.py", "abuse.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_parses_its_arguments(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_realtime_server_module_imports_without_the_tests_package(tmp_path: Path) -> None:
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import _realtime_app; print(_realtime_app.__name__)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "_realtime_app"

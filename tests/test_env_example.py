"""Every setting is documented in .env.example, and nothing there is unknown to the code."""

from __future__ import annotations

import re
from pathlib import Path

from sceneintruder.core.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_lists_exactly_the_settings() -> None:
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_every_default_in_env_example_parses() -> None:
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert settings.port == int(values["PORT"])

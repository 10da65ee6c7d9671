"""Settings: reference variable names, defaults, and refusal of weak secrets and bad limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sceneintruder.core.settings import Settings


def test_defaults_run_offline_on_sqlite_under_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "DATA_DIR", "DATABASE_URL", "ALLOW_GUEST", "HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.port == 8080
    assert settings.allow_guest is True
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{Path('data').resolve() / 'sceneintruder.db'}"


def test_reference_variable_names_are_read_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9191")
    monkeypatch.setenv("DATA_DIR", "/srv/si")
    monkeypatch.setenv("ALLOW_GUEST", "false")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db/si")
    settings = Settings(_env_file=None)
    assert (settings.port, settings.data_dir, settings.allow_guest) == (9191, Path("/srv/si"), False)
    assert settings.origin_list == ("https://a.example", "https://b.example")
    assert settings.resolved_database_url == "postgresql+asyncpg://u:p@db/si"


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    env = tmp_path / ".env"
    env.write_text("PORT=7070\nLOG_LEVEL=DEBUG\n", encoding="utf-8")
    settings = Settings(_env_file=env)
    assert (settings.port, settings.log_level) == (7070, "DEBUG")


@pytest.mark.parametrize("secret", ["changethis", "short", "x" * 31])
def test_weak_auth_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, auth_secret_key=secret)


def test_empty_secret_means_generate_one() -> None:
    assert Settings(_env_file=None, auth_secret_key="").auth_secret_key is None


@pytest.mark.parametrize("limit", ["300", "300/fortnight", "many/minute"])
def test_malformed_rate_limits_are_refused(limit: str) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, rate_limit_chat=limit)


def test_postgres_driver_is_installable_for_the_documented_url() -> None:
    import asyncpg  # the [postgres] extra; part of [dev] so this URL is exercised by import at least

    from sceneintruder.db.engine import create_engine

    engine = create_engine("postgresql+asyncpg://u:p@127.0.0.1:1/si")
    assert engine.dialect.driver == "asyncpg" and asyncpg.__version__

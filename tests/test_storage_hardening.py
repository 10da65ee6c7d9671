"""What the server leaves on disk and in its logs: private modes under DATA_DIR, no SQL parameters or rows in a
DEBUG log, one clear line when DATA_DIR cannot be used, and no 500 for assets while no frontend is installed."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.settings import Settings
from tests.support.builders import PASSWORD, assert_error, make_user
from tests.test_cli import _env


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_everything_under_a_new_data_dir_is_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    settings = Settings(_env_file=None, data_dir=data, argon2_time_cost=1, argon2_memory_cost_kib=1024)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.post("/api/scenes/shell", json={"title": "x", "description": "y"})
            await client.post("/api/settings/test-connection", json={})
        files = [p for p in data.rglob("*") if p.is_file()]
        names = {p.name for p in files}
        assert {"sceneintruder.db", "sceneintruder.db-wal", ".auth_secret", "initial-admin-password"} <= names
        assert all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}
        assert all(_mode(p) == 0o700 for p in [data, *data.rglob("*")] if p.is_dir())
        assert _mode(data.parent) == 0o700  # created for it as well


async def test_debug_logging_shows_no_sql_parameters_or_rows(make_settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(make_settings(log_level="DEBUG"))
    async with LifespanManager(app):
        await make_user(app, "alice")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
            token = login.json()["data"]["token"]
            shell = await client.post(
                "/api/scenes/shell",
                json={"title": "t", "description": "PRIVATE-PROSE-7731"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert shell.status_code == 200
            await client.get("/api/scenes", headers={"Authorization": f"Bearer {token}"})
    assert "PRIVATE-PROSE-7731" not in caplog.text
    assert "$argon2" not in caplog.text
    assert token not in caplog.text


def _start(data_dir: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sceneintruder", "migrate"],
        capture_output=True,
        text=True,
        env=_env(Path(data_dir)),
        timeout=60,
        check=False,
    )


def test_an_unusable_data_dir_stops_start_up_with_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    for data_dir in ("/proc/sceneintruder-data", str(a_file / "data"), str(a_file)):
        result = _start(data_dir)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sceneintruder: DATA_DIR"), result.stderr
        assert "Traceback" not in result.stderr


async def test_assets_without_a_frontend_are_404(client) -> None:
    for path in ("/assets/index.js", "/static/app.css", "/assets/"):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.text)


async def test_assets_are_served_once_the_frontend_appears(client, settings) -> None:
    assert (await client.get("/assets/app.js")).status_code == 404
    settings.static_dir.mkdir(parents=True)
    (settings.static_dir / "app.js").write_text("console.log(1)")
    response = await client.get("/assets/app.js")
    assert response.status_code == 200 and response.text == "console.log(1)"


async def test_unknown_asset_paths_are_the_json_404_for_api(client) -> None:
    assert_error(await client.get("/api/no-such-route"), 404, "NOT_FOUND")

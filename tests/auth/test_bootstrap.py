"""First start makes an administrator once; state and tokens survive a restart on the same DATA_DIR."""

from __future__ import annotations

import stat

import httpx
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from tests.support.builders import bearer, login, make_user


async def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_first_start_creates_admin_with_password_file_0600(settings, capsys) -> None:
    app = create_app(settings)
    async with LifespanManager(app):
        printed = capsys.readouterr().err
        secret_file = settings.data_dir / "initial-admin-password"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        name, password = secret_file.read_text().strip().split(":", 1)
        assert name == "admin" and password in printed
        async with await _client(app) as client:
            token = await login(client, "admin", password)
            me = await client.get("/api/users/admin", headers=bearer(token))
            assert me.json()["data"]["role"] == "admin"
    second = create_app(settings)
    async with LifespanManager(second):
        assert "Created administrator" not in capsys.readouterr().err
        assert secret_file.read_text().strip() == f"{name}:{password}"


async def test_data_and_tokens_survive_a_restart(settings) -> None:
    first = create_app(settings)
    async with LifespanManager(first):
        await make_user(first, "alice")
        async with await _client(first) as client:
            token = await login(client, "alice")
            made = await client.post("/api/users/alice/items", headers=bearer(token), json={"name": "Lamp"})
            assert made.status_code == 201
    auth_secret = (settings.data_dir / ".auth_secret").read_text()
    assert stat.S_IMODE((settings.data_dir / ".auth_secret").stat().st_mode) == 0o600
    second = create_app(settings)
    async with LifespanManager(second), await _client(second) as client:
        items = await client.get("/api/users/alice/items", headers=bearer(token))
        assert items.status_code == 200
        assert [item["name"] for item in items.json()["data"]] == ["Lamp"]
    assert (settings.data_dir / ".auth_secret").read_text() == auth_secret


async def test_configured_auth_secret_is_used(make_settings) -> None:
    settings = make_settings(auth_secret_key="k" * 40)
    app = create_app(settings)
    async with LifespanManager(app):
        assert app.state.tokens._secret == "k" * 40
    assert not (settings.data_dir / ".auth_secret").exists()

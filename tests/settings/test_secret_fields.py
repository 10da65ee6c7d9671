"""Every config field is either declared plain or sealed like the API key; reads show only that a secret is
set, to anyone; fields stored in clear by an earlier version are sealed at start-up."""

from __future__ import annotations

import sqlite3

import httpx
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.settings import document, saving

SECRETS = {"authorization": "Bearer sk-live-AUTH", "access_key_id": "AKIA-SECRET-ID", "passphrase": "open sesame"}


def _database_text(settings) -> str:
    with sqlite3.connect(settings.data_dir / "sceneintruder.db") as db:
        return " ".join(str(row) for row in db.execute("SELECT * FROM settings_provider"))


async def test_undeclared_fields_are_sealed_and_shown_only_as_present(client, admin, settings) -> None:
    body = {
        "llm_provider": "ollama",
        "llm_config": {"base_url": "http://127.0.0.1:11434", "default_model": "qwen", **SECRETS},
        "video_provider": "kling",
        "video_config": {"endpoint": "https://api.klingai.example/v1", "secret_key": "kling-secret", **SECRETS},
        "vision_provider": "sdwebui",
        "vision_config": {"endpoint": "http://127.0.0.1:7860", "model_sd": "sdxl", "size_sd": "1024x1024", **SECRETS},
    }
    saved = await client.post("/api/settings", json=body, headers=admin)
    assert saved.status_code == 200, saved.text
    response = await client.get("/api/settings")  # public: a guest reads it
    text = response.text
    for value in [*SECRETS.values(), "kling-secret"]:
        assert value not in text
        assert value not in _database_text(settings)
    data = response.json()["data"]
    for section in ("llm_config", "video_config", "vision_config"):
        config = data[section]
        assert {"has_authorization", "has_access_key_id", "has_passphrase"} <= set(config), config
        assert not set(SECRETS) & set(config)
    assert data["llm_config"]["default_model"] == "qwen" and data["llm_config"]["base_url"] == "http://127.0.0.1:11434"
    assert data["vision_config"]["model_sd"] == "sdxl" and data["vision_config"]["size_sd"] == "1024x1024"
    assert data["video_config"]["has_secret_key"] is True


def test_every_declared_plain_field_is_harmless() -> None:
    for section, names in document.PLAIN_FIELDS.items():
        for name in names:
            words = set(name.split("_"))
            assert not words & {"key", "secret", "token", "password", "passphrase", "credential"}, (section, name)


async def test_clear_fields_stored_by_an_earlier_version_are_sealed_at_start_up(make_settings) -> None:
    settings = make_settings()
    app = create_app(settings)
    async with LifespanManager(app):  # as an earlier version left it: a field in clear beside the base URL
        async with app.state.db.writer() as session:
            row = saving.new_row()
            row.llm_provider = "ollama"
            row.llm_config = {"base_url": "http://127.0.0.1:11434", "passphrase": "open sesame"}
            session.add(row)
            await session.commit()
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            config = (await client.get("/api/settings")).json()["data"]["llm_config"]
    assert config.get("has_passphrase") is True and "passphrase" not in config
    assert "open sesame" not in _database_text(settings)

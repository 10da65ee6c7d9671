"""AES-256-GCM with an HKDF-derived key: round trips, bindings, key sources."""

from __future__ import annotations

import stat

import pytest

from sceneintruder.core.secretbox import KEY_FILE_NAME, SecretBox, SecretBoxError

KEY = "k" * 16 + "0123456789abcdef0123"


def test_seal_and_open_round_trip_and_hide_the_plaintext() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("sk-live-secret", aad="llm/openai/")
    assert sealed["v"] == 1 and "sk-live-secret" not in str(sealed)
    assert box.open(sealed, aad="llm/openai/") == "sk-live-secret"
    assert box.seal("same", aad="a") != box.seal("same", aad="a")  # fresh nonce each time


def test_another_binding_or_key_or_a_tampered_value_does_not_open() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("sk-live-secret", aad="llm/openai/https://api.openai.com/v1")
    with pytest.raises(SecretBoxError):
        box.open(sealed, aad="llm/openai/https://evil.example/v1")
    with pytest.raises(SecretBoxError):
        SecretBox(KEY + "x").open(sealed, aad="llm/openai/https://api.openai.com/v1")
    with pytest.raises(SecretBoxError):
        box.open({**sealed, "ct": sealed["ct"][:-4] + "AAAA"}, aad="llm/openai/https://api.openai.com/v1")
    with pytest.raises(SecretBoxError):
        box.open({"v": 2}, aad="x")


def test_key_file_is_generated_once_with_mode_0600(tmp_path) -> None:
    first = SecretBox.from_sources(env_key=None, data_dir=tmp_path)
    sealed = first.seal("value", aad="x")
    key_file = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = SecretBox.from_sources(env_key=None, data_dir=tmp_path)
    assert again.open(sealed, aad="x") == "value"
    from_env = SecretBox.from_sources(env_key=KEY, data_dir=tmp_path / "other")
    assert not (tmp_path / "other" / KEY_FILE_NAME).exists()
    with pytest.raises(SecretBoxError):
        from_env.open(sealed, aad="x")

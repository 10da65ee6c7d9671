"""Secrets at rest: AES-256-GCM with a key derived by HKDF-SHA256, from the `cryptography` library.

The key material is `CONFIG_ENCRYPTION_KEY` when set, else a random secret generated once into
`DATA_DIR/.config_key` (mode 0600). HKDF turns either into the 32-byte AES key, so a passphrase-like
environment value is never used as raw key bytes (the reference took its first 32 characters).

A sealed value is `{"v": 1, "nonce": <b64>, "ct": <b64 ciphertext+tag>}`. Every seal takes associated data
(`aad`) naming what the secret is bound to: opening it with any other binding fails. The settings domain binds
an API key to its provider and base URL, so a stored key can never be replayed against another endpoint.
Framework-free: no FastAPI, no database.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sceneintruder.core.storage import load_or_create_secret

VERSION = 1
KEY_FILE_NAME = ".config_key"
_SALT = b"sceneintruder/secretbox/v1"
_NONCE_BYTES = 12


class SecretBoxError(Exception):
    """A sealed value could not be opened: wrong key, wrong binding, or not a sealed value at all."""


def derive_key(material: str | bytes, *, purpose: str = "config") -> bytes:
    raw = material.encode("utf-8") if isinstance(material, str) else material
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=f"sceneintruder:{purpose}".encode())
    return hkdf.derive(raw)


class SecretBox:
    def __init__(self, key_material: str | bytes, *, purpose: str = "config") -> None:
        self._aead = AESGCM(derive_key(key_material, purpose=purpose))

    @classmethod
    def from_sources(cls, *, env_key: str | None, data_dir: Path) -> SecretBox:
        """`CONFIG_ENCRYPTION_KEY` when given, else the generated `DATA_DIR/.config_key`."""
        material = env_key or load_or_create_secret(data_dir / KEY_FILE_NAME)
        return cls(material)

    def seal(self, plaintext: str, *, aad: str) -> dict[str, Any]:
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._aead.encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return {"v": VERSION, "nonce": _b64(nonce), "ct": _b64(ciphertext)}

    def open(self, sealed: Mapping[str, Any], *, aad: str) -> str:
        try:
            if sealed.get("v") != VERSION:
                raise SecretBoxError("unknown sealed-value version")
            nonce = base64.b64decode(sealed["nonce"], validate=True)
            ciphertext = base64.b64decode(sealed["ct"], validate=True)
            return self._aead.decrypt(nonce, ciphertext, aad.encode("utf-8")).decode("utf-8")
        except (InvalidTag, KeyError, TypeError, ValueError) as exc:
            raise SecretBoxError("the sealed value does not open with this key and binding") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

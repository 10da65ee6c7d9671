"""Errors of the auth domain: the generic ones from core are what the reference uses."""

from sceneintruder.core.errors import InvalidCredentials, Unauthorized

__all__ = ["InvalidCredentials", "Unauthorized"]

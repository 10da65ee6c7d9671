"""What a request says about its client: the bearer token and the IP address (from an ASGI scope)."""

from __future__ import annotations

from starlette.types import Scope

_MAX_TOKEN_LENGTH = 4096


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def bearer_token(scope: Scope) -> str | None:
    """`Authorization: Bearer <token>` (scheme case-insensitive); None when absent or empty."""
    value = header(scope, b"authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return token


def client_ip(scope: Scope, *, trust_forwarded_for: bool = False) -> str:
    if trust_forwarded_for:
        forwarded = header(scope, b"x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"

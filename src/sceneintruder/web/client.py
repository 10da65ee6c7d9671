"""What a request says about its client: the bearer token and the IP address (from an ASGI scope)."""

from __future__ import annotations

from starlette.types import Scope


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def bearer_token(scope: Scope) -> str | None:
    """The credentials of `Authorization: Bearer ...` (scheme case-insensitive), as sent: possibly empty, too long
    or malformed, which the token check then refuses (401), never a reason to treat the caller as a guest.
    None only when there is no Authorization header, or it names another scheme."""
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def client_ip(scope: Scope, *, trust_forwarded_for: bool = False) -> str:
    if trust_forwarded_for:
        forwarded = header(scope, b"x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"

"""Events of the auth domain (published on the app's EventBus; see core.events)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenRevoked:
    """A token was revoked (logout): whatever was opened with it, such as WebSockets, closes."""

    jti: str
    user_id: str

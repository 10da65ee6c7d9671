"""Who is making a request: an authenticated user, or the guest `console_user`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

GUEST_USER_ID = "console_user"


class Role(StrEnum):
    ADMIN = "admin"  # may change settings, see metrics, manage sockets, cancel anyone's job
    USER = "user"  # owns and uses their own resources


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    authenticated: bool
    token_jti: str | None = None
    token_expires_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.authenticated and self.role is Role.ADMIN

    @classmethod
    def guest(cls) -> Principal:
        return cls(user_id=GUEST_USER_ID, role=Role.USER, authenticated=False)

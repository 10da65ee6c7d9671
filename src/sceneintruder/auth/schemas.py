"""Wire shapes of `/api/auth/*`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from sceneintruder.core.schemas import RequestModel, WireModel
from sceneintruder.users.schemas import UserRead


class LoginRequest(RequestModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginResponse(WireModel):
    token: str
    user_id: str
    user: UserRead
    expires_at: datetime

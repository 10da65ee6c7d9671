"""`UsersRuntime`: the database and the profile cache the users routes read, built once at start-up by
`users.service.install`."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.core.cache import TTLCache
from sceneintruder.db.session import Database
from sceneintruder.users.schemas import UserRead

ProfileCache = TTLCache[str, UserRead]


@dataclass(frozen=True)
class UsersRuntime:
    db: Database
    profiles: ProfileCache  # profiles by user id; every write through the service drops the user's entry

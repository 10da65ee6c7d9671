"""`UsersRuntime`: the database and the profile cache the users routes read, built once at start-up by
`users.service.install`."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from sceneintruder.core.cache import TTLCache
from sceneintruder.db.session import Database

# Profiles as their JSON (a UserRead encoded once, when it is read from the database): a cached read is not
# encoded again per request (pydantic's dump was ~4% of GET /api/users/:id's CPU, bench/http_api.py --profile).
ProfileCache = TTLCache[str, orjson.Fragment]


@dataclass(frozen=True)
class UsersRuntime:
    db: Database
    profiles: ProfileCache  # profiles' JSON by user id; every write through the service drops the user's entry

"""Dependencies of the users routes: the domain's runtime, and the user id the caller may use.

Access keeps the reference's 403 semantics: a guest may only use `console_user`; a signed-in user only their own id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from sceneintruder.core.errors import Forbidden
from sceneintruder.core.principal import GUEST_USER_ID
from sceneintruder.db.session import Database
from sceneintruder.users.service import ProfileCache, UsersRuntime
from sceneintruder.web.dependencies import app_state, get_principal


async def get_users_runtime(request: Request) -> UsersRuntime:
    return app_state(request).components.get(UsersRuntime)


UsersRuntimeDep = Annotated[UsersRuntime, Depends(get_users_runtime)]


async def accessible_user_id(request: Request, user_id: Annotated[str, Path(max_length=128)]) -> str:
    principal = await get_principal(request)
    if not principal.authenticated:
        if user_id != GUEST_USER_ID:
            raise Forbidden("Authentication required")
    elif user_id != principal.user_id:
        raise Forbidden("Access denied: Cannot access other users' data")
    return user_id


UserId = Annotated[str, Depends(accessible_user_id)]


@dataclass(frozen=True)
class ProfileReader:
    user_id: str
    db: Database
    cache: ProfileCache


async def profile_reader(request: Request, user_id: Annotated[str, Path(max_length=128)]) -> ProfileReader:
    """The accessible user id with what a cached profile read needs, as one dependency (the hot path)."""
    runtime = await get_users_runtime(request)
    return ProfileReader(await accessible_user_id(request, user_id), runtime.db, runtime.profiles)


ProfileReaderDep = Annotated[ProfileReader, Depends(profile_reader)]

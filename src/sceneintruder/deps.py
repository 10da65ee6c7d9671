"""FastAPI dependencies shared by every router: settings, a DB session per request, the caller's identity.

Every dependency is `async def`, even the trivial ones: FastAPI runs a plain `def` dependency in a worker
thread, which costs a thread round trip per request.

Everything is read from `app.state`, which `create_app` fills; nothing here is created at import.
Token resolution is an object that `app.py` builds from the auth service (`app.state.principals`, a
`PrincipalResolver`), so this module, which sits below the domains, never imports one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from sceneintruder.core.cache import TTLCache
from sceneintruder.core.client import bearer_token, client_ip
from sceneintruder.core.errors import Forbidden, Unauthorized
from sceneintruder.core.events import EventBus
from sceneintruder.core.locks import KeyedLocks
from sceneintruder.core.offload import Offload
from sceneintruder.core.passwords import PasswordHasher
from sceneintruder.core.principal import Principal
from sceneintruder.core.ratelimit import RateLimiter
from sceneintruder.core.settings import Settings
from sceneintruder.core.tokens import TokenService
from sceneintruder.db.session import Database
from sceneintruder.providers.llm.client import LLMClient


class PrincipalResolver(Protocol):
    async def resolve(self, db: Database, token: str) -> Principal: ...

    def forget(self, jti: str) -> None: ...


_READ_METHODS = frozenset({"GET", "HEAD"})


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A reader session for GET/HEAD, a writer session (BEGIN IMMEDIATE on SQLite) otherwise.

    Services commit before they return; anything uncommitted is rolled back when the request ends.
    """
    db: Database = request.app.state.db
    session = db.reader() if request.method in _READ_METHODS else db.writer()
    try:
        yield session
    finally:
        if session.in_transaction() or session.sync_session.identity_map:  # else it never touched the database
            await session.close()


async def get_tokens(request: Request) -> TokenService:
    return request.app.state.tokens


async def get_hasher(request: Request) -> PasswordHasher:
    return request.app.state.hasher


async def get_rate_limiter(request: Request) -> RateLimiter:
    return request.app.state.rate_limiter


async def get_scene_locks(request: Request) -> KeyedLocks:
    return request.app.state.scene_locks


async def get_events(request: Request) -> EventBus:
    return request.app.state.events


async def get_profile_cache(request: Request) -> TTLCache:
    """User profiles by id (see users.service.ProfileCache); writes through the users service invalidate it."""
    return request.app.state.profile_cache


async def get_llm(request: Request) -> LLMClient:
    """The one LLM façade (providers.llm.client.LLMClient); the settings service swaps its provider on save."""
    return request.app.state.llm


async def get_offload(request: Request) -> Offload:
    """Bounded thread and isolated-process lanes for CPU-bound work (core.offload)."""
    return request.app.state.offload


async def get_client_ip(request: Request) -> str:
    return client_ip(request.scope, trust_forwarded_for=request.app.state.settings.trust_forwarded_for)


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TokensDep = Annotated[TokenService, Depends(get_tokens)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
ClientIpDep = Annotated[str, Depends(get_client_ip)]
ProfileCacheDep = Annotated[TTLCache, Depends(get_profile_cache)]
EventsDep = Annotated[EventBus, Depends(get_events)]
SceneLocksDep = Annotated[KeyedLocks, Depends(get_scene_locks)]
LLMDep = Annotated[LLMClient, Depends(get_llm)]
OffloadDep = Annotated[Offload, Depends(get_offload)]


async def get_principal_resolver(request: Request) -> PrincipalResolver:
    return request.app.state.principals


async def resolve_token(connection: HTTPConnection, token: str) -> Principal:
    """The token's principal, or Unauthorized; for HTTP requests and WebSockets alike."""
    return await connection.app.state.principals.resolve(connection.app.state.db, token)


async def get_optional_principal(request: Request) -> Principal | None:
    """The bearer token's principal, None without a token; a bad token is 401 (never a fall back to guest)."""
    token = bearer_token(request.scope)
    if token is None:
        return None
    return await resolve_token(request, token)


async def get_principal(request: Request) -> Principal:
    """The token's user; with no token, the guest `console_user` when ALLOW_GUEST is on, else 401."""
    principal = await get_optional_principal(request)
    if principal is not None:
        return principal
    if request.app.state.settings.allow_guest:
        return Principal.guest()
    raise Unauthorized()


async def get_authenticated(request: Request) -> Principal:
    principal = await get_optional_principal(request)
    if principal is None:
        raise Unauthorized()
    return principal


async def get_admin(request: Request) -> Principal:
    principal = await get_authenticated(request)
    if not principal.is_admin:
        raise Forbidden("Administrator role required")
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]
PrincipalResolverDep = Annotated[PrincipalResolver, Depends(get_principal_resolver)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
AuthenticatedDep = Annotated[Principal, Depends(get_authenticated)]
AdminDep = Annotated[Principal, Depends(get_admin)]

"""FastAPI dependencies shared by every router: settings, a DB session per request, the caller's identity.

Every dependency is `async def`, even the trivial ones: FastAPI runs a plain `def` dependency in a worker
thread, which costs a thread round trip per request.

Everything comes from the typed application state (`web.state.app_state`), which `create_app` and the lifespan
fill; nothing here is created at import. Token resolution and scene access are objects the auth and scenes
domains install there (`PrincipalResolver`, `SceneLoader`), so this module, which sits below the domains,
never imports one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from sceneintruder.core.cache import TTLCache
from sceneintruder.core.errors import Forbidden, Unauthorized
from sceneintruder.core.events import EventBus
from sceneintruder.core.locks import SceneLocks
from sceneintruder.core.offload import Offload
from sceneintruder.core.passwords import PasswordHasher
from sceneintruder.core.principal import Principal
from sceneintruder.core.ratelimit import RateLimiter
from sceneintruder.core.settings import Settings
from sceneintruder.core.tokens import TokenService
from sceneintruder.db.session import Database
from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.web.client import bearer_token, client_ip
from sceneintruder.web.state import AppState, PrincipalResolver

_READ_METHODS = frozenset({"GET", "HEAD"})


def app_state(connection: HTTPConnection) -> AppState:
    """The application's typed state, for a request or a WebSocket: the one place `app.state` is read."""
    return cast(AppState, connection.app.state)


async def get_settings(request: Request) -> Settings:
    return app_state(request).settings


async def get_database(request: Request) -> Database:
    return app_state(request).db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A reader session for GET/HEAD, a writer session (BEGIN IMMEDIATE on SQLite) otherwise.

    Services commit before they return; anything uncommitted is rolled back when the request ends.
    """
    db: Database = app_state(request).db
    session = db.reader() if request.method in _READ_METHODS else db.writer()
    try:
        yield session
    finally:
        if session.in_transaction() or session.sync_session.identity_map:  # else it never touched the database
            await session.close()


async def get_tokens(request: Request) -> TokenService:
    return app_state(request).tokens


async def get_hasher(request: Request) -> PasswordHasher:
    return app_state(request).hasher


async def get_rate_limiter(request: Request) -> RateLimiter:
    return app_state(request).rate_limiter


async def get_scene_locks(request: Request) -> SceneLocks:
    return app_state(request).scene_locks


async def get_events(request: Request) -> EventBus:
    return app_state(request).events


async def get_profile_cache(request: Request) -> TTLCache[str, Any]:
    """User profiles by id (see users.service.ProfileCache); writes through the users service invalidate it."""
    return app_state(request).profile_cache


async def get_llm(request: Request) -> LLMClient:
    """The one LLM façade (providers.llm.client.LLMClient); the settings service swaps its provider on save."""
    return app_state(request).llm


async def get_offload(request: Request) -> Offload:
    """Bounded thread and isolated-process lanes for CPU-bound work (core.offload)."""
    return app_state(request).offload


async def get_client_ip(request: Request) -> str:
    return client_ip(request.scope, trust_forwarded_for=app_state(request).settings.trust_forwarded_for)


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TokensDep = Annotated[TokenService, Depends(get_tokens)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
ClientIpDep = Annotated[str, Depends(get_client_ip)]
ProfileCacheDep = Annotated[TTLCache[str, Any], Depends(get_profile_cache)]
EventsDep = Annotated[EventBus, Depends(get_events)]
SceneLocksDep = Annotated[SceneLocks, Depends(get_scene_locks)]
LLMDep = Annotated[LLMClient, Depends(get_llm)]
OffloadDep = Annotated[Offload, Depends(get_offload)]


async def get_principal_resolver(request: Request) -> PrincipalResolver:
    return app_state(request).principals


async def resolve_token(connection: HTTPConnection, token: str) -> Principal:
    """The token's principal, or Unauthorized; for HTTP requests and WebSockets alike."""
    return await app_state(connection).principals.resolve(app_state(connection).db, token)


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
    if app_state(request).settings.allow_guest:
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


# --- shared path parameters and owned resources ----------------------------------------------------------------

SceneId = Annotated[str, Path(max_length=128)]
ItemId = Annotated[str, Path(max_length=128)]


async def owned_scene(request: Request, scene_id: SceneId) -> Any:
    """The scene if the caller owns it (or is an admin); else 404 SCENE_NOT_FOUND, as for a missing one.

    Loaded in a short read session of its own (by the scenes domain's loader), so a route that then writes can
    take the scene's lock before it opens its write transaction. Domains annotate it with their scene type:
    `Annotated[Scene, Depends(owned_scene)]`.
    """
    return await app_state(request).scene_loader(scene_id, await get_principal(request))


async def get_idempotency_key(
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> str | None:
    """The client's key for "start this only once" (visible ASCII, at most 255 characters); else 400. A route that
    starts a job passes it to `JobRegistry.start`, so a retry gets the same job."""
    return idempotency_key


IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]

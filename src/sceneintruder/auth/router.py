"""`/api/auth/login`, `/api/auth/logout`."""

from __future__ import annotations

from fastapi import APIRouter

from sceneintruder.auth import service as auth_service
from sceneintruder.auth.events import TokenRevoked
from sceneintruder.auth.schemas import LoginRequest, LoginResponse
from sceneintruder.core.errors import RateLimited
from sceneintruder.web.dependencies import (
    ClientIpDep,
    DatabaseDep,
    EventsDep,
    HasherDep,
    OptionalPrincipalDep,
    PrincipalResolverDep,
    ProfileCacheDep,
    RateLimiterDep,
    SessionDep,
    TokensDep,
)
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, ok

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=Envelope[LoginResponse])
async def login(
    body: LoginRequest,
    db: DatabaseDep,
    hasher: HasherDep,
    tokens: TokensDep,
    limiter: RateLimiterDep,
    ip: ClientIpDep,
    cache: ProfileCacheDep,
) -> EnvelopeResponse:
    """Attempts are counted per client IP and username before the password is checked (so concurrent guesses
    cannot all slip under the limit); a successful login clears the count. Past the limit: 429 until the
    window ends, whatever the password."""
    key = f"{ip}|{body.username.lower()}"
    if not (decision := await limiter.hit("login", key)).allowed:
        raise RateLimited(decision.retry_after, headers=decision.headers())
    result = await auth_service.login(
        db, hasher=hasher, tokens=tokens, username=body.username, password=body.password, cache=cache
    )
    await limiter.clear("login", key)
    return ok(result, "登录成功")


@router.post("/logout", response_model=Envelope[None])
async def logout(
    session: SessionDep, principal: OptionalPrincipalDep, principals: PrincipalResolverDep, events: EventsDep
) -> EnvelopeResponse:
    """Revokes the presented token, and closes the WebSockets opened with it. With no token there is nothing to
    revoke; a bad token is 401."""
    if principal is not None and principal.token_jti and principal.token_expires_at:
        await auth_service.revoke(
            session, jti=principal.token_jti, user_id=principal.user_id, expires_at=principal.token_expires_at
        )
        principals.forget(principal.token_jti)
        await events.publish(TokenRevoked(principal.token_jti, principal.user_id))
    return ok(None, "登出成功")

"""`/api/auth/login`, `/api/auth/logout`."""

from __future__ import annotations

from fastapi import APIRouter

from sceneintruder.auth import service as auth_service
from sceneintruder.auth.schemas import LoginRequest
from sceneintruder.core.envelope import EnvelopeResponse, ok
from sceneintruder.core.errors import InvalidCredentials, RateLimited
from sceneintruder.deps import (
    ClientIpDep,
    HasherDep,
    OptionalPrincipalDep,
    PrincipalResolverDep,
    ProfileCacheDep,
    RateLimiterDep,
    SessionDep,
    TokensDep,
)

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
async def login(
    body: LoginRequest,
    session: SessionDep,
    hasher: HasherDep,
    tokens: TokensDep,
    limiter: RateLimiterDep,
    ip: ClientIpDep,
    cache: ProfileCacheDep,
) -> EnvelopeResponse:
    """Failed attempts are counted per client IP and username; past the limit, 429 until the window ends."""
    key = f"{ip}|{body.username.lower()}"
    if not (decision := limiter.peek("login", key)).allowed:
        raise RateLimited(decision.retry_after, headers=decision.headers())
    try:
        result = await auth_service.login(
            session, hasher=hasher, tokens=tokens, username=body.username, password=body.password, cache=cache
        )
    except InvalidCredentials:
        limiter.hit("login", key)
        raise
    return ok(result, "登录成功")


@router.post("/logout")
async def logout(
    session: SessionDep, principal: OptionalPrincipalDep, principals: PrincipalResolverDep
) -> EnvelopeResponse:
    """Revokes the presented token. With no token there is nothing to revoke; a bad token is 401."""
    if principal is not None and principal.token_jti and principal.token_expires_at:
        await auth_service.revoke(
            session, jti=principal.token_jti, user_id=principal.user_id, expires_at=principal.token_expires_at
        )
        principals.forget(principal.token_jti)
    return ok(None, "登出成功")

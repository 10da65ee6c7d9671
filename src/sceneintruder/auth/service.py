"""Login, logout and token resolution. Framework-free: routers and `deps` call these."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.auth.events import TokenRevoked
from sceneintruder.auth.models import RevokedToken
from sceneintruder.auth.runtime import AuthRuntime
from sceneintruder.auth.schemas import LoginResponse
from sceneintruder.core.cache import TTLCache
from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import InvalidCredentials, Unauthorized
from sceneintruder.core.passwords import PasswordHasher, generate_password
from sceneintruder.core.principal import Principal, Role
from sceneintruder.core.storage import atomic_write_bytes
from sceneintruder.core.tokens import InvalidToken, TokenService
from sceneintruder.db.advisory import serialize_on
from sceneintruder.db.session import Database
from sceneintruder.realtime.hub import Hub
from sceneintruder.users import service as users_service
from sceneintruder.web.state import AppState

log = logging.getLogger("sceneintruder.auth")
INITIAL_ADMIN_PASSWORD_FILE = "initial-admin-password"  # noqa: S105 - a file name

BOOTSTRAP_LOCK = "bootstrap_accounts"


async def login(
    db: Database,
    *,
    hasher: PasswordHasher,
    tokens: TokenService,
    username: str,
    password: str,
    cache: users_service.ProfileCache | None,
) -> LoginResponse:
    """The password is checked with no transaction open (argon2 takes tens of milliseconds, and a write
    transaction held meanwhile would stall every writer); only a good login then writes, briefly.

    An unknown user is verified against a dummy hash, so it costs what a wrong password costs.
    """
    async with db.reader() as session:
        user = await users_service.find_account(session, user_id=username)
        password_hash = user.password_hash if user else None
    verified = await hasher.verify_async(password, password_hash)
    if user is None or not verified:
        raise InvalidCredentials(details="请检查您的登录凭据")
    token, claims = tokens.issue(user.id)
    async with db.writer() as session:
        account = await users_service.find_account(session, user_id=user.id)
        if account is None:  # deleted while its password was being checked
            raise InvalidCredentials(details="请检查您的登录凭据")
        await users_service.record_login(session, user=account, cache=cache)
        profile = await users_service.read_user(session, user_id=user.id, cache=cache)
    return LoginResponse(token=token, user_id=user.id, user=profile, expires_at=claims.expires_at)


async def revoke(session: AsyncSession, *, jti: str, user_id: str, expires_at: datetime) -> None:
    """Revoke one token id (logout); rows of tokens that have expired anyway are purged on the way."""
    now = utcnow()
    await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    if await session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, user_id=user_id, expires_at=expires_at, revoked_at=now))
    await session.commit()


class PrincipalResolver:
    """Bearer token to principal: a valid, unrevoked token of an existing user, or 401 (never a silent guest).

    Resolved principals are cached by token id for a few seconds; `forget` (called on logout) drops one at
    once, so a revoked token stops working immediately (on every worker: the cache is shared by name).
    """

    def __init__(self, tokens: TokenService, *, cache_ttl_seconds: float = 10.0) -> None:
        self._tokens = tokens
        self.cache: TTLCache[str, Principal] = TTLCache(max_entries=10_000, ttl_seconds=cache_ttl_seconds)

    async def resolve(self, db: Database, token: str) -> Principal:
        try:
            claims = self._tokens.decode(token)
        except InvalidToken as exc:
            raise Unauthorized("Invalid or expired token") from exc

        async def load() -> Principal:
            async with db.reader() as session:
                revoked = await session.scalar(select(RevokedToken.jti).where(RevokedToken.jti == claims.jti))
                role = None if revoked else await users_service.get_role(session, user_id=claims.sub)
            if role is None:
                raise Unauthorized("Invalid or expired token")
            return Principal(
                user_id=claims.sub,
                role=role,
                authenticated=True,
                token_jti=claims.jti,
                token_expires_at=claims.expires_at,
            )

        return await self.cache.get_or_load(claims.jti, load)

    def forget(self, jti: str) -> None:
        self.cache.invalidate(jti)


async def bootstrap_accounts(session: AsyncSession, *, hasher: PasswordHasher, data_dir: Path) -> str | None:
    """Create the guest account, and an `admin` with a random password when no admin exists yet.

    The password is returned (for the console, once) and written to DATA_DIR/initial-admin-password (0600).
    Workers that start together on one database take turns (one transaction under an advisory lock), so exactly
    one of them creates the accounts.
    """
    await serialize_on(session, BOOTSTRAP_LOCK)
    await users_service.ensure_guest_account(session, commit=False)
    if await users_service.count_admins(session) > 0:
        await session.commit()
        return None
    password = generate_password()
    name = "admin"
    if await users_service.find_account(session, user_id=name) is not None:
        name = f"admin_{generate_password()[:6].lower().replace('-', 'x').replace('_', 'x')}"
    await users_service.create_account(
        session, user_id=name, password_hash=await hasher.hash_async(password), role=Role.ADMIN, commit=False
    )
    await session.commit()
    atomic_write_bytes(data_dir / INITIAL_ADMIN_PASSWORD_FILE, f"{name}:{password}\n".encode(), mode=0o600)
    return f"{name}:{password}"


def install(state: AppState) -> AuthRuntime:
    """The auth domain, built once: token resolution for every request and socket, and logout closing the
    sockets opened with the token it revokes."""
    principals = PrincipalResolver(state.tokens, cache_ttl_seconds=state.settings.read_cache_ttl_seconds)
    state.coherence.share("principals", principals.cache)  # a logout on one worker reaches them all
    state.principals = principals
    hub = state.components.get(Hub)

    async def close_sockets(event: TokenRevoked) -> None:
        hub.close_token(event.jti)

    state.events.subscribe(TokenRevoked, close_sockets)
    return AuthRuntime(principals)

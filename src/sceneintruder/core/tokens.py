"""Access tokens: JWT HS256 (python-jose) with `sub`, `exp`, `iat` and a unique `jti` for revocation."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt

from sceneintruder.core.clock import Clock

ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 4096  # ours are ~250 characters; anything far longer is not one of ours


class InvalidToken(Exception):
    """The token is malformed, forged, or expired."""


@dataclass(frozen=True)
class TokenClaims:
    sub: str
    jti: str
    issued_at: datetime
    expires_at: datetime


class TokenService:
    def __init__(self, secret: str, *, ttl: timedelta, clock: Clock) -> None:
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        # Signature checks are pure for a given secret, so decoded claims are cached; expiry is checked each time.
        self._decode_cached = functools.lru_cache(maxsize=4096)(self._decode_signature)

    def issue(self, user_id: str) -> tuple[str, TokenClaims]:
        now = self._clock.now().replace(microsecond=0)
        claims = TokenClaims(sub=user_id, jti=uuid.uuid4().hex, issued_at=now, expires_at=now + self._ttl)
        payload = {
            "sub": claims.sub,
            "jti": claims.jti,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def decode(self, token: str) -> TokenClaims:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed token")
        claims = self._decode_cached(token)
        if self._clock.now() >= claims.expires_at:
            raise InvalidToken("token expired")
        return claims

    def _decode_signature(self, token: str) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"verify_exp": False},  # expiry is checked against our clock
            )
            return TokenClaims(
                sub=str(payload["sub"]),
                jti=str(payload["jti"]),
                issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
            )
        except (JWTError, KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
            # OverflowError/OSError: an `exp` or `iat` outside what a datetime can hold
            raise InvalidToken("invalid token") from exc

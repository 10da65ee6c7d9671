"""Tokens: issued claims, forged signatures, expiry by the injected clock, tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jose import jwt

from sceneintruder.core.tokens import InvalidToken, TokenService

SECRET = "s" * 40


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def test_issue_then_decode_gives_sub_jti_iat_exp() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    service = TokenService(SECRET, ttl=timedelta(hours=24), clock=clock)
    token, claims = service.issue("alice")
    payload = jwt.get_unverified_claims(token)
    assert set(payload) == {"sub", "jti", "iat", "exp"}
    assert payload["exp"] - payload["iat"] == 24 * 3600
    decoded = service.decode(token)
    assert decoded == claims
    assert decoded.sub == "alice" and len(decoded.jti) == 32


def test_each_token_has_a_fresh_jti() -> None:
    service = TokenService(SECRET, ttl=timedelta(hours=1), clock=FixedClock(datetime.now(UTC)))
    assert service.issue("a")[1].jti != service.issue("a")[1].jti


def test_token_signed_with_another_secret_is_refused() -> None:
    clock = FixedClock(datetime.now(UTC))
    forged, _ = TokenService("x" * 40, ttl=timedelta(hours=1), clock=clock).issue("admin")
    with pytest.raises(InvalidToken):
        TokenService(SECRET, ttl=timedelta(hours=1), clock=clock).decode(forged)


def test_expired_token_is_refused_by_the_clock() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    service = TokenService(SECRET, ttl=timedelta(hours=24), clock=clock)
    token, _ = service.issue("alice")
    clock.moment += timedelta(hours=23, minutes=59)
    assert service.decode(token).sub == "alice"
    clock.moment += timedelta(minutes=1)
    with pytest.raises(InvalidToken):
        service.decode(token)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."])
def test_garbage_and_unsigned_tokens_are_refused(token: str) -> None:
    service = TokenService(SECRET, ttl=timedelta(hours=1), clock=FixedClock(datetime.now(UTC)))
    with pytest.raises(InvalidToken):
        service.decode(token)


def test_tampered_payload_is_refused() -> None:
    service = TokenService(SECRET, ttl=timedelta(hours=1), clock=FixedClock(datetime.now(UTC)))
    token, _ = service.issue("alice")
    header, _payload, signature = token.split(".")
    other, _ = service.issue("admin")
    with pytest.raises(InvalidToken):
        service.decode(f"{header}.{other.split('.')[1]}.{signature}")

"""Time, injected so tests can move it. Timestamps on the wire are RFC 3339 with an explicit offset."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="microseconds")


_kept_second: tuple[int, str] = (-1, "")  # a second since the epoch, and its text as rfc3339 writes it


def rfc3339_at(nanoseconds: int) -> str:
    """`rfc3339` of the UTC instant `nanoseconds` after the epoch, cut to the microsecond."""
    global _kept_second
    second, micro = divmod(nanoseconds // 1000, 1_000_000)
    kept = _kept_second
    if kept[0] != second:
        kept = _kept_second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{kept[1]}.{micro:06d}+00:00"


def rfc3339_now() -> str:
    """`rfc3339(utcnow())`, for the timestamp of every response envelope: the text of the current second is kept,
    so a call costs ~0.6 us rather than ~3.7 us (datetime.now and isoformat)."""
    return rfc3339_at(time.time_ns())

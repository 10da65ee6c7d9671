"""The envelope's timestamp, written from a kept second, is exactly what `rfc3339` writes for the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sceneintruder.core.clock import rfc3339, rfc3339_at, rfc3339_now

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(nanoseconds: int) -> datetime:
    return EPOCH + timedelta(microseconds=nanoseconds // 1000)


def test_instants_across_seconds_days_and_years_are_written_as_rfc3339_writes_them() -> None:
    instants = [0, 999, 1_000, 999_999_999, 1_000_000_000]
    new_year = int((datetime(2027, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) * 1_000_000_000
    instants += [new_year + delta for delta in (-1_000, -1, 0, 1, 1_000, 500_000_000, 86_400_000_000_000)]
    instants += [1_796_518_170_663_892_123, 4_102_444_799_999_999_999]  # 2026-12-06, the last instant of 2099
    for nanoseconds in instants:
        # Asked twice, and after another second, so the kept second is both fresh and reused.
        assert rfc3339_at(nanoseconds) == rfc3339(_instant(nanoseconds)), nanoseconds
        assert rfc3339_at(nanoseconds) == rfc3339(_instant(nanoseconds)), nanoseconds
    assert rfc3339_at(instants[-1]) == "2099-12-31T23:59:59.999999+00:00"
    assert rfc3339_at(0) == "1970-01-01T00:00:00.000000+00:00"


def test_now_is_the_current_utc_time() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    written = datetime.fromisoformat(rfc3339_now())
    assert written.utcoffset() == timedelta(0)
    assert before <= written <= datetime.now(UTC)

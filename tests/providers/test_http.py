"""Retry policy, Retry-After parsing and the SSE parser (pure parts of providers/http.py and sse.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sceneintruder.providers.errors import ProviderAuthError, ProviderRateLimited, ProviderUnavailable
from sceneintruder.providers.http import RetryPolicy, retry_after_seconds
from sceneintruder.providers.sse import iter_sse


def test_retry_after_reads_seconds_dates_and_milliseconds() -> None:
    assert retry_after_seconds({"retry-after": "12"}) == 12.0
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= retry_after_seconds({"retry-after": in_a_minute}) <= 60
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_delays_grow_with_jitter_honour_retry_after_and_stop() -> None:
    policy = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=3.0, max_retry_after=20, random=lambda: 1.0)
    unavailable = ProviderUnavailable(provider="x")
    assert [policy.delay_for(unavailable, n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, None]
    assert policy.delay_for(ProviderRateLimited(provider="x", retry_after=5), 1) == 5
    assert policy.delay_for(ProviderRateLimited(provider="x", retry_after=60), 1) is None  # too long to wait
    assert policy.delay_for(ProviderAuthError(provider="x"), 1) is None
    assert policy.delay_for(ProviderRateLimited(provider="x", retryable=False), 1) is None  # quota exhausted


async def test_sse_parser_handles_events_comments_and_a_last_unterminated_event() -> None:
    async def lines():
        for line in [": ping", "event: a", "data: 1", "data: 2", "", "", "data: tail"]:
            yield line

    events = [(e.event, e.data) async for e in iter_sse(lines())]
    assert events == [("a", "1\n2"), ("", "tail")]

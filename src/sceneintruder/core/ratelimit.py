"""Rate limits: independent fixed-window buckets per (limiter group, client key), counted by the `limits`
library (its fixed-window strategy over `memory://` by default, so a Redis URI can be dropped in later).

Framework-free: `web.ratelimit` applies the groups to requests; the login route counts failed attempts here.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # unix seconds at which the window ends
    window_seconds: int = 60

    @property
    def retry_after(self) -> int:
        return min(self.window_seconds, max(1, math.ceil(self.reset_at - time.time())))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Named groups of limits over one counting backend."""

    def __init__(self, groups: dict[str, str], *, enabled: bool = True, storage_uri: str = "memory://") -> None:
        self.enabled = enabled
        self._items: dict[str, RateLimitItem] = {name: parse(spec) for name, spec in groups.items()}
        self._backend = FixedWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, group: str, key: str) -> RateDecision:
        """Count one request against `group` for `key` and say whether it may pass."""
        item = self._items[group]
        if not self.enabled:
            return RateDecision(True, item.amount, item.amount, 0, item.get_expiry())
        allowed = self._backend.hit(item, group, key)
        return self._decision(item, group, key, allowed)

    def clear(self, group: str, key: str) -> None:
        """Forget `key`'s count in `group` (e.g. failed logins, once a login succeeds)."""
        if self.enabled:
            self._backend.clear(self._items[group], group, key)

    def _decision(self, item: RateLimitItem, group: str, key: str, allowed: bool) -> RateDecision:
        stats = self._backend.get_window_stats(item, group, key)
        return RateDecision(allowed, item.amount, stats.remaining, math.ceil(stats.reset_time), item.get_expiry())

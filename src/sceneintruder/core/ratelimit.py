"""Rate limits: independent fixed-window buckets per (limiter group, client key), counted by the `limits`
library's asyncio API: its fixed-window strategy over `async+memory://` in one process, over Redis
(`async+redis://`, redis-py) when REDIS_URL is set, so every worker counts against the same buckets and the
count is atomic (INCR) without ever blocking the event loop.

Framework-free: `web.ratelimit` applies the groups to requests; the login route counts failed attempts here.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string


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

    def __init__(
        self, groups: dict[str, str], *, enabled: bool = True, redis_url: str = "", namespace: str = ""
    ) -> None:
        self.enabled = enabled
        self._items: dict[str, RateLimitItem] = {name: parse(spec) for name, spec in groups.items()}
        if redis_url:
            storage = storage_from_string(
                f"async+{redis_url}", implementation="redispy", key_prefix=f"{namespace}:limits"
            )
        else:
            storage = storage_from_string("async+memory://")
        self._backend = FixedWindowRateLimiter(storage)

    async def hit(self, group: str, key: str) -> RateDecision:
        """Count one request against `group` for `key` and say whether it may pass."""
        item = self._items[group]
        if not self.enabled:
            return RateDecision(True, item.amount, item.amount, 0, item.get_expiry())
        allowed = await self._backend.hit(item, group, key)
        stats = await self._backend.get_window_stats(item, group, key)
        return RateDecision(allowed, item.amount, stats.remaining, math.ceil(stats.reset_time), item.get_expiry())

    async def clear(self, group: str, key: str) -> None:
        """Forget `key`'s count in `group` (e.g. failed logins, once a login succeeds)."""
        if self.enabled:
            await self._backend.clear(self._items[group], group, key)

"""The rate-limit middleware: every `/api` request counts against the default group of `core.ratelimit`, plus
the groups of the rules its path matches.

slowapi's route decorators are not used: they need a `request` argument on every endpoint, and its default
limits are scoped per URL, while we want one `/api` bucket plus separate chat and analysis buckets. So one
pure-ASGI middleware picks the groups for a path and asks the limiter.

Key: the authenticated user id when the request carries a valid token, else the client IP (the client's
`X-User-ID` header is ignored: it let reference clients pick a fresh bucket at will).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.ratelimit import RateDecision, RateLimiter
from sceneintruder.web.envelope import error_response


@dataclass(frozen=True)
class RateRule:
    """Requests whose path matches `pattern` (and `method`, when given) also count against `group`."""

    group: str
    pattern: re.Pattern[str]
    method: str | None = None

    def applies(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.match(path))


class RateLimitMiddleware:
    """Counts every `/api` request against `default_group`, plus the groups of the rules it matches."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        key_for: Callable[[Scope], str],
        rules: Sequence[RateRule],
        default_group: str = "default",
        exempt_prefixes: Sequence[str] = ("/api/progress/",),
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.key_for = key_for
        self.rules = tuple(rules)
        self.default_group = default_group
        self.exempt_prefixes = tuple(exempt_prefixes)

    def _groups(self, method: str, path: str) -> list[str]:
        if not path.startswith("/api/") or path.startswith(self.exempt_prefixes) or method == "OPTIONS":
            return []
        return [self.default_group, *(rule.group for rule in self.rules if rule.applies(method, path))]

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http" or not self.limiter.enabled:
            # Returned, not awaited: a WebSocket open for hours then keeps no frame of this layer alive.
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        groups = self._groups(scope["method"], scope["path"])
        if not groups:
            await self.app(scope, receive, send)
            return
        key = self.key_for(scope)
        shown: RateDecision | None = None
        for group in groups:
            decision = await self.limiter.hit(group, key)
            if not decision.allowed:
                response = error_response(
                    429,
                    ErrorCode.RATE_LIMIT_EXCEEDED,
                    "Rate limit exceeded",
                    f"Retry after {decision.retry_after} seconds",
                    headers=decision.headers(),
                )
                await response(scope, receive, send)
                return
            if shown is None or decision.remaining < shown.remaining:
                shown = decision
        extra = [(k.encode(), v.encode()) for k, v in shown.headers().items()] if shown else []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

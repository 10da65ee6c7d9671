"""HTTP hygiene as pure-ASGI middleware (cheaper than `BaseHTTPMiddleware`, and WebSocket scopes pass through).

`HttpBaseMiddleware` does what every request needs, in one layer with one `send` wrapper: the request id,
counters, security headers, CORS (any OPTIONS answered 204 before routing, as the reference does), and the
last-resort 500 envelope. `BodyLimitMiddleware` refuses oversized bodies.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.metrics import RequestMetrics
from sceneintruder.web.envelope import error_response
from sceneintruder.web.request_id import bind_request_id, reset_request_id

log = logging.getLogger("sceneintruder.http")

# JSON API responses get what OWASP's REST cheat sheet lists for them; pages (the SPA) get the document headers.
# Every header costs uvicorn a few microseconds to validate and write, so API responses carry only these.
_API_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)
_PAGE_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_LOCAL_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$")
_CORS_HEADERS = (
    (b"access-control-allow-credentials", b"true"),
    (
        b"access-control-allow-headers",
        b"Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, accept, origin, "
        b"Cache-Control, X-Requested-With, X-API-Key, X-Request-ID, Idempotency-Key, Last-Event-ID",
    ),
    (b"access-control-allow-methods", b"POST, OPTIONS, GET, PUT, DELETE, PATCH"),
    (b"access-control-max-age", b"86400"),
    (
        b"access-control-expose-headers",
        b"X-Request-ID, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Content-Disposition",
    ),
)


def origin_allowed(origin: str, allowed: frozenset[str]) -> bool:
    """Exact match against ALLOWED_ORIGINS; with none configured, local origins (any port) only."""
    if allowed:
        return origin in allowed
    return bool(_LOCAL_ORIGIN.match(origin))


class HttpBaseMiddleware:
    """Request id, metrics, security headers, exact-match CORS and the last-resort 500, in one layer.

    CORS: with no configured origins, only local origins (exact host, any port) are allowed; a refused origin
    gets no `Access-Control-Allow-Origin` at all; `Vary: Origin` is always set.
    """

    def __init__(self, app: ASGIApp, *, allowed_origins: Sequence[str], metrics: RequestMetrics) -> None:
        self.app = app
        self.allowed = frozenset(allowed_origins)
        self.metrics = metrics

    def origin_allowed(self, origin: str) -> bool:
        return origin_allowed(origin, self.allowed)

    def _response_headers(self, scope: Scope, request_id: str) -> list[tuple[bytes, bytes]]:
        path = scope["path"]
        if path.startswith("/api/"):
            # The docs page sets its own policy (core.api_docs); `default-src 'none'` would blank it.
            security = _PAGE_SECURITY_HEADERS if path.startswith("/api/docs") else _API_SECURITY_HEADERS
        else:
            security = _PAGE_SECURITY_HEADERS
        headers = [(b"x-request-id", request_id.encode("latin-1")), (b"vary", b"Origin"), *security]
        for name, value in scope["headers"]:
            if name == b"origin":
                if self.origin_allowed(value.decode("latin-1")):
                    headers += [(b"access-control-allow-origin", value), *_CORS_HEADERS]
                break
        return headers

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            # A WebSocket (or the lifespan) runs in a task of its own, whose context ends with it: bind its request
            # id there and return the app's awaitable rather than awaiting it, so that a socket open for hours does
            # not keep this layer's frame alive.
            bind_request_id(scope)
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = bind_request_id(scope)
        start = time.perf_counter()
        extra = self._response_headers(scope, token.var.get())
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        self.metrics.in_flight += 1
        try:
            if scope["method"] == "OPTIONS":
                await send_with_headers({"type": "http.response.start", "status": 204, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(500, ErrorCode.INTERNAL_ERROR, "服务器内部错误")(scope, receive, send_with_headers)
        finally:
            self.metrics.in_flight -= 1
            self.metrics.record(status, (time.perf_counter() - start) * 1000)
            reset_request_id(token)


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes`: at once from Content-Length, else while they stream in.

    The streaming case raises Starlette's HTTPException(413), which FastAPI's body parsing lets through and
    the 413 handler turns into the envelope.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)  # returned, not awaited: see HttpBaseMiddleware.__call__
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    return self._refuse(scope, receive, send)
                has_body = value != b"0"
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:  # most requests (every GET): no coroutine of this layer at all
            return self.app(scope, receive, send)
        return self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, ErrorCode.PAYLOAD_TOO_LARGE, "Request body too large", f"limit is {self.max_bytes} bytes"
        )
        await response(scope, receive, send)

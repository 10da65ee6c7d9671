"""Request ids: echo a sane `X-Request-ID` or make one, and keep it in a contextvar for the envelope and logs.

`core.middleware.HttpBaseMiddleware` binds it per request (HTTP and WebSocket) and returns it as a header.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar, Token

from starlette.types import Scope

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return os.urandom(16).hex()


def current_request_id() -> str:
    rid = _request_id.get()
    if not rid:
        rid = new_request_id()
        _request_id.set(rid)
    return rid


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _ACCEPTABLE.match(text) else None
    return None


def bind_request_id(scope: Scope) -> Token[str]:
    return _request_id.set(_incoming(scope) or new_request_id())


def reset_request_id(token: Token[str]) -> None:
    _request_id.reset(token)

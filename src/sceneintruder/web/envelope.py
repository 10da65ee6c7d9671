"""The response envelope shared by every JSON endpoint.

Success: `{success: true, data, message, timestamp, request_id}`.
Error:   `{success: false, error: {code, message, details?}, timestamp, request_id}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel
from starlette.responses import Response

from sceneintruder.core.clock import rfc3339_now
from sceneintruder.core.jsoncodec import dumps as dumps
from sceneintruder.web.request_id import current_request_id


class EnvelopeResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def success_body(data: Any = None, message: str = "") -> dict[str, Any]:
    return {
        "success": True,
        "data": data,  # models inside are encoded by `dumps`
        "message": message,
        "timestamp": rfc3339_now(),
        "request_id": current_request_id(),
    }


def ok(data: Any = None, message: str = "", *, status_code: int = 200, meta: Any = None) -> EnvelopeResponse:
    """`meta`, when given, sits beside `data` (a `?paginated=true` listing's page figures, a simulation's id)."""
    body = success_body(data, message)
    if meta is not None:
        body["meta"] = meta
    return EnvelopeResponse(body, status_code=status_code)


def created(data: Any = None, message: str = "资源创建成功") -> EnvelopeResponse:
    return ok(data, message, status_code=201)


def accepted(data: Any = None, message: str = "accepted") -> EnvelopeResponse:
    return ok(data, message, status_code=202)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {
        "success": False,
        "error": error,
        "timestamp": rfc3339_now(),
        "request_id": current_request_id(),
    }


def error_response(
    status_code: int, code: str, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> EnvelopeResponse:
    return EnvelopeResponse(error_body(code, message, details), status_code=status_code, headers=headers)


def flat_error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The error envelope with `error` as the message text, and `code`/`details` beside it.

    For the reference frontend's 401 handling, which reads `data.error || data.message` as a string (it calls
    `.toLowerCase()` on it, then forgets a stored token whose error says "invalid token" or "expired"); with
    `error` an object that throws, and a stale token is never cleared. Everything else of it reads `message`,
    `error` as a string, or `error.code`/`error.message` when `error` is an object, so both shapes suit it.
    """
    body = error_body(code, message, details)
    body.update(error=message, message=message, code=code)
    if details is not None:
        body["details"] = details
    return body


# --- the envelope as documented (OpenAPI); responses are built above, these models only describe them -----------

DataT = TypeVar("DataT")


class Envelope(BaseModel, Generic[DataT]):
    """A success: `data` is what the endpoint returns; `meta` appears on `?paginated=true` listings."""

    success: Literal[True]
    data: DataT
    message: str
    timestamp: str
    request_id: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """A failure. For a 401 answered to a browser script (`Sec-Fetch-Dest: empty`), `error` is the message text
    and `code`/`details` sit beside it (what the reference frontend reads)."""

    success: Literal[False]
    error: ErrorDetail | str
    timestamp: str
    request_id: str

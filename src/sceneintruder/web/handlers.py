"""Exception handlers: every failure leaves in the error envelope.

`AppError` (one registration covers every subclass), request validation, Starlette's HTTPException (unknown
route, wrong method, 413 from the body limit) with the SPA fallback for non-API GETs. Unhandled exceptions are
caught by `CatchAllMiddleware`, which keeps the request id.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError
from sceneintruder.web.envelope import EnvelopeResponse, error_response, flat_error_body
from sceneintruder.web.spa import SpaHost

_STATUS_CODES = {
    400: (ErrorCode.BAD_REQUEST, "请求参数错误"),
    401: (ErrorCode.UNAUTHORIZED, "Authentication required"),
    403: (ErrorCode.FORBIDDEN, "Access denied"),
    404: (ErrorCode.NOT_FOUND, "API endpoint not found"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed"),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "Request body too large"),
}


def from_browser_script(request: Request) -> bool:
    """A fetch/XHR made by a page in a browser (Fetch Metadata: `Sec-Fetch-Dest: empty`); API clients (curl,
    SDKs, servers) send no such header."""
    return request.headers.get("sec-fetch-dest") == "empty"


async def handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if exc.status_code == 401 and from_browser_script(request):
        body = flat_error_body(exc.code, exc.message, exc.details)
        return EnvelopeResponse(body, status_code=401, headers=exc.headers)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        details.append(
            {
                "field": ".".join(location) or "body",
                "message": error.get("msg", ""),
                "type": error.get("type", ""),
            }
        )
    return details


async def handle_validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, ErrorCode.BAD_REQUEST, "请求参数错误", _field_errors(exc))


def make_http_error_handler(spa: SpaHost):
    async def handle_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if exc.status_code == 404 and request.method in ("GET", "HEAD") and spa.serves(path):
            return spa.index_response()
        code, message = _STATUS_CODES.get(exc.status_code, (ErrorCode.INTERNAL_ERROR, "请求失败"))
        details = path if exc.status_code in (404, 405) else None
        return error_response(exc.status_code, code, message, details, headers=exc.headers)

    return handle_http_error


def register_exception_handlers(app: FastAPI, spa: SpaHost) -> None:
    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, make_http_error_handler(spa))

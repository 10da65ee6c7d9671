"""Application errors. Services raise these; `core/handlers.py` turns them into the error envelope.

    AppError                      500 INTERNAL_ERROR
    ├── BadRequest                400 BAD_REQUEST
    ├── Unauthorized              401 UNAUTHORIZED
    │   └── InvalidCredentials    401 INVALID_CREDENTIALS
    ├── Forbidden                 403 FORBIDDEN
    ├── NotFound                  404 NOT_FOUND
    │   └── ResourceNotFound      404 RESOURCE_NOT_FOUND
    ├── Conflict                  409 CONFLICT
    ├── PayloadTooLarge           413 PAYLOAD_TOO_LARGE
    ├── RateLimited               429 RATE_LIMIT_EXCEEDED (sets Retry-After)
    ├── ServiceNotReady           503 LLM_NOT_READY
    └── ServiceUnavailable        503 SERVICE_UNAVAILABLE (sets Retry-After)
        └── SceneBusy             503 SCENE_BUSY

Each domain's `errors.py` subclasses these with the reference's codes (`SceneNotFound(NotFound)` is
`SCENE_NOT_FOUND`). One handler registered for `AppError` covers every subclass. Codes are unique per class;
`tests/core/test_errors.py` checks that.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sceneintruder.core.error_codes import MESSAGE_LLM_NOT_READY, ErrorCode


class AppError(Exception):
    code: ClassVar[str] = ErrorCode.INTERNAL_ERROR
    status_code: ClassVar[int] = 500
    default_message: ClassVar[str] = "服务器内部错误"

    def __init__(
        self, message: str | None = None, *, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with message, details and headers (an error raised in a worker process comes back whole)."""
        return (_rebuild, (type(self), self.message, self.details, self.headers))


def _rebuild(cls: type[AppError], message: str, details: Any, headers: dict[str, str]) -> AppError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.message, error.details, error.headers = message, details, headers
    return error


class BadRequest(AppError):
    code = ErrorCode.BAD_REQUEST
    status_code = 400
    default_message = "请求参数错误"


class Unauthorized(AppError):
    code = ErrorCode.UNAUTHORIZED
    status_code = 401
    default_message = "Authentication required"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        super().__init__(message, details=details, headers={"WWW-Authenticate": "Bearer"})


class InvalidCredentials(Unauthorized):
    code = ErrorCode.INVALID_CREDENTIALS
    default_message = "用户名或密码错误"


class Forbidden(AppError):
    code = ErrorCode.FORBIDDEN
    status_code = 403
    default_message = "Access denied"


class NotFound(AppError):
    code = ErrorCode.NOT_FOUND
    status_code = 404
    default_message = "API endpoint not found"


class ResourceNotFound(NotFound):
    code = ErrorCode.RESOURCE_NOT_FOUND
    default_message = "资源不存在"


class Conflict(AppError):
    code = ErrorCode.CONFLICT
    status_code = 409
    default_message = "资源冲突"


class PayloadTooLarge(AppError):
    code = ErrorCode.PAYLOAD_TOO_LARGE
    status_code = 413
    default_message = "Request body too large"


class RateLimited(AppError):
    code = ErrorCode.RATE_LIMIT_EXCEEDED
    status_code = 429
    default_message = "Rate limit exceeded"

    def __init__(self, retry_after_seconds: int, *, headers: dict[str, str] | None = None) -> None:
        retry_after = max(1, int(retry_after_seconds))
        super().__init__(
            details=f"Retry after {retry_after} seconds",
            headers={**(headers or {}), "Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class ServiceNotReady(AppError):
    code = ErrorCode.LLM_NOT_READY
    status_code = 503
    default_message = MESSAGE_LLM_NOT_READY


class ServiceUnavailable(AppError):
    """A shared service (Redis, the job queue) did not answer; the request may be retried."""

    code = ErrorCode.SERVICE_UNAVAILABLE
    status_code = 503
    default_message = "服务暂时不可用，请稍后重试"

    def __init__(self, message: str | None = None, *, details: Any = None, retry_after: int = 5) -> None:
        super().__init__(message, details=details, headers={"Retry-After": str(max(1, retry_after))})


class SceneBusy(ServiceUnavailable):
    code = ErrorCode.SCENE_BUSY
    default_message = "场景正忙，请稍后重试"


def error_for_code(code: str, message: str, details: Any = None) -> AppError:
    """An error of the class whose code is `code` (for a failure recorded as a code and a message, such as a job's);
    AppError itself when no loaded class has that code."""
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return _rebuild(cls, message, details, {})
        pending.extend(cls.__subclasses__())
    return _rebuild(AppError, message, details, {})

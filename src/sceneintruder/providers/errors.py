"""Provider failures, normalised into a few kinds whatever the vendor said.

    ProviderError                 502 LLM_UPSTREAM_ERROR
    ├── ProviderAuthError         502 LLM_AUTH_FAILED          kind auth        (401/403: our key is refused)
    ├── ProviderRateLimited       503 LLM_RATE_LIMITED         kind rate_limit  (429; carries retry_after)
    ├── ProviderUnavailable       503 LLM_SERVICE_UNAVAILABLE  kind unavailable (5xx, connect failure, cut stream)
    ├── ProviderTimeout           503 LLM_TIMEOUT              kind timeout
    ├── ProviderBadResponse       502 LLM_BAD_RESPONSE         kind unavailable  (malformed, unparseable, off-schema)
    └── ProviderRejected          502 LLM_REQUEST_REJECTED     kind content_policy | context_window | bad_request

They subclass `core.errors.AppError`, so the one `AppError` handler in `core/handlers.py` answers them with the
envelope: our own message, and `details` = {kind, provider, model, retryable[, vendor_code]}. A vendor's body is
never put in a response or a log line; at most a short machine code it sent (`context_length_exceeded`).
An authentication failure upstream is 502, not 401: the caller's own token is fine, the server's key is not.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError

ErrorKind = Literal["auth", "rate_limit", "timeout", "context_window", "content_policy", "bad_request", "unavailable"]

_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def safe_vendor_code(value: Any) -> str | None:
    """A vendor's short error code if it looks like one (`invalid_api_key`); never free text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and _SAFE_CODE.match(value) else None


class ProviderError(AppError):
    code = ErrorCode.LLM_UPSTREAM_ERROR
    status_code = 502
    default_message = "LLM服务调用失败"
    default_kind: ClassVar[ErrorKind] = "unavailable"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str,
        model: str = "",
        kind: ErrorKind | None = None,
        retryable: bool | None = None,
        vendor_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.kind: ErrorKind = kind or self.default_kind
        self.retryable = self.default_retryable if retryable is None else retryable
        self.vendor_code = safe_vendor_code(vendor_code)
        details: dict[str, Any] = {
            "kind": self.kind,
            "provider": provider,
            "model": model,
            "retryable": self.retryable,
        }
        if self.vendor_code:
            details["vendor_code"] = self.vendor_code
        super().__init__(message, details=details, headers=headers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, model={self.model!r}, kind={self.kind!r})"


class ProviderAuthError(ProviderError):
    code = ErrorCode.LLM_AUTH_FAILED
    default_message = "LLM服务认证失败，请检查API密钥"
    default_kind = "auth"


class ProviderRateLimited(ProviderError):
    code = ErrorCode.LLM_RATE_LIMITED
    status_code = 503
    default_message = "LLM服务请求过于频繁，请稍后重试"
    default_kind = "rate_limit"
    default_retryable = True

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after is not None else None
        super().__init__(message, headers=headers, **kwargs)


class ProviderUnavailable(ProviderError):
    code = ErrorCode.LLM_SERVICE_UNAVAILABLE
    status_code = 503
    default_message = "LLM服务暂时不可用"
    default_kind = "unavailable"
    default_retryable = True


class ProviderTimeout(ProviderError):
    code = ErrorCode.LLM_TIMEOUT
    status_code = 503
    default_message = "LLM服务响应超时"
    default_kind = "timeout"
    default_retryable = True


class ProviderBadResponse(ProviderError):
    code = ErrorCode.LLM_BAD_RESPONSE
    default_message = "LLM服务返回了无法解析的结果"
    default_kind = "unavailable"  # the upstream gave no usable answer; the code tells it apart


class ProviderRejected(ProviderError):
    code = ErrorCode.LLM_REQUEST_REJECTED
    default_message = "LLM服务拒绝了该请求"
    default_kind = "bad_request"


class ProviderConfigError(ValueError):
    """A provider cannot be built from this configuration (missing key, unknown name, unusable base URL)."""

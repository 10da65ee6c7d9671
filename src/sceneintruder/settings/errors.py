"""Errors of the settings domain, with the reference's codes."""

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError, BadRequest


class InvalidSettings(BadRequest):
    """A save that does not validate: nothing is stored (400, where the reference answered 500)."""

    code = ErrorCode.LLM_CONFIG_INVALID
    default_message = "配置验证失败"


class InvalidTestConfig(BadRequest):
    code = ErrorCode.INVALID_CONFIG
    default_message = "配置验证失败"


class LLMNotConfigured(AppError):
    code = ErrorCode.LLM_NOT_CONFIGURED
    status_code = 503
    default_message = "LLM service not configured"


class ConnectionTestFailed(AppError):
    code = ErrorCode.CONNECTION_TEST_FAILED
    status_code = 503
    default_message = "连接测试失败"


class ConnectionFailed(AppError):
    code = ErrorCode.CONNECTION_FAILED
    status_code = 503
    default_message = "LLM service not ready"

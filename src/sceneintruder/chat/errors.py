"""Errors of the chat domain, with the reference's codes (which the reference defined and never used).

    BadRequest (400)
    ├── InsufficientCharacters     INSUFFICIENT_CHARACTERS      fewer than two distinct characters for an exchange
    └── InvalidInteractionParams   INVALID_INTERACTION_PARAMS   a blank topic or situation, the same character twice
    AppError
    ├── CharacterInteractionFailed CHARACTER_INTERACTION_FAILED (502) no line of the model's dialogue was
    │                                                            spoken by a character of the exchange
    └── ConversationSimulationFailed CONVERSATION_SIMULATION_FAILED (502) the same, for a simulation

An unknown character (or one of another scene) is the scenes domain's CharacterNotFound (404).
"""

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError, BadRequest


class InsufficientCharacters(BadRequest):
    code = ErrorCode.INSUFFICIENT_CHARACTERS
    default_message = "角色互动至少需要两个不同的角色"


class InvalidInteractionParams(BadRequest):
    code = ErrorCode.INVALID_INTERACTION_PARAMS
    default_message = "互动参数无效"


class CharacterInteractionFailed(AppError):
    code = ErrorCode.CHARACTER_INTERACTION_FAILED
    status_code = 502
    default_message = "角色互动生成失败"


class ConversationSimulationFailed(AppError):
    code = ErrorCode.CONVERSATION_SIMULATION_FAILED
    status_code = 502
    default_message = "对话模拟生成失败"

"""Errors of the users domain, with the reference's codes and messages."""

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import NotFound


class UserNotFound(NotFound):
    code = ErrorCode.USER_NOT_FOUND
    default_message = "用户不存在"


class UserItemNotFound(NotFound):
    code = ErrorCode.ITEM_NOT_FOUND
    default_message = "物品不存在"


class UserSkillNotFound(NotFound):
    code = ErrorCode.SKILL_NOT_FOUND
    default_message = "技能不存在"

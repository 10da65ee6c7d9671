"""Errors of the scenes domain, with the reference's codes."""

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import BadRequest, NotFound


class SceneNotFound(NotFound):
    code = ErrorCode.SCENE_NOT_FOUND
    default_message = "场景不存在"


class CharacterNotFound(NotFound):
    code = ErrorCode.CHARACTER_NOT_FOUND
    default_message = "角色不存在"


class FileInvalid(BadRequest):
    code = ErrorCode.FILE_INVALID
    default_message = "文件无效"

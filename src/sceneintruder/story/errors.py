"""Errors of the story domain, with the reference's dedicated codes (which the reference defined but never used).

    StoryNotFound         404 STORY_NOT_FOUND      the scene has no story (yet)
    NodeNotFound          404 NODE_NOT_FOUND       no such node in this scene's story
    ChoiceInvalid         404 CHOICE_INVALID       no such choice on that node
    ChoiceAlreadyMade     409 CHOICE_ALREADY_MADE  that node's decision was taken (or is being taken) on this path

Unknown tasks answer the jobs package's TASK_NOT_FOUND, unknown objectives and locations RESOURCE_NOT_FOUND,
and moves the story's state forbids (a locked location, a node off the current path) CONFLICT: codes have
one class each (tests/core/test_errors.py), so those reuse the generic classes with their own messages.
"""

from __future__ import annotations

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import Conflict, NotFound


class StoryNotFound(NotFound):
    code = ErrorCode.STORY_NOT_FOUND
    default_message = "故事不存在"


class NodeNotFound(NotFound):
    code = ErrorCode.NODE_NOT_FOUND
    default_message = "故事节点不存在"


class ChoiceInvalid(NotFound):
    code = ErrorCode.CHOICE_INVALID
    default_message = "无效的选择"


class ChoiceAlreadyMade(Conflict):
    code = ErrorCode.CHOICE_ALREADY_MADE
    default_message = "该节点的选择已经做出"

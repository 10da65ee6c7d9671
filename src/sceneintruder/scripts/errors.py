"""The writing assistant's errors, with the reference's codes and messages (spec §10); its typo
(`script 不存在不存在`) fixed. Shared ones are raised as they are: `core.errors.Conflict` (an outline job already
running), `ServiceNotReady` (no model), `core.exporting.ExportFormatInvalid`."""

from __future__ import annotations

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import BadRequest, NotFound


class ScriptNotFound(NotFound):
    code = ErrorCode.RESOURCE_NOT_FOUND
    default_message = "script 不存在"


class ChapterNotFound(NotFound):
    code = ErrorCode.RESOURCE_NOT_FOUND
    default_message = "章节不存在"


class MemoryEntryNotFound(NotFound):
    code = ErrorCode.RESOURCE_NOT_FOUND
    default_message = "记忆条目不存在"


class DraftNotFound(BadRequest):
    """The reference answers an unknown draft with 400 (not 404): kept."""

    default_message = "draft not found"


class ExportFailed(BadRequest):
    default_message = "导出失败"


class OutlineFailed(BadRequest):
    """An outline batch could not be read from the model three times (the job's failure; never an HTTP answer)."""

    default_message = "大纲生成失败"

"""The writing assistant's errors, with the reference's codes and messages (spec §10; its typo `script
不存在不存在` fixed). The reference answers them with shared codes (RESOURCE_NOT_FOUND, BAD_REQUEST), and each
code belongs to one error class, so these build the shared classes with their own messages. Also raised as they
are: `core.errors.Conflict` (an outline job already running), `ServiceNotReady` (no model),
`core.exporting.ExportFormatInvalid`."""

from __future__ import annotations

from typing import Any

from sceneintruder.core.errors import BadRequest, ResourceNotFound

SCRIPT_NOT_FOUND = "script 不存在"


def script_not_found(script_id: Any) -> ResourceNotFound:
    return ResourceNotFound(SCRIPT_NOT_FOUND, details=script_id)


def chapter_not_found(chapter: Any) -> ResourceNotFound:
    return ResourceNotFound("章节不存在", details=chapter)


def memory_entry_not_found(entry_id: Any) -> ResourceNotFound:
    return ResourceNotFound("记忆条目不存在", details=entry_id)


def draft_not_found(draft_id: Any) -> BadRequest:
    """The reference answers an unknown draft with 400 (not 404): kept."""
    return BadRequest("draft not found", details=draft_id)


def export_failed(why: str) -> BadRequest:
    return BadRequest("导出失败", details=why)

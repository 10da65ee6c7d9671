"""The comic studio's errors, with the reference's codes (spec §1.1). Shared ones are raised as they are:
`core.errors.Conflict` (a comic job already running), `PayloadTooLarge` (references over their caps),
`scenes.errors.FileInvalid`, `core.exporting.ExportFormatInvalid` / `ExportDataEmpty`."""

from __future__ import annotations

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError, BadRequest, NotFound


class ComicAnalysisNotFound(NotFound):
    code = ErrorCode.COMIC_ANALYSIS_NOT_FOUND
    default_message = "分镜分析不存在"


class ComicPromptsNotFound(NotFound):
    code = ErrorCode.COMIC_PROMPTS_NOT_FOUND
    default_message = "提示词不存在"


class ComicKeyElementsNotFound(NotFound):
    code = ErrorCode.COMIC_KEY_ELEMENTS_NOT_FOUND
    default_message = "关键元素不存在"


class ComicImageNotFound(NotFound):
    code = ErrorCode.COMIC_IMAGE_NOT_FOUND
    default_message = "图片不存在"


class ComicReferencesNotFound(NotFound):
    code = ErrorCode.COMIC_REFERENCES_NOT_FOUND
    default_message = "参考图不存在"


class ComicReferenceNotFound(NotFound):
    code = ErrorCode.COMIC_REFERENCE_NOT_FOUND
    default_message = "参考图不存在"


class FileUploadFailed(BadRequest):
    code = ErrorCode.FILE_UPLOAD_FAILED
    default_message = "文件上传失败"


class ComicFailed(AppError):
    """A comic job could not finish a step (the job's failure event carries it; never an HTTP answer)."""

    code = ErrorCode.COMIC_STEP_FAILED
    status_code = 422
    default_message = "漫画任务失败"

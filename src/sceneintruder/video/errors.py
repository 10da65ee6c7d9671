"""The video studio's errors, with the reference's codes (spec §1.1)."""

from __future__ import annotations

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError, NotFound


class VideoTimelineNotFound(NotFound):
    code = ErrorCode.VIDEO_TIMELINE_NOT_FOUND
    default_message = "视频时间线不存在"


class VideoOverviewNotFound(NotFound):
    code = ErrorCode.VIDEO_OVERVIEW_NOT_FOUND
    default_message = "视频概览不存在"


class VideoFrameNotFound(NotFound):
    code = ErrorCode.VIDEO_FRAME_NOT_FOUND
    default_message = "视频分镜不存在"


class VideoFileNotFound(NotFound):
    code = ErrorCode.FILE_NOT_FOUND
    default_message = "文件不存在"


class VideoStepFailed(AppError):
    """A video job could not finish (the job's failure event carries it; never an HTTP answer)."""

    code = ErrorCode.VIDEO_STEP_FAILED
    status_code = 422
    default_message = "视频任务失败"

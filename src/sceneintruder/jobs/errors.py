"""Errors of the jobs package, with the reference's codes and messages (spec §7.2, §7.3)."""

from __future__ import annotations

from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError, Conflict, NotFound

TASK_NOT_FOUND_MESSAGE = "任务不存在（可能已完成并被清理或服务已重启）"


class TaskNotFound(NotFound):
    """Unknown task id, and also someone else's task: ids are never confirmed to people who may not see them."""

    code = ErrorCode.TASK_NOT_FOUND
    default_message = TASK_NOT_FOUND_MESSAGE


class QueueFull(AppError):
    """Every slot of a kind is busy and its waiting line is full: come back after `retry_after_seconds`."""

    code = ErrorCode.QUEUE_FULL
    status_code = 429
    default_message = "任务队列已满，请稍后重试"

    def __init__(self, kind: str, retry_after_seconds: int) -> None:
        retry_after = max(1, int(retry_after_seconds))
        super().__init__(
            details=f"kind {kind}: retry after {retry_after} seconds", headers={"Retry-After": str(retry_after)}
        )
        self.retry_after = retry_after


class IdempotencyKeyConflict(Conflict):
    """The same owner already used this Idempotency-Key to start a different kind of task."""

    code = ErrorCode.IDEMPOTENCY_KEY_CONFLICT
    default_message = "Idempotency-Key already used for another kind of task"

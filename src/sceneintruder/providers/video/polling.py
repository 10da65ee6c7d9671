"""Driving one clip: submit, then poll with backoff until the task ends, within a budget (spec §8.29).

Poll waits grow with the task's age: a tenth of the time since the submit, at least `interval`, at most
`max_interval` (a long task is polled rarely, and a result is seen at most ~10% after it is ready); a 429's
Retry-After is honoured; up to
`transient_errors` poll failures in a row (5xx, timeouts, a dropped connection) are tolerated; more, or a
budget of `max_polls` spent, fail the clip. `on_status` hears every state (submit and each poll).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sceneintruder.providers.errors import ProviderError, ProviderRateLimited, ProviderTimeout
from sceneintruder.providers.video.base import VideoProvider, VideoRequest, VideoTask


class ClipFailed(Exception):
    def __init__(self, message: str, *, stage: str, task_id: str = "", provider_status: str = "") -> None:
        super().__init__(message)
        self.stage = stage  # submit_failed | poll_failed | poll_timeout | provider_failed
        self.task_id = task_id
        self.provider_status = provider_status


@dataclass(frozen=True)
class PollPolicy:
    interval: float = 2.0
    max_interval: float = 15.0
    max_polls: int = 90
    transient_errors: int = 3
    growth: float = 0.1  # the wait as a share of the task's age
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def wait(self, age: float) -> float:
        return min(self.max_interval, max(self.interval, age * self.growth))


StatusHook = Callable[[VideoTask], Awaitable[None]]


async def run_clip(
    provider: VideoProvider, request: VideoRequest, policy: PollPolicy, on_status: StatusHook | None = None
) -> VideoTask:
    """The finished task (state completed, with its result URL), or ClipFailed saying where it stopped."""
    submitted = policy.clock()
    try:
        task = await provider.submit(request)
    except ProviderError as error:
        raise ClipFailed(f"submit failed: {error.kind}", stage="submit_failed") from error
    if on_status is not None:
        await on_status(task)
    failures = 0
    retry_after = 0.0
    for _ in range(policy.max_polls):
        if task.state == "completed":
            return task
        if task.state == "failed":
            raise ClipFailed(
                task.error or "video provider task failed",
                stage="provider_failed",
                task_id=task.task_id,
                provider_status=task.provider_status,
            )
        await policy.sleep(max(retry_after, policy.wait(policy.clock() - submitted)))
        retry_after = 0.0
        try:
            task = await provider.poll(task.task_id)
            failures = 0
        except ProviderRateLimited as error:
            retry_after = error.retry_after or 0.0
            continue
        except (ProviderTimeout, ProviderError) as error:
            if not error.retryable and not isinstance(error, ProviderTimeout) and error.kind != "unavailable":
                raise ClipFailed(f"poll failed: {error.kind}", stage="poll_failed", task_id=task.task_id) from error
            failures += 1
            if failures > policy.transient_errors:
                raise ClipFailed(
                    f"poll failed {failures} times: {error.kind}", stage="poll_failed", task_id=task.task_id
                ) from error
            continue
        if on_status is not None:
            await on_status(task)
    if task.state == "completed":
        return task
    raise ClipFailed(
        f"video provider poll timeout: task_id={task.task_id}",
        stage="poll_timeout",
        task_id=task.task_id,
        provider_status=task.provider_status,
    )

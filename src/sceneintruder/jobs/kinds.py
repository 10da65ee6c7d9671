"""Job kinds: what each kind of job runs, and its limits in this process.

A kind (`JobRegistry.register_kind`) has a handler, a concurrency (jobs of it running at once in each worker),
a timeout, and a queue size (how many more may wait, counted across the cluster when a job is started: beyond
it, QueueFull, 429 with Retry-After). Here, the slots: a job handed to this worker takes a slot, or waits in
line in the order it came; a slot freed at any moment goes to the first in line, never to nobody, and a job
that stops waiting passes on a slot it was just handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sceneintruder.jobs.context import JobContext

JobHandler = Callable[[JobContext], Awaitable[dict[str, Any] | None]]
"""A kind's body: gets its context (with the job's `payload`), returns its JSON result (a dict, or None)."""


@dataclass
class JobKind:
    name: str
    handler: JobHandler
    concurrency: int
    timeout_seconds: float
    queue_size: int
    running: int = 0  # slots in use in this process
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)  # the line: one turn per waiting job
    mean_run_seconds: float | None = None  # moving average of run times, for Retry-After

    async def acquire(self) -> None:
        """A slot, now or when one is handed over; a cancelled waiter passes on a slot handed to it meanwhile."""
        if self.running < self.concurrency and not self.waiters:
            self.running += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()
            else:
                with contextlib.suppress(ValueError):
                    self.waiters.remove(turn)
            raise

    def release(self) -> None:
        """Hand the slot to the next turn in line, or free it."""
        while self.waiters:
            turn = self.waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1

    def record_run(self, seconds: float) -> None:
        self.mean_run_seconds = (
            seconds if self.mean_run_seconds is None else 0.7 * self.mean_run_seconds + 0.3 * seconds
        )

    def retry_after(self) -> int:
        """A guess at when a slot frees up: the line ahead, times a typical run, over the slots."""
        per_job = self.mean_run_seconds if self.mean_run_seconds is not None else min(5.0, self.timeout_seconds)
        line = max(len(self.waiters), self.queue_size)
        return max(1, min(3600, math.ceil(per_job * (line + 1) / self.concurrency)))

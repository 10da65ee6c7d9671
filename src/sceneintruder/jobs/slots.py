"""Per-kind slots and the waiting line: at most `concurrency` jobs of a kind run at once, up to `queue_size` more
wait in the order they came, and beyond that starting one is refused (QueueFull, 429 with Retry-After).

A waiting job holds a turn (a future) from the moment it is accepted, so a slot freed at any moment is handed to
the first turn in line, never to nobody, and a job that stops waiting passes on a slot it was just handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from dataclasses import dataclass, field

from sceneintruder.jobs.errors import QueueFull


@dataclass
class KindSlots:
    name: str
    concurrency: int
    timeout_seconds: float
    queue_size: int
    running: int = 0  # slots in use
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)  # the line: one turn per waiting job
    mean_run_seconds: float | None = None  # moving average of run times, for Retry-After

    def reserve(self) -> asyncio.Future[None] | None:
        """A slot now (None), or a turn in line, done when a slot is handed over. Raises QueueFull."""
        if self.running < self.concurrency and not self.waiters:
            self.running += 1
            return None
        if len(self.waiters) >= self.queue_size:
            raise QueueFull(self.name, self.retry_after())
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(turn)
        return turn

    def release(self) -> None:
        """Hand the slot to the next turn in line, or free it."""
        while self.waiters:
            turn = self.waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1

    def leave_line(self, turn: asyncio.Future[None]) -> None:
        """A waiting job gives up its turn; a slot handed to it meanwhile goes to the next in line."""
        if turn.done() and not turn.cancelled():
            self.release()
            return
        turn.cancel()
        with contextlib.suppress(ValueError):
            self.waiters.remove(turn)

    def record_run(self, seconds: float) -> None:
        self.mean_run_seconds = (
            seconds if self.mean_run_seconds is None else 0.7 * self.mean_run_seconds + 0.3 * seconds
        )

    def retry_after(self) -> int:
        """A guess at when a slot frees up: the line ahead, times a typical run, over the slots."""
        per_job = self.mean_run_seconds if self.mean_run_seconds is not None else min(5.0, self.timeout_seconds)
        return max(1, min(3600, math.ceil(per_job * (len(self.waiters) + 1) / self.concurrency)))

"""The live events of one running job, shared by all of its subscribers.

Subscribers do not get a queue each: the channel keeps one short tail of recent events and a wake-up signal, and
each subscriber keeps its own cursor (the last `seq` it sent). A subscriber that falls behind the tail reads the
missed events from the database, so a slow client costs nothing and loses nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque

from sceneintruder.jobs.schemas import JobEvent


class JobChannel:
    def __init__(self, tail_size: int = 256) -> None:
        self._tail: deque[JobEvent] = deque(maxlen=tail_size)
        self._changed = asyncio.Event()
        self.closed = False

    def publish(self, event: JobEvent) -> None:
        self._tail.append(event)
        if event.is_final:
            self.closed = True
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def after(self, seq: int) -> list[JobEvent] | None:
        """Events newer than `seq`; None when the tail cannot give all of them (read the store instead)."""
        if not self._tail:
            return None
        if self._tail[-1].seq <= seq:
            return []
        fresh = [event for event in self._tail if event.seq > seq]
        if fresh[0].seq != seq + 1 or fresh[-1].seq - fresh[0].seq != len(fresh) - 1:
            return None  # the tail starts after `seq`, or an event is missing from it
        return fresh

    async def wait(self, seconds: float) -> bool:
        """Until the next event is published (True) or `seconds` pass (False)."""
        changed = self._changed
        try:
            async with asyncio.timeout(seconds):
                await changed.wait()
        except TimeoutError:
            return False
        return True

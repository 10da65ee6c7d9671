"""The live events of one running job, shared by all of its subscribers.

Subscribers do not get a queue each: the channel keeps one short tail of recent events and a wake-up signal, and
each subscriber keeps its own cursor (the last `seq` it sent). A subscriber that falls behind the tail reads the
missed events from the database, so a slow client costs nothing and loses nothing.
"""

from __future__ import annotations

import asyncio

from sceneintruder.jobs.schemas import JobEvent


class JobChannel:
    def __init__(self, tail_size: int = 256) -> None:
        self._tail: list[JobEvent] = []  # consecutive events; between tail_size and 2 * tail_size of them
        self._tail_size = tail_size
        self._changed = asyncio.Event()
        self.closed = False

    def publish(self, event: JobEvent) -> None:
        self._tail.append(event)
        if len(self._tail) > 2 * self._tail_size:
            del self._tail[: -self._tail_size]
        if event.is_final:
            self.closed = True
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def after(self, seq: int) -> list[JobEvent] | None:
        """Events newer than `seq`; None when the tail cannot give all of them (read the store instead).

        O(1) to find the place: with a thousand subscribers woken by every event, a scan per wake adds up.
        """
        if not self._tail:
            return None
        start = seq + 1 - self._tail[0].seq
        if start < 0:
            return None  # the tail starts after `seq`
        fresh = self._tail[start:]
        if fresh and (fresh[0].seq != seq + 1 or fresh[-1].seq - fresh[0].seq != len(fresh) - 1):
            return None  # an event is missing from the tail
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

"""The live events of the jobs someone in this process is following, whichever process runs them.

Every appended event is published on the bus (`jobs.events`); here each followed job has one `JobChannel`
shared by all of its subscribers. Subscribers do not get a queue each: the channel keeps one short tail of
consecutive recent events and a wake-up signal, and each subscriber keeps its own cursor (the last `seq` it
sent). A subscriber that falls behind the tail, or finds a gap (a message the bus lost), reads the missed events
from the database, so a slow client costs nothing and loses nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from sceneintruder.jobs.schemas import EventType, JobEvent, JobStatus

EVENTS_TOPIC = "jobs.events"


class JobChannel:
    def __init__(self, tail_size: int = 256) -> None:
        self._tail: list[JobEvent] = []  # consecutive events; between tail_size and 2 * tail_size of them
        self._tail_size = tail_size
        self._changed = asyncio.Event()
        self.latest_seq = 0
        self.closed = False

    def publish(self, event: JobEvent) -> None:
        if event.seq <= self.latest_seq:
            return  # already known (the bus may deliver an event twice)
        if self._tail and event.seq != self._tail[-1].seq + 1:
            self._tail.clear()  # a gap: keep the tail consecutive; readers fill the gap from the database
        self._tail.append(event)
        if len(self._tail) > 2 * self._tail_size:
            del self._tail[: -self._tail_size]
        self.latest_seq = event.seq
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
        return self._tail[start:]

    async def wait(self, seconds: float) -> bool:
        """Until the next event is published (True) or `seconds` pass (False)."""
        changed = self._changed
        try:
            async with asyncio.timeout(seconds):
                await changed.wait()
        except TimeoutError:
            return False
        return True


class JobChannels:
    """The channels of the jobs followed in this process, fed by the bus."""

    def __init__(self) -> None:
        self._channels: dict[str, tuple[JobChannel, int]] = {}

    def open(self, job_id: str) -> JobChannel:
        channel, users = self._channels.get(job_id, (None, 0))
        if channel is None:
            channel = JobChannel()
        self._channels[job_id] = (channel, users + 1)
        return channel

    def close(self, job_id: str) -> None:
        channel, users = self._channels[job_id]
        if users <= 1:
            del self._channels[job_id]
        else:
            self._channels[job_id] = (channel, users - 1)

    def feed(self, message: bytes) -> None:
        """The bus handler: an event of some job, for its channel if anyone here follows it."""
        event = decode_event(message)
        found = self._channels.get(event.job_id)
        if found is not None:
            found[0].publish(event)

    def __len__(self) -> int:
        return len(self._channels)


def encode_event(event: JobEvent) -> bytes:
    return orjson.dumps(
        [
            event.job_id,
            event.seq,
            event.event_type.value,
            event.status.value,
            event.progress,
            event.message,
            dict(event.extra),
        ]
    )


def decode_event(message: bytes) -> JobEvent:
    job_id, seq, event_type, status, progress, text, extra = orjson.loads(message)
    payload: dict[str, Any] = extra
    return JobEvent(job_id, seq, EventType(event_type), JobStatus(status), progress, text, payload)

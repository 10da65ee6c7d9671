"""JobChannel: the shared tail of a running job's events; it sends a subscriber to the store when it cannot serve."""

from __future__ import annotations

import asyncio

from sceneintruder.jobs.channel import JobChannel
from sceneintruder.jobs.schemas import EventType, JobEvent, JobStatus


def _event(seq: int, status: JobStatus = JobStatus.RUNNING) -> JobEvent:
    return JobEvent("task_1", seq, EventType.PROGRESS, status, float(seq), f"step {seq}")


def test_after_serves_from_the_tail_or_says_read_the_store() -> None:
    channel = JobChannel(tail_size=3)
    assert channel.after(0) is None  # nothing known yet
    for seq in range(1, 8):
        channel.publish(_event(seq))  # past 2 x 3 events the tail is cut back to the last 3
    assert [e.seq for e in channel.after(4)] == [5, 6, 7]
    assert [e.seq for e in channel.after(6)] == [7]
    assert channel.after(7) == []
    assert channel.after(3) is None  # event 4 has left the tail
    channel.publish(_event(9))  # 8 never reached the channel (e.g. its publish was cut short)
    assert channel.after(7) is None


async def test_wait_wakes_on_publish_and_times_out_otherwise() -> None:
    channel = JobChannel()
    assert await channel.wait(0.01) is False
    waiter = asyncio.ensure_future(channel.wait(10))
    await asyncio.sleep(0)
    channel.publish(_event(1, JobStatus.COMPLETED))
    assert await waiter is True
    assert channel.closed

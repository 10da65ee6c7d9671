"""How a started job reaches a worker: taskiq, one broker per job kind.

- No `REDIS_URL`: taskiq's `InMemoryBroker`: the job runs in the process that started it (the embedded default).
- `REDIS_URL`: taskiq-redis's `RedisStreamBroker`, a Redis stream per kind (`<namespace>:jobs:<kind>`) read by
  one consumer group: every worker of the cluster listens with a receiver whose capacity is the kind's
  concurrency, so a worker only takes a job when it has a free slot for it, and the stream keeps the order.

Only the job id travels; the job's input is its row's `payload` (the database is the truth, the message is a
nudge). Messages are acknowledged when received: a worker that dies between receiving and claiming loses the
message, and the runner hands the job to the queue again when nobody has claimed it after JOB_DISPATCH_TIMEOUT
(a claim is one conditional UPDATE, so a job handed twice still runs once).

Why taskiq: asyncio task bodies, a maintained Redis streams broker with consumer groups, and a receiver that can
run inside our own event loop (`run_receiver_task`), so the web workers are also the job workers with no extra
process to deploy. arq is in maintenance mode, Celery has no async task bodies, dramatiq needs separate worker
processes. taskiq has no cancellation: cancels travel on our bus and as a database flag (see runner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.acks import AcknowledgeType
from taskiq.api import run_receiver_task
from taskiq_redis import RedisStreamBroker

from sceneintruder.core.errors import ServiceUnavailable

log = logging.getLogger("sceneintruder.jobs")

TASK_NAME = "sceneintruder.run_job"
STREAM_MAXLEN = 100_000  # entries kept per kind's stream (acknowledged ones are trimmed beyond this)
IN_MEMORY_CAPACITY = 100_000  # the in-memory receiver's limit; the kind's slots do the real limiting

Execute = Callable[[str, str], Awaitable[None]]
"""(kind, job id) -> None: the worker side's entry point (runner.JobRunner.execute)."""


class TaskiqDispatcher:
    def __init__(self, *, redis_url: str | None, namespace: str, consumer: str, claim_timeout_ms: int) -> None:
        self.shared = redis_url is not None  # True: any worker of the cluster may run what this one dispatches
        self._redis_url = redis_url
        self._namespace = namespace
        self._consumer = consumer
        self._claim_timeout_ms = claim_timeout_ms
        self._brokers: dict[str, AsyncBroker] = {}
        self._concurrency: dict[str, int] = {}
        self._receivers: list[asyncio.Task[None]] = []
        self._starting: set[asyncio.Future[None]] = set()  # kinds added after `start`, being started
        self._started = False
        for name in ("taskiq", "taskiq.receiver", "taskiq.receiver.receiver", "taskiq_redis"):
            logging.getLogger(name).setLevel(logging.WARNING)

    def add_kind(self, kind: str, concurrency: int, execute: Execute) -> None:
        """A queue for `kind`, whose jobs this process runs with `execute` (up to `concurrency` at once)."""

        async def run_job(job_id: str) -> None:
            await execute(kind, job_id)

        broker = self._broker(kind)
        broker.register_task(run_job, task_name=TASK_NAME)
        self._brokers[kind] = broker
        self._concurrency[kind] = concurrency
        if self._started:
            starting = asyncio.ensure_future(self._start_kind(kind, broker))
            self._starting.add(starting)
            starting.add_done_callback(self._starting.discard)

    async def start(self) -> None:
        for kind, broker in self._brokers.items():
            await self._start_kind(kind, broker)
        self._started = True

    async def _start_kind(self, kind: str, broker: AsyncBroker) -> None:
        await broker.startup()
        self._spawn_receiver(kind, broker, self._concurrency[kind])

    async def dispatch(self, kind: str, job_id: str) -> None:
        """Hand the job to the queue of its kind; ServiceUnavailable when Redis does not take it."""
        broker = self._brokers[kind]
        task = broker.find_task(TASK_NAME)
        assert task is not None
        try:
            await task.kiq(job_id)
        except (RedisError, OSError) as exc:
            log.error("job %s could not be queued: %s", job_id, exc)
            raise ServiceUnavailable("任务队列暂时不可用", details={"task_id": job_id}) from None

    async def aclose(self) -> None:
        for receiver in self._receivers:
            receiver.cancel()
        await asyncio.gather(*self._receivers, return_exceptions=True)
        for broker in self._brokers.values():
            with contextlib.suppress(Exception):
                await broker.shutdown()

    def _broker(self, kind: str) -> AsyncBroker:
        if self._redis_url is None:
            return InMemoryBroker(max_async_tasks=IN_MEMORY_CAPACITY, cast_types=False, max_stored_results=1)
        return RedisStreamBroker(
            self._redis_url,
            queue_name=f"{self._namespace}:jobs:{kind}",
            consumer_group_name=f"{self._namespace}:workers",
            consumer_name=self._consumer,
            consumer_id="0",  # a group created now also takes what was queued before any worker listened
            xread_count=1,  # take one job at a time: another worker with a free slot gets the next
            xread_block=1000,
            maxlen=STREAM_MAXLEN,
            idle_timeout=self._claim_timeout_ms,
            unacknowledged_lock_timeout=5,
        )

    def _spawn_receiver(self, kind: str, broker: AsyncBroker, concurrency: int) -> None:
        if isinstance(broker, InMemoryBroker):
            return  # it runs what is kicked at once; nothing to listen to
        receiver = run_receiver_task(
            broker,
            max_async_tasks=concurrency,
            max_prefetch=0,
            validate_params=False,
            propagate_exceptions=False,
            ack_time=AcknowledgeType.WHEN_RECEIVED,
        )
        self._receivers.append(asyncio.create_task(receiver, name=f"job-receiver:{kind}"))

"""The shared parts of a process that several processes must agree on, built in the app lifespan: the worker's
identity, and, when REDIS_URL is set, the Redis client, the message bus, the status board and the scene locks.
Without REDIS_URL, their one-process stand-ins (the embedded default). Wiring only.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from sceneintruder.cluster import redis as redis_client
from sceneintruder.cluster.board import LocalBoard, RedisBoard, StatusBoard
from sceneintruder.cluster.bus import Bus, LocalBus, RedisBus
from sceneintruder.cluster.identity import WorkerIdentity, claim_identity
from sceneintruder.cluster.locks import RedisKeyedLocks
from sceneintruder.core.locks import KeyedLocks, SceneLocks
from sceneintruder.core.settings import Settings
from sceneintruder.core.storage import StartupError


@dataclass
class Cluster:
    identity: WorkerIdentity
    bus: Bus
    board: StatusBoard
    locks: SceneLocks
    redis: Redis | None

    @property
    def worker_id(self) -> str:
        return self.identity.id

    async def aclose(self) -> None:
        await self.bus.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        self.identity.release()


async def open_cluster(settings: Settings) -> Cluster:
    identity = claim_identity(settings.data_dir, configured=settings.worker_id)
    if not settings.clustered:
        return Cluster(identity, LocalBus(), LocalBoard(), KeyedLocks(), None)
    client = redis_client.connect(settings.redis_url)
    try:
        await redis_client.check(client, settings.redis_url)
    except ConnectionError as exc:
        await client.aclose()
        identity.release()
        raise StartupError(str(exc)) from None
    namespace = settings.redis_namespace
    return Cluster(
        identity,
        RedisBus(client, namespace=namespace),
        RedisBoard(client, namespace=namespace, name="ws-status"),
        RedisKeyedLocks(
            client,
            namespace=namespace,
            timeout_seconds=settings.lock_timeout_seconds,
            wait_seconds=settings.lock_wait_seconds,
        ),
        client,
    )

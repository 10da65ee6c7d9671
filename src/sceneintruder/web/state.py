"""`AppState`: the one typed object behind `app.state` (read through `web.dependencies.app_state`).

`create_app` makes it and the lifespan fills it: the platform every request may need (settings, database,
tokens, the LLM client, ...), typed here, and `components`, where what is built above this layer (the job
registry, the WebSocket hub, each domain's runtime) is kept by type: `state.components.get(ChatRuntime)`.
Nothing is created at import. Framework-free, so domain runtimes can take it at start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, cast

from sceneintruder.cluster.bus import Bus, LocalBus
from sceneintruder.cluster.coherence import CacheCoherence
from sceneintruder.core.cache import TTLCache
from sceneintruder.core.clock import Clock
from sceneintruder.core.events import EventBus
from sceneintruder.core.locks import KeyedLocks, SceneLocks
from sceneintruder.core.metrics import RequestMetrics
from sceneintruder.core.offload import Offload
from sceneintruder.core.passwords import PasswordHasher
from sceneintruder.core.principal import Principal
from sceneintruder.core.ratelimit import RateLimiter
from sceneintruder.core.settings import Settings
from sceneintruder.core.tokens import TokenService
from sceneintruder.db.checkpoint import WalCheckpointer
from sceneintruder.db.session import Database
from sceneintruder.providers.llm.client import LLMClient

T = TypeVar("T")


class PrincipalResolver(Protocol):
    """Bearer token to principal (built by the auth domain)."""

    async def resolve(self, db: Database, token: str) -> Principal: ...

    def forget(self, jti: str) -> None: ...


SceneLoader = Callable[[str, Principal], Awaitable[Any]]
"""(scene id, caller) -> the scene if the caller may use it, else SceneNotFound (installed by the scenes domain)."""


class Components:
    """Objects built at start-up above the web layer, one per type."""

    def __init__(self) -> None:
        self._items: dict[type, object] = {}

    def add(self, item: object) -> None:
        kind = type(item)
        if kind in self._items:
            raise ValueError(f"a {kind.__name__} is already installed")
        self._items[kind] = item

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._items[kind])
        except KeyError:
            raise LookupError(f"no {kind.__name__} is installed") from None


class AppState:
    """What the app runs on. The first group exists from `create_app`; the rest from the lifespan's start."""

    settings: Settings
    metrics: RequestMetrics
    events: EventBus
    scene_locks: SceneLocks  # one writer at a time per scene (story, message tree), across workers with Redis
    rate_limiter: RateLimiter
    components: Components

    worker_id: str  # this process's stable identity ("<host>/<slot>", cluster.identity)
    bus: Bus  # messages between processes (LocalBus when there is one)
    coherence: CacheCoherence  # read caches shared by name: invalidations reach every process

    clock: Clock
    db: Database
    checkpointer: WalCheckpointer | None  # the SQLite file's WAL checkpointed in a thread (None: PostgreSQL)
    tokens: TokenService
    hasher: PasswordHasher
    offload: Offload
    llm: LLMClient
    principals: PrincipalResolver
    profile_cache: TTLCache[str, Any]  # user profiles by id; writes through the users service invalidate it
    scene_loader: SceneLoader
    warmup: dict[str, float]  # what the start-up loaded before serving (the word splitter's dictionary), seconds

    def __init__(self, settings: Settings, *, rate_limiter: RateLimiter) -> None:
        self.settings = settings
        self.metrics = RequestMetrics()
        self.events = EventBus()
        self.scene_locks = KeyedLocks()
        self.rate_limiter = rate_limiter
        self.components = Components()
        self.warmup = {}
        self.worker_id = "local"
        self.bus = LocalBus()
        self.coherence = CacheCoherence(self.bus, node_id=self.worker_id)

"""`create_app(settings)`: the lifespan, middleware, exception handlers and routers; nothing else.

Everything with state (engine, token service, limiter, ...) is built here or in the lifespan and kept on
`app.state`; nothing is created at import.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import cast

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute
from starlette.types import Scope

from sceneintruder import __version__
from sceneintruder.auth import router as auth_router
from sceneintruder.auth import service as auth_service
from sceneintruder.chat import router as chat_router
from sceneintruder.cluster.coherence import CacheCoherence
from sceneintruder.comic import router as comic_router
from sceneintruder.core.clock import SystemClock
from sceneintruder.core.log_redaction import quiet_sql_logs, redact_query_tokens
from sceneintruder.core.offload import Offload
from sceneintruder.core.passwords import PasswordHasher
from sceneintruder.core.ratelimit import RateLimiter
from sceneintruder.core.settings import Settings
from sceneintruder.core.storage import StartupError, data_dir_problem, load_or_create_secret
from sceneintruder.core.tokens import InvalidToken, TokenService
from sceneintruder.db.checkpoint import WalCheckpointer
from sceneintruder.db.engine import create_engine, prepare_sqlite_file, sqlite_file
from sceneintruder.db.migrate import migrate
from sceneintruder.db.session import Database
from sceneintruder.jobs import router as jobs_router
from sceneintruder.jobs.dispatch import TaskiqDispatcher
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.platform import open_cluster
from sceneintruder.providers.http import build_http_client
from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.realtime import router as realtime_router
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes import router as scenes_router
from sceneintruder.scripts import router as scripts_router
from sceneintruder.settings import router as settings_router
from sceneintruder.story import router as story_router
from sceneintruder.system import router as system_router
from sceneintruder.textkit import warmup as textkit_warmup
from sceneintruder.users import router as users_router
from sceneintruder.video import router as video_router
from sceneintruder.web.api_docs import install_docs
from sceneintruder.web.client import bearer_token, client_ip
from sceneintruder.web.handlers import register_exception_handlers
from sceneintruder.web.middleware import BodyLimitMiddleware, HttpBaseMiddleware
from sceneintruder.web.openapi import install_openapi
from sceneintruder.web.ratelimit import RateLimitMiddleware, RateRule
from sceneintruder.web.routing import install_indexed_dispatch
from sceneintruder.web.spa import FrontendAssets, SpaHost
from sceneintruder.web.state import AppState
from sceneintruder.wiring import install_domains, start_domains, stop_domains

log = logging.getLogger("sceneintruder")

# The collector's thresholds while serving (Python's defaults: 700, 10, 10). Under load, the objects of the requests
# in flight (tasks, frames, responses) live through two young collections and reach the oldest generation, a few
# thousand a second at 20 concurrent chat streams: Python then ran a full collection every ~1.3 s, each pausing the
# event loop 4-6 ms (every request in flight waits; bench/chat.py's slowest 1% came in clusters at those pauses).
# Young collections every 2,000 allocations instead of 700 and a full one considered every 50 middle ones instead
# of 10: no full collection in 16 s of that load (3,000 streams), young ones under 4 ms, and the slowest 1% of first
# tokens 2-3 ms sooner (measured). Cyclic garbage that reaches the oldest generation waits longer to be freed;
# anything else is freed by reference counting, as before.
GC_THRESHOLDS = (2_000, 10, 50)

# Which `/api` requests also count against the stricter groups (every `/api` request counts against "default").
RATE_RULES = (
    RateRule("chat", re.compile(r"^/api/chat(/|$)")),
    RateRule("chat", re.compile(r"^/api/interactions(/|$)")),
    RateRule("chat", re.compile(r"^/api/scenes/[^/]+/conversations/[^/]+/(regenerate|edit)$")),
    RateRule("chat", re.compile(r"^/api/scripts/[^/]+/(command|generate)$"), method="POST"),
    RateRule("analysis", re.compile(r"^/api/(upload|analyze)$"), method="POST"),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="sceneintruder",
        version=__version__,
        lifespan=_lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served from a package, offline (web.api_docs)
        redoc_url=None,
    )
    rate_limiter = RateLimiter(
        {
            "default": settings.rate_limit_default,
            "chat": settings.rate_limit_chat,
            "analysis": settings.rate_limit_analysis,
            "login": settings.rate_limit_login,
        },
        enabled=settings.rate_limit_enabled,
        redis_url=settings.redis_url,
        namespace=settings.redis_namespace,
    )
    app.state = AppState(settings, rate_limiter=rate_limiter)  # type: ignore[assignment]  # the typed state
    spa = SpaHost(settings.templates_dir)
    register_exception_handlers(app, spa)
    _add_middleware(app, settings)
    _include_routers(app)
    for prefix in ("/assets", "/static"):
        app.mount(prefix, FrontendAssets(directory=settings.static_dir, check_dir=False), name=prefix.strip("/"))
    install_openapi(app)
    install_docs(app, openapi_url="/api/openapi.json")
    install_indexed_dispatch(app.router)
    return app


def _include_routers(app: FastAPI) -> None:
    app.router.routes.extend(_api_routes())


@functools.cache
def _api_routes() -> tuple[BaseRoute, ...]:
    """Every route of the API, built on the first `create_app` of a process and shared by the apps it creates
    after (the tests make one per test). Building them is most of what `create_app` costs (FastAPI works out each
    route's dependencies and response fields); a route holds no state of its app (it reaches the app through the
    request), so one list serves them all."""
    api = APIRouter(prefix="/api")
    api.include_router(auth_router.router)
    api.include_router(users_router.router)
    api.include_router(system_router.router)
    api.include_router(scenes_router.router)
    api.include_router(scenes_router.files_router)
    api.include_router(chat_router.router)
    api.include_router(story_router.router)
    api.include_router(comic_router.router)
    api.include_router(video_router.router)
    api.include_router(scripts_router.router)
    api.include_router(settings_router.router)
    api.include_router(jobs_router.router)
    api.include_router(realtime_router.router)
    api.routes.extend(realtime_router.ws_router.routes)  # /ws/...: outside the /api prefix
    return tuple(api.routes)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    def rate_key(scope: Scope) -> str:
        """The authenticated user when the token checks out (signature and expiry), else the client IP."""
        token = bearer_token(scope)
        tokens: TokenService | None = getattr(app.state, "tokens", None)  # set once the lifespan starts
        if token and tokens is not None:
            try:
                return f"user:{tokens.decode(token).sub}"
            except InvalidToken:
                pass
        return f"ip:{client_ip(scope, trust_forwarded_for=settings.trust_forwarded_for)}"

    # Added innermost first: a request passes HttpBase -> BodyLimit -> RateLimit -> FastAPI's routing.
    state = cast(AppState, app.state)
    app.add_middleware(RateLimitMiddleware, limiter=state.rate_limiter, key_for=rate_key, rules=RATE_RULES)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(HttpBaseMiddleware, allowed_origins=settings.origin_list, metrics=state.metrics)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = cast(AppState, app.state)
    settings = state.settings
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_query_tokens()
    quiet_sql_logs()
    if problem := data_dir_problem(settings.data_dir):
        raise StartupError(problem)
    # The word splitter's dictionary loads in a thread while the rest starts; the server takes requests (and
    # answers /api/health) only once it is in, so no request pays for it (it took seconds in the first one).
    warming = asyncio.get_running_loop().run_in_executor(None, textkit_warmup.preload)
    cluster = await open_cluster(settings)
    state.worker_id, state.bus, state.scene_locks = cluster.worker_id, cluster.bus, cluster.locks
    state.coherence = CacheCoherence(cluster.bus, node_id=cluster.worker_id)
    url = settings.resolved_database_url
    prepare_sqlite_file(url)
    engine = create_engine(url)
    if settings.auto_migrate:
        await migrate(engine, url)
    sqlite_path = sqlite_file(url)
    state.checkpointer = checkpointer = WalCheckpointer(sqlite_path) if sqlite_path is not None else None
    if checkpointer is not None:
        checkpointer.start()
    secret = (
        settings.auth_secret_key.get_secret_value()
        if settings.auth_secret_key
        else load_or_create_secret(settings.data_dir / ".auth_secret")
    )
    if settings.clustered and not (settings.auth_secret_key and settings.config_encryption_key):
        log.warning(
            "REDIS_URL is set but AUTH_SECRET_KEY or CONFIG_ENCRYPTION_KEY is not: each worker keeps its own in its "
            "DATA_DIR, so tokens and saved API keys work only on workers that share this DATA_DIR"
        )
    state.db = db = Database(engine)
    state.clock = clock = SystemClock()
    state.tokens = TokenService(secret, ttl=timedelta(hours=settings.token_ttl_hours), clock=clock)
    state.hasher = hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
        concurrency=settings.password_hash_concurrency,
    )
    state.offload = offload = Offload(
        threads=settings.cpu_threads,
        isolated_workers=settings.isolated_workers,
        isolated_memory_bytes=settings.isolated_memory_mb * 1024 * 1024,
    )
    http = build_http_client(
        connect_timeout=settings.llm_connect_timeout_seconds, read_timeout=settings.llm_read_timeout_seconds
    )
    state.llm = LLMClient(cooldown_seconds=settings.llm_cooldown_seconds, offload=offload)
    jobs = JobRegistry(
        db,
        clock=clock,
        bus=cluster.bus,
        dispatcher=TaskiqDispatcher(
            redis_url=settings.redis_url or None,
            namespace=settings.redis_namespace,
            consumer=cluster.worker_id,
            claim_timeout_ms=int(settings.job_dispatch_timeout_seconds * 1000),
        ),
        worker_id=cluster.worker_id,
        default_concurrency=settings.job_default_concurrency,
        default_timeout_seconds=settings.job_default_timeout_seconds,
        default_queue_size=settings.job_queue_size,
        lease_seconds=settings.job_lease_seconds,
        dispatch_timeout_seconds=settings.job_dispatch_timeout_seconds,
    )
    hub = Hub(
        clock=clock,
        send_queue_size=settings.ws_send_queue_size,
        max_message_bytes=settings.ws_max_message_bytes,
        ping_timeout_seconds=settings.ws_ping_timeout_seconds,
        heartbeat_seconds=settings.ws_heartbeat_seconds,
        cleanup_interval_seconds=settings.ws_cleanup_interval_seconds,
        messages_per_second=settings.ws_messages_per_second,
        message_burst=settings.ws_message_burst,
        presence_per_second=settings.ws_presence_per_second,
        presence_burst=settings.ws_presence_burst,
        bus=cluster.bus,
        board=cluster.board,
        worker_id=cluster.worker_id,
        status_refresh_seconds=settings.ws_status_refresh_seconds,
    )
    state.components.add(jobs)
    state.components.add(hub)
    install_domains(state, http=http)
    async with db.writer() as session:
        admin = await auth_service.bootstrap_accounts(session, hasher=hasher, data_dir=settings.data_dir)
    if admin:
        name, _, password = admin.partition(":")
        print(  # shown once on the console, by design
            f"\n  Created administrator '{name}' with password: {password}\n"
            f"  (also written to {settings.data_dir / auth_service.INITIAL_ADMIN_PASSWORD_FILE}, mode 0600)\n",
            file=sys.stderr,
            flush=True,
        )
    await cluster.bus.start()  # every topic is subscribed by now
    await jobs.start_worker(retention=timedelta(days=settings.job_retention_days))
    hub.start()
    await start_domains(state)
    state.warmup.update(await warming)
    log.info("start-up resources loaded: %s", state.warmup)
    # Everything built so far lives as long as the process: move it out of the collector's way, so that the
    # periodic full collections under load do not rescan ~10^5 long-lived objects each time.
    gc.collect()
    gc.freeze()
    previous_thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous_thresholds)
        gc.unfreeze()
        await hub.aclose()
        await jobs.aclose()  # jobs may still be calling providers: stop them before the provider layer
        await stop_domains(state)
        await http.aclose()
        await offload.aclose()
        hasher.close()
        if checkpointer is not None:
            await checkpointer.aclose()
        await db.dispose()
        await cluster.aclose()

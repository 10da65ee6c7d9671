"""The story domain's entry points: what the router, the WebSocket handler and the event subscriptions call, and
the one module other packages may import. Framework-free.

Each workflow lives in its own module (reading, choosing, advancing, commanding, rewinding, world,
initialisation); the rules they share are in `graph` (pure) and `_state` (inside a transaction). Every
mutation is one transaction under the scene's lock (`StoryRuntime.locks`), and none holds the lock or a
session across a model call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select

from sceneintruder.core.errors import BadRequest
from sceneintruder.core.exporting import ExportDataEmpty, Exported, ExportFormat
from sceneintruder.core.principal import Principal
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.realtime.hub import Hub, SocketContext
from sceneintruder.realtime.messages import ClientMessage, StoryChoice
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.events import SceneCreated, SceneDeleted
from sceneintruder.story import _state, assembling, initialisation, offline, reading
from sceneintruder.story.advancing import advance
from sceneintruder.story.aggregate import AggregateOptions, aggregate
from sceneintruder.story.choosing import make_choice
from sceneintruder.story.commanding import command
from sceneintruder.story.context_cache import PromptContextCache
from sceneintruder.story.export import story_export
from sceneintruder.story.initialisation import STORY_INIT_JOB
from sceneintruder.story.models import StoryNode
from sceneintruder.story.read_cache import NodeJsonCache, StoryReadCache
from sceneintruder.story.rewinding import insert, rewind
from sceneintruder.story.runtime import StoryRuntime
from sceneintruder.story.schemas import ChoiceView, UserPreferences
from sceneintruder.story.world import batch, complete_objective, explore, unlock_location
from sceneintruder.web.state import AppState

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

__all__ = [
    "STORY_INIT_JOB",
    "AggregateOptions",
    "StoryRuntime",
    "advance",
    "aggregate",
    "batch",
    "book_passages",
    "branches",
    "check_node",
    "command",
    "complete_objective",
    "explore",
    "export_story",
    "insert",
    "install",
    "make_choice",
    "node_content",
    "node_text",
    "on_scene_created",
    "on_scene_deleted",
    "open_choices",
    "read_story",
    "resume_initialisations",
    "rewind",
    "scene_aggregate",
    "story_choice_handler",
    "unlock_location",
]


async def read_story(runtime: StoryRuntime, *, scene: Scene) -> dict[str, Any] | orjson.Fragment:
    """`GET /story`: StoryData. While the story is still being built it waits up to `init_wait_seconds` for it
    to become playable, then answers with what exists and the task id. Never starts anything."""
    payload = await assembling.playable_story_json(runtime, scene.id)
    if payload is not None:
        return orjson.Fragment(payload)
    async with runtime.db.reader() as session:
        snapshot = await reading.load_snapshot(session, scene.id)
    if snapshot is None:
        return reading.empty_story_view(scene)
    story = snapshot.story
    if story.init_status in initialisation.WAITING and story.init_job_id:
        await initialisation.wait_until_playable(runtime, story.init_job_id)
        async with runtime.db.reader() as session:
            snapshot = await reading.load_snapshot(session, scene.id)
        if snapshot is None:
            return reading.empty_story_view(scene)
    return snapshot.view()


async def check_node(db: Database, *, scene_id: str, node_id: str) -> None:
    """NodeNotFound unless `node_id` is a node of the scene's story (for other domains that refer to one)."""
    async with db.reader() as session:
        await _state.get_node(session, scene_id, node_id)


async def book_passages(db: Database, *, scene_id: str) -> list[tuple[str, str]]:
    """The story's nodes that tell the book, in the book's order, as (node id, passage): for other domains
    that retell the story (the comic's storyboard). Empty when the scene has no story."""
    async with db.reader() as session:
        rows = await session.execute(
            select(StoryNode.id, StoryNode.original_content, StoryNode.content)
            .where(StoryNode.scene_id == scene_id, StoryNode.segment_index.is_not(None))
            .order_by(StoryNode.segment_index)
        )
        return [(node_id, original or content or "") for node_id, original, content in rows.all()]


async def node_text(db: Database, *, scene_id: str, node_id: str) -> str:
    """A node's passage (its source text, else what was written for it); "" when the node is not the scene's."""
    async with db.reader() as session:
        row = (
            await session.execute(
                select(StoryNode.original_content, StoryNode.content).where(
                    StoryNode.scene_id == scene_id, StoryNode.id == node_id
                )
            )
        ).first()
    return (row[0] or row[1] or "") if row is not None else ""


async def branches(runtime: StoryRuntime, *, scene: Scene) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await reading.branches(session, scene)


async def open_choices(runtime: StoryRuntime, *, scene: Scene) -> list[ChoiceView]:
    async with runtime.db.reader() as session:
        return await reading.open_choices(session, scene_id=scene.id)


async def node_content(runtime: StoryRuntime, *, scene: Scene, node_id: str) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await reading.node_content(session, scene_id=scene.id, node_id=node_id)


async def scene_aggregate(runtime: StoryRuntime, *, scene: Scene, options: AggregateOptions) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await aggregate(session, scene=scene, options=options)


async def export_story(runtime: StoryRuntime, *, scene: Scene, fmt: ExportFormat) -> Exported:
    """The whole story (full passages) and the cast, in `fmt`; EXPORT_DATA_EMPTY without any node."""
    async with runtime.db.reader() as session:
        snapshot = await reading.load_snapshot(session, scene.id, original_limit=None)
        characters = await scenes_service.list_characters(session, scene_id=scene.id)
    if snapshot is None or not snapshot.nodes:
        raise ExportDataEmpty("故事还没有内容", details=scene.id)
    return story_export(snapshot, scene, characters, fmt=fmt)


# --- wiring: events and the WebSocket --------------------------------------------------------------------------


def install(state: AppState) -> StoryRuntime:
    """The story domain, built once: its offline skills, the initialisation job kind, its runtime and read
    caches, the `story_choice` handler of the scene rooms, and the story following its scene (built when the
    scene is created, its initialisation cancelled when the scene is deleted)."""
    settings = state.settings
    offline.register(state.llm)
    jobs = state.components.get(JobRegistry)
    hub = state.components.get(Hub)
    runtime = StoryRuntime(
        db=state.db,
        llm=state.llm,
        jobs=jobs,
        hub=hub,
        locks=state.scene_locks,
        init_wait_seconds=settings.story_init_wait_seconds,
        narrate_ahead=settings.story_narrate_ahead,
        views=StoryReadCache(ttl_seconds=settings.read_cache_ttl_seconds),
        node_views=NodeJsonCache(ttl_seconds=settings.story_node_cache_seconds),
        contexts=PromptContextCache(ttl_seconds=settings.read_cache_ttl_seconds),
        sole_process=not state.bus.distributed,
    )
    for cache in (runtime.views, runtime.node_views, runtime.contexts):
        cache.install(state.db)
        state.coherence.share(cache.name, cache)
    jobs.register_kind(
        STORY_INIT_JOB, initialisation.initialisation_job(runtime), concurrency=settings.story_init_jobs_concurrency
    )
    hub.register_handler("story_choice", story_choice_handler(runtime))

    async def build_story(event: SceneCreated) -> None:
        await on_scene_created(runtime, event)

    async def stop_story(event: SceneDeleted) -> None:
        await on_scene_deleted(runtime, event)

    state.events.subscribe(SceneCreated, build_story)
    state.events.subscribe(SceneDeleted, stop_story)
    return runtime


async def on_scene_created(runtime: StoryRuntime, event: SceneCreated) -> None:
    """A scene from text was stored: start building its story."""
    await initialisation.start(runtime, scene_id=event.scene_id, owner_id=event.owner_id, language=event.language)


async def resume_initialisations(runtime: StoryRuntime) -> int:
    """At start-up, after the job registry has recovered: initialisations a restart cut short carry on."""
    return await initialisation.resume_interrupted(runtime)


async def on_scene_deleted(runtime: StoryRuntime, event: SceneDeleted) -> None:
    await initialisation.cancel(runtime, scene_id=event.scene_id, owner_id=event.owner_id)


def story_choice_handler(runtime: StoryRuntime):
    """The hub's handler for `story_choice`: the same choice as `POST /story/choice`, confirmed to the whole
    scene room (`story:choice_confirmed`, `story:updated`), the sender included."""

    async def handle(socket: SocketContext, message: ClientMessage) -> None:
        assert isinstance(message, StoryChoice)
        if socket.scene_id is None:
            raise BadRequest("story_choice 只能在场景连接中发送")
        scene = await _scene_for(runtime, socket.scene_id, socket.principal)
        preferences = (
            UserPreferences.model_validate(message.user_preferences.model_dump(exclude_none=True))
            if message.user_preferences is not None
            else None
        )
        await make_choice(
            runtime,
            scene=scene,
            principal=socket.principal,
            node_id=message.node_id,
            choice_id=message.choice_id,
            preferences=preferences,
        )

    return handle


async def _scene_for(runtime: StoryRuntime, scene_id: str, principal: Principal) -> Scene:
    async with runtime.db.reader() as session:
        return await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)

"""How the domains plug into the shared machinery, in one place: offline skills, job kinds, WebSocket handlers,
scene-access checks and event subscriptions. Called once from the app lifespan, after everything is built.

The shared layers (providers, jobs, realtime, core) never import a domain; this module is where the
inversion is closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.auth import events as auth_events
from sceneintruder.chat import skills as chat_skills
from sceneintruder.chat import socket as chat_socket
from sceneintruder.chat.context import CastCache
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.core.events import EventBus
from sceneintruder.core.locks import KeyedLocks
from sceneintruder.core.principal import Principal
from sceneintruder.core.settings import Settings
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes import events as scene_events
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes import skills as scenes_skills
from sceneintruder.settings import skills as settings_skills
from sceneintruder.story import service as story_service
from sceneintruder.story.offline import SKILLS as STORY_SKILLS
from sceneintruder.story.read_cache import NodeJsonCache, StoryReadCache

SCENE_DELETED_CLOSE_CODE = 4404  # application close code: the room's scene no longer exists


@dataclass(frozen=True)
class Machinery:
    settings: Settings
    db: Database
    llm: LLMClient
    jobs: JobRegistry
    hub: Hub
    events: EventBus
    scene_locks: KeyedLocks
    scene_casts: CastCache


@dataclass(frozen=True)
class Wired:
    """What the domains built here that their routes need (kept on `app.state` by app.py)."""

    story: story_service.StoryRuntime


def wire_domains(machinery: Machinery) -> Wired:
    llm, jobs, hub, events, db = machinery.llm, machinery.jobs, machinery.hub, machinery.events, machinery.db
    settings = machinery.settings
    settings_skills.register(llm)
    scenes_skills.register(llm)
    chat_skills.register(llm)
    jobs.register_kind(scenes_skills.ANALYSIS_JOB, concurrency=settings.analysis_jobs_concurrency)

    async def scene_access(principal: Principal, scene_id: str) -> bool:
        async with db.reader() as session:
            return await scenes_service.scene_visible(session, scene_id=scene_id, principal=principal)

    hub.set_scene_access(scene_access)
    chat = ChatRuntime(
        db=db,
        llm=llm,
        locks=machinery.scene_locks,
        publish=hub.publish,
        history_limit=settings.chat_history_messages,
        casts=machinery.scene_casts,
    )
    hub.register_handler("character_interaction", chat_socket.interaction_handler(chat))

    async def close_room(event: scene_events.SceneDeleted) -> None:
        machinery.scene_casts.invalidate(event.scene_id)
        await hub.close_room(event.scene_id, SCENE_DELETED_CLOSE_CODE, "scene deleted")

    events.subscribe(scene_events.SceneDeleted, close_room)

    async def close_token_sockets(event: auth_events.TokenRevoked) -> None:
        hub.close_token(event.jti)

    events.subscribe(auth_events.TokenRevoked, close_token_sockets)
    return Wired(story=_wire_story(machinery))


def _wire_story(machinery: Machinery) -> story_service.StoryRuntime:
    """Offline skills, the initialisation job kind, the `story_choice` handler, and the story following its scene:
    built when the scene is created, its initialisation cancelled when the scene is deleted."""
    settings = machinery.settings
    for task, skill in STORY_SKILLS.items():
        machinery.llm.register_offline_skill(task, skill)
    machinery.jobs.register_kind(story_service.STORY_INIT_JOB, concurrency=settings.story_init_jobs_concurrency)
    story = story_service.StoryRuntime(
        db=machinery.db,
        llm=machinery.llm,
        jobs=machinery.jobs,
        hub=machinery.hub,
        locks=machinery.scene_locks,
        init_wait_seconds=settings.story_init_wait_seconds,
        narrate_ahead=settings.story_narrate_ahead,
        views=StoryReadCache(ttl_seconds=settings.read_cache_ttl_seconds),
        node_views=NodeJsonCache(ttl_seconds=settings.story_node_cache_seconds),
    )
    story.views.install(machinery.db)
    story.node_views.install(machinery.db)
    machinery.hub.register_handler("story_choice", story_service.story_choice_handler(story))

    async def build_story(event: scene_events.SceneCreated) -> None:
        await story_service.on_scene_created(story, event)

    async def stop_story(event: scene_events.SceneDeleted) -> None:
        await story_service.on_scene_deleted(story, event)

    machinery.events.subscribe(scene_events.SceneCreated, build_story)
    machinery.events.subscribe(scene_events.SceneDeleted, stop_story)
    return story

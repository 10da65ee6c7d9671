"""How the domains plug into the shared machinery, in one place: offline skills, job kinds, WebSocket handlers,
scene-access checks and event subscriptions. Called once from the app lifespan, after everything is built.

The shared layers (providers, jobs, realtime, core) never import a domain; this module is where the
inversion is closed.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def wire_domains(machinery: Machinery) -> None:
    llm, jobs, hub, events, db = machinery.llm, machinery.jobs, machinery.hub, machinery.events, machinery.db
    settings_skills.register(llm)
    scenes_skills.register(llm)
    chat_skills.register(llm)
    jobs.register_kind(scenes_skills.ANALYSIS_JOB, concurrency=machinery.settings.analysis_jobs_concurrency)

    async def scene_access(principal: Principal, scene_id: str) -> bool:
        async with db.reader() as session:
            return await scenes_service.scene_visible(session, scene_id=scene_id, principal=principal)

    hub.set_scene_access(scene_access)
    chat = ChatRuntime(
        db=db,
        llm=llm,
        locks=machinery.scene_locks,
        publish=hub.publish,
        history_limit=machinery.settings.chat_history_messages,
        casts=machinery.scene_casts,
    )
    hub.register_handler("character_interaction", chat_socket.interaction_handler(chat))

    async def close_room(event: scene_events.SceneDeleted) -> None:
        machinery.scene_casts.invalidate(event.scene_id)
        await hub.close_room(event.scene_id, SCENE_DELETED_CLOSE_CODE, "scene deleted")

    events.subscribe(scene_events.SceneDeleted, close_room)

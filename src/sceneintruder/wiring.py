"""Every domain, installed in one place: each domain's `service.install(state)` registers what it brings to the
shared machinery (offline skills, job kinds, WebSocket handlers, event subscriptions, the scene loader) and
returns its runtime, which is kept in `state.components` for its routes (`<domain>/dependencies.py`).

Called once from the app lifespan, after the platform (database, LLM client, job registry, hub) is built. The
shared layers never import a domain; this module is where that inversion is closed.
"""

from __future__ import annotations

import httpx

from sceneintruder.auth import service as auth_service
from sceneintruder.chat import service as chat_service
from sceneintruder.comic import service as comic_service
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scripts import service as scripts_service
from sceneintruder.settings import service as settings_service
from sceneintruder.story import service as story_service
from sceneintruder.system import service as system_service
from sceneintruder.users import service as users_service
from sceneintruder.video import service as video_service
from sceneintruder.web.state import AppState


def install_domains(state: AppState, *, http: httpx.AsyncClient) -> None:
    """In dependency order: settings first (the LLM client's configuration), system after it."""
    components = state.components
    components.add(settings_service.install(state, http=http))
    components.add(users_service.install(state))
    components.add(auth_service.install(state))
    components.add(system_service.install(state))
    components.add(scenes_service.install(state))
    components.add(chat_service.install(state))
    components.add(story_service.install(state))
    components.add(comic_service.install(state))
    components.add(video_service.install(state))
    components.add(scripts_service.install(state))


async def start_domains(state: AppState) -> None:
    """What a domain does once the process is up: apply the stored LLM settings, carry on the story
    initialisations a restart cut short."""
    await settings_service.start(state.db, state.components.get(settings_service.SettingsRuntime))
    await story_service.resume_initialisations(state.components.get(story_service.StoryRuntime))


async def stop_domains(state: AppState) -> None:
    await settings_service.stop(state.components.get(settings_service.SettingsRuntime))

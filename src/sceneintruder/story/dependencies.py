"""Dependencies of the story routes: the story runtime, and the scene loaded for its owner.

The scene is loaded in a short read session of its own, so a story move takes the scene's lock before it
opens its write transaction (a writer holding SQLite's lock while waiting for the scene's lock would stall
every other writer).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from sceneintruder.deps import get_principal
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.models import Scene
from sceneintruder.story.runtime import StoryRuntime

SceneId = Annotated[str, Path(max_length=128)]


async def get_story_runtime(request: Request) -> StoryRuntime:
    return request.app.state.story


async def story_scene(request: Request, scene_id: SceneId) -> Scene:
    """The scene if the caller owns it (or is an admin); else 404 SCENE_NOT_FOUND, as for a missing one."""
    principal = await get_principal(request)
    runtime: StoryRuntime = request.app.state.story
    async with runtime.db.reader() as session:
        return await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)


StoryRuntimeDep = Annotated[StoryRuntime, Depends(get_story_runtime)]
StoryScene = Annotated[Scene, Depends(story_scene)]

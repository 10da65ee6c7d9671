"""Dependencies of the story routes: the domain's runtime, and the scene loaded for its owner.

The scene is loaded in a short read session of its own (`web.dependencies.owned_scene`), so a story move takes
the scene's lock before it opens its write transaction (a writer holding SQLite's lock while waiting for the
scene's lock would stall every other writer).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.scenes.service import Scene
from sceneintruder.story.service import StoryRuntime
from sceneintruder.web.dependencies import app_state, owned_scene


async def get_story_runtime(request: Request) -> StoryRuntime:
    return app_state(request).components.get(StoryRuntime)


StoryRuntimeDep = Annotated[StoryRuntime, Depends(get_story_runtime)]
StoryScene = Annotated[Scene, Depends(owned_scene)]

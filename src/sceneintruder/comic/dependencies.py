"""Dependencies of the comic routes: the domain's runtime, and the scene loaded for its owner (someone else's
scene is 404 SCENE_NOT_FOUND, as a missing one; the reference checked no ownership, spec §8.35)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.comic.service import ComicRuntime
from sceneintruder.scenes.service import Scene
from sceneintruder.web.dependencies import app_state, owned_scene


async def get_comic_runtime(request: Request) -> ComicRuntime:
    return app_state(request).components.get(ComicRuntime)


ComicRuntimeDep = Annotated[ComicRuntime, Depends(get_comic_runtime)]
ComicScene = Annotated[Scene, Depends(owned_scene)]

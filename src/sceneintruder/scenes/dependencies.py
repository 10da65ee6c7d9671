"""Dependencies of the scenes routes: the domain's runtime, and the scene loaded for its owner."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.scenes.service import Scene, ScenesRuntime
from sceneintruder.web.dependencies import app_state, owned_scene


async def get_scenes_runtime(request: Request) -> ScenesRuntime:
    return app_state(request).components.get(ScenesRuntime)


ScenesRuntimeDep = Annotated[ScenesRuntime, Depends(get_scenes_runtime)]
OwnedScene = Annotated[Scene, Depends(owned_scene)]

"""Dependencies of the video routes: the domain's runtime, and the scene loaded for its owner."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.scenes.service import Scene
from sceneintruder.video.service import VideoRuntime
from sceneintruder.web.dependencies import app_state, owned_scene


async def get_video_runtime(request: Request) -> VideoRuntime:
    return app_state(request).components.get(VideoRuntime)


VideoRuntimeDep = Annotated[VideoRuntime, Depends(get_video_runtime)]
VideoScene = Annotated[Scene, Depends(owned_scene)]

"""Dependencies of the system routes: the domain's runtime, built once at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.system.service import SystemRuntime
from sceneintruder.web.dependencies import app_state


async def get_system_runtime(request: Request) -> SystemRuntime:
    return app_state(request).components.get(SystemRuntime)


SystemRuntimeDep = Annotated[SystemRuntime, Depends(get_system_runtime)]

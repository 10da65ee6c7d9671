"""`JobsDep`: the job registry, for the routes that read or cancel jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.web.dependencies import app_state


async def get_jobs(request: Request) -> JobRegistry:
    return app_state(request).components.get(JobRegistry)


JobsDep = Annotated[JobRegistry, Depends(get_jobs)]

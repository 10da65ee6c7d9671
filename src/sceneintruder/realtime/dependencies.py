"""`HubDep`: the WebSocket hub, for HTTP routes and WebSocket endpoints alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from sceneintruder.realtime.hub import Hub
from sceneintruder.web.dependencies import app_state


async def get_hub(connection: HTTPConnection) -> Hub:
    return app_state(connection).components.get(Hub)


HubDep = Annotated[Hub, Depends(get_hub)]

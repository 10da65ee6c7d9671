"""`HubDep`: the WebSocket hub, for HTTP routes and WebSocket endpoints alike (read from `app.state.hub`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from sceneintruder.realtime.hub import Hub


async def get_hub(connection: HTTPConnection) -> Hub:
    return connection.app.state.hub


HubDep = Annotated[Hub, Depends(get_hub)]

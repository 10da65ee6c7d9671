"""Dependencies of the chat routes: the domain's runtime, built once at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.chat.service import ChatRuntime
from sceneintruder.web.dependencies import app_state


async def get_chat_runtime(request: Request) -> ChatRuntime:
    return app_state(request).components.get(ChatRuntime)


ChatRuntimeDep = Annotated[ChatRuntime, Depends(get_chat_runtime)]

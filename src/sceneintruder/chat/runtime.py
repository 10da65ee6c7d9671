"""`ChatRuntime`: what the chat services need from the app (database, LLM, scene locks, the scene rooms), built
once at start-up by `chat.service.install`. Framework-free."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sceneintruder.chat.context import BookCache, CastCache, ChatContext, load_context
from sceneintruder.core.locks import SceneLocks
from sceneintruder.core.principal import Principal
from sceneintruder.db.session import Database
from sceneintruder.providers.llm.client import LLMClient

Publish = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class ChatRuntime:
    db: Database
    llm: LLMClient
    locks: SceneLocks  # one writer of a scene's message tree at a time
    publish: Publish  # to every socket of a scene's room (realtime.hub.Hub.publish)
    history_limit: int  # earlier messages of the branch a reply sees
    casts: CastCache | None = None  # scenes and their characters, read once per TTL
    books: BookCache | None = None  # scenes' texts indexed for search, built once per TTL

    async def context(
        self, principal: Principal, scene_id: str, *, up_to_id: str | None = None, from_tip: bool = True
    ) -> ChatContext:
        """What a reply in this scene needs (see `chat.context.load_context`)."""
        return await load_context(
            self.db,
            principal=principal,
            scene_id=scene_id,
            history_limit=self.history_limit,
            up_to_id=up_to_id,
            from_tip=from_tip,
            casts=self.casts,
            books=self.books,
        )

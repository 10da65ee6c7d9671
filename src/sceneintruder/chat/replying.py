"""`PendingReply`: a reply that has been prepared (scene, character and message checked, prompt built) and can
be produced either at once or streamed. The routes decide which; the answer is built by `read` from what was
stored, or by `done` for the last event of a stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sceneintruder.chat import turns
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.turns import PreparedReply, StoredReply
from sceneintruder.core.errors import ServiceNotReady


@dataclass(frozen=True)
class PendingReply:
    runtime: ChatRuntime
    prepared: PreparedReply
    read: Callable[[StoredReply], Any]  # the JSON answer
    done: Callable[[StoredReply], Any]  # the `done` event of a stream

    async def complete(self) -> Any:
        generated = await turns.generate(self.runtime, self.prepared)
        return self.read(await turns.store(self.runtime, self.prepared, generated))

    def ensure_ready(self) -> None:
        """Raise before a stream starts (so the client gets an ordinary error) when no model can answer."""
        if not (status := self.runtime.llm.status()).ready:
            raise ServiceNotReady(details=status.state)

    async def events(self) -> AsyncIterator[tuple[str, Any]]:
        """(`delta`, {delta}) as the model writes, then (`done`, answer) or (`error`, {code, message, details?})."""
        async for event in turns.stream(self.runtime, self.prepared):
            if isinstance(event, turns.Delta):
                yield "delta", {"delta": event.text}
            elif isinstance(event, turns.Done):
                yield "done", self.done(event.stored)
            else:
                error = event.error
                body: dict[str, Any] = {"code": error.code, "message": error.message}
                if error.details is not None:
                    body["details"] = error.details
                yield "error", body

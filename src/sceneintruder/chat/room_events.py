"""The events chat publishes to a scene's WebSocket room, and `wire`, which makes a model JSON-ready for them.

Room events (WebSocket `/ws/scene/:id`), beyond the reference's `conversation:new`, `character_interaction` and
`conversation_simulation`:

    conversation:delta   {scene_id, character_id, speaker_id, stream_id, delta, timestamp}  a streamed piece
    conversation:error   {scene_id, character_id, stream_id, code, error, timestamp}        a stream that failed
    conversation:branch  {scene_id, message_id, timestamp}                                  the active path moved
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import AppError
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead


def wire(value: Any) -> Any:
    """JSON-ready: models dumped as the API serves them (unset optional keys left out)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [wire(item) for item in value]
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    return value


def conversation_new(
    scene_id: str,
    character: CharacterRead,
    reply: ConversationRead,
    user_message: ConversationRead | None,
    *,
    stream_id: str | None = None,
) -> dict[str, Any]:
    """The reference's `conversation:new` (`conversation: {character, response}`), plus the stored messages."""
    event: dict[str, Any] = {
        "type": "conversation:new",
        "scene_id": scene_id,
        "character_id": character.id,
        "speaker_id": character.id,
        "conversation": {"character": character.name, "response": reply.content},
        "timestamp": rfc3339(utcnow()),
        "message": wire(reply),
    }
    if user_message is not None:
        event["user_message"] = wire(user_message)
    if stream_id is not None:
        event["stream_id"] = stream_id
    return event


def conversation_delta(scene_id: str, character: CharacterRead, stream_id: str, delta: str) -> dict[str, Any]:
    return {
        "type": "conversation:delta",
        "scene_id": scene_id,
        "character_id": character.id,
        "speaker_id": character.id,
        "stream_id": stream_id,
        "delta": delta,
        "timestamp": rfc3339(utcnow()),
    }


def conversation_error(scene_id: str, character_id: str, stream_id: str, error: AppError) -> dict[str, Any]:
    return {
        "type": "conversation:error",
        "scene_id": scene_id,
        "character_id": character_id,
        "stream_id": stream_id,
        "code": error.code,
        "error": error.message,
        "timestamp": rfc3339(utcnow()),
    }


def conversation_branch(scene_id: str, message_id: str) -> dict[str, Any]:
    moment = rfc3339(utcnow())
    return {"type": "conversation:branch", "scene_id": scene_id, "message_id": message_id, "timestamp": moment}

"""The WebSocket message protocol (reference spec §5c): what clients send, parsed, and what the server sends.

Client to server, a JSON object discriminated on `type`:
    character_interaction {character_id, message}      -> handler registered by the chat domain
    story_choice {node_id, choice_id, user_preferences?} -> handler registered by the story domain
    user_status_update {status, action?}                -> `user:presence` to the socket's room
    ping                                                -> `pong`
Server to client: connected, user_status_connected, pong, heartbeat, error, user:presence, and whatever the
domains publish (conversation:new, story:choice_confirmed, ...).

Anything else (not JSON, not an object, unknown or missing `type`, bad fields, too large) is answered with an
`error` message carrying a `code` from `WsErrorCode`; the socket stays open, except after an oversize frame.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from sceneintruder.core.clock import rfc3339

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class WsErrorCode(StrEnum):
    INVALID_JSON = "INVALID_JSON"  # the frame is not a JSON object
    UNKNOWN_TYPE = "UNKNOWN_TYPE"  # `type` missing, or not one of the four
    INVALID_MESSAGE = "INVALID_MESSAGE"  # a known type with missing or malformed fields
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"  # over WS_MAX_MESSAGE_BYTES; the socket is then closed with 1009
    NOT_AVAILABLE = "NOT_AVAILABLE"  # no domain handles this type (yet)
    BUSY = "BUSY"  # too many of this socket's messages are still being handled
    HANDLER_FAILED = "HANDLER_FAILED"  # the handler raised something unexpected (details are in the log)
    RATE_LIMITED = "RATE_LIMITED"  # over the socket's message budget, or its room's presence budget: then 1008


class _ClientMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CharacterInteraction(_ClientMessage):
    type: Literal["character_interaction"]
    character_id: Id
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class ChoicePreferences(_ClientMessage):
    creativity_level: Literal["STRICT", "BALANCED", "EXPANSIVE"] | None = None
    allow_plot_twists: bool | None = None


class StoryChoice(_ClientMessage):
    type: Literal["story_choice"]
    node_id: Id
    choice_id: Id
    user_preferences: ChoicePreferences | None = None


class UserStatusUpdate(_ClientMessage):
    type: Literal["user_status_update"]
    status: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    action: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] | None = None


class Ping(_ClientMessage):
    type: Literal["ping"]


ClientMessage = Annotated[CharacterInteraction | StoryChoice | UserStatusUpdate | Ping, Field(discriminator="type")]
_CLIENT_MESSAGE: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
MESSAGE_TYPES = frozenset({"character_interaction", "story_choice", "user_status_update", "ping"})


class MessageError(Exception):
    """A client frame that cannot be handled; becomes an `error` message."""

    def __init__(self, code: WsErrorCode, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def parse_client_message(data: str | bytes) -> ClientMessage:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MessageError(WsErrorCode.INVALID_JSON, "消息不是有效的 JSON") from exc
    if not isinstance(value, dict):
        raise MessageError(WsErrorCode.INVALID_JSON, "消息必须是 JSON 对象")
    try:
        return _CLIENT_MESSAGE.validate_python(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(error["type"] in ("union_tag_invalid", "union_tag_not_found") for error in errors):
            raise MessageError(
                WsErrorCode.UNKNOWN_TYPE,
                "未知的消息类型",
                {"type": value.get("type"), "supported": sorted(MESSAGE_TYPES)},
            ) from exc
        details = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in errors]
        raise MessageError(WsErrorCode.INVALID_MESSAGE, "消息格式错误", details) from exc


# --- server messages ------------------------------------------------------------------------------------------


def error_message(code: str, message: str, moment: datetime, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "error", "error": message, "code": code, "timestamp": rfc3339(moment)}
    if details is not None:
        body["details"] = details
    return body


def connected_message(scene_id: str, user_id: str, moment: datetime) -> dict[str, Any]:
    return {
        "type": "connected",
        "scene_id": scene_id,
        "user_id": user_id,
        "timestamp": rfc3339(moment),
        "message": "WebSocket 连接已建立",
    }


def status_connected_message(user_id: str, moment: datetime) -> dict[str, Any]:
    return {
        "type": "user_status_connected",
        "user_id": user_id,
        "timestamp": rfc3339(moment),
        "message": "用户状态 WebSocket 连接已建立",
    }


def presence_message(user_id: str, scene_id: str, update: UserStatusUpdate, moment: datetime) -> dict[str, Any]:
    return {
        "type": "user:presence",
        "user_id": user_id,
        "scene_id": scene_id,
        "status": update.status,
        "action": update.action or "",
        "timestamp": rfc3339(moment),
    }


def pong_message(moment: datetime) -> dict[str, Any]:
    return {"type": "pong", "timestamp": int(moment.timestamp())}


def heartbeat_message(moment: datetime) -> dict[str, Any]:
    return {"type": "heartbeat", "timestamp": int(moment.timestamp())}

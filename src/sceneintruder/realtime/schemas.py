"""Wire shape of `GET /api/ws/status` (reference spec §8); the hub builds it as a dict."""

from __future__ import annotations

from typing_extensions import TypedDict


class RoomMember(TypedDict):
    user_id: str
    scene_id: str
    connected_at: str
    last_ping: str


class RoomStatus(TypedDict):
    client_count: int
    users: list[RoomMember]  # for administrators only; empty for anyone else


class WsStatus(TypedDict):
    total_scenes: int
    total_connections: int
    scenes: dict[str, RoomStatus]
    ping_timeout_seconds: float
    timestamp: str

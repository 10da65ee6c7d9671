"""`Hub`: the WebSocket rooms (one per scene, one per user), presence, and the interface domains publish through.

Built once in the app lifespan and kept in the app state's components. What the domains use:

    await hub.publish(scene_id, event)          every socket in the scene's room (e.g. `conversation:new`)
    await hub.publish_user(user_id, event)      every status socket of that user
    hub.register_handler(type, handler)         who answers `character_interaction` / `story_choice`
    hub.set_scene_access(check)                 who may open a scene's socket (until set: everyone)
    await hub.close_room(scene_id, code, reason)  e.g. when the scene is deleted

Handlers run as tasks (at most a few per socket), so a slow LLM call never stops that socket's reader, and
`publish` only ever queues (see `connection.py`), so it never waits for a slow client.

Several workers: `publish*` go through the cluster bus (`rooms` topic): with Redis every worker, this one included,
gets every room message in the order Redis took it and delivers it to its own sockets (`deliver`), so a room
has one order everywhere; embedded, the bus delivers here at once. `close_room` and `close_token` are messages
on the bus too (`sockets` topic). Each worker posts the list of its connections on the status board every
WS_STATUS_REFRESH_SECONDS, and `/api/ws/status` adds the other workers' lists to its own: the whole cluster.
Framework-free: no FastAPI or Starlette here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from sceneintruder.cluster.board import LocalBoard, StatusBoard
from sceneintruder.cluster.bus import Bus, LocalBus
from sceneintruder.core.clock import Clock, rfc3339
from sceneintruder.core.errors import AppError
from sceneintruder.core.principal import Principal
from sceneintruder.core.token_bucket import TokenBucket
from sceneintruder.realtime.connection import (
    CLOSE_GOING_AWAY,
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_NORMAL,
    CLOSE_POLICY_VIOLATION,
    CLOSE_TRY_AGAIN_LATER,
    Connection,
    Socket,
)
from sceneintruder.realtime.messages import (
    MESSAGE_TYPES,
    ClientMessage,
    MessageError,
    Ping,
    UserStatusUpdate,
    WsErrorCode,
    error_message,
    heartbeat_message,
    parse_client_message,
    pong_message,
    presence_message,
)

log = logging.getLogger("sceneintruder.realtime")

MAX_PENDING_HANDLERS = 4  # messages of one socket being handled at once; more are answered BUSY
STATUS_ROOM = "user_status"  # how status sockets appear in /api/ws/status (the reference's pseudo-scene id)


def scene_room(scene_id: str) -> str:
    return f"scene:{scene_id}"


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def dumps(event: dict[str, Any]) -> str:
    return orjson.dumps(event).decode()


ROOMS_TOPIC = "rooms"
SOCKETS_TOPIC = "sockets"


@dataclass(frozen=True, slots=True)
class SocketContext:
    """What a message handler gets: who sent it, from where, and how to answer."""

    principal: Principal
    user_id: str  # the id others see: the account, or a guest's `?user_id=`
    scene_id: str | None  # None on a status socket
    _hub: Hub
    _connection: Connection

    async def send(self, event: dict[str, Any]) -> bool:
        """To this socket only; False when it has gone (or was closed for not reading)."""
        return self._connection.offer(dumps(event))

    async def publish(self, event: dict[str, Any]) -> None:
        """To every socket in this socket's room, itself included."""
        await self._hub.publish_room(self._connection.room, event)


MessageHandler = Callable[[SocketContext, ClientMessage], Awaitable[None]]
SceneAccessCheck = Callable[[Principal, str], Awaitable[bool]]


class Hub:
    def __init__(
        self,
        *,
        clock: Clock,
        send_queue_size: int,
        max_message_bytes: int,
        ping_timeout_seconds: float,
        heartbeat_seconds: float,
        cleanup_interval_seconds: float,
        bus: Bus | None = None,
        board: StatusBoard | None = None,
        worker_id: str = "local",
        status_refresh_seconds: float = 2.0,
        messages_per_second: float = 20.0,
        message_burst: int = 40,
        presence_per_second: float = 5.0,
        presence_burst: int = 20,
    ) -> None:
        self._clock = clock
        self._queue_size = send_queue_size
        self.max_message_bytes = max_message_bytes
        self.ping_timeout_seconds = ping_timeout_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._cleanup_seconds = cleanup_interval_seconds
        self._bus: Bus = bus or LocalBus()
        self._bus.subscribe(ROOMS_TOPIC, self._on_room_message)
        self._bus.subscribe(SOCKETS_TOPIC, self._on_sockets_message)
        self._board: StatusBoard = board or LocalBoard()
        self._worker_id = worker_id
        self._status_refresh = status_refresh_seconds
        self._rooms: dict[str, set[Connection]] = {}
        self._handlers: dict[str, MessageHandler] = {}
        self._scene_access: SceneAccessCheck | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # handler tasks and the periodic ones
        self._message_rate = (messages_per_second, message_burst)  # each socket's inbound budget
        self._presence_rate = (presence_per_second, presence_burst)  # each room's presence broadcasts
        self._presence: dict[str, TokenBucket] = {}

    # --- the domains' interface ------------------------------------------------------------------------------

    async def publish(self, scene_id: str, event: dict[str, Any]) -> None:
        await self.publish_room(scene_room(scene_id), event)

    async def publish_user(self, user_id: str, event: dict[str, Any]) -> None:
        await self.publish_room(user_room(user_id), event)

    async def publish_room(self, room: str, event: dict[str, Any]) -> None:
        if self._bus.distributed:
            self._bus.publish(ROOMS_TOPIC, room.encode() + b"\n" + orjson.dumps(event))
        elif self._rooms.get(room):  # no socket here in that room (most story moves): nothing to encode
            self.deliver(room, dumps(event))

    def register_handler(self, message_type: str, handler: MessageHandler, *, replace: bool = False) -> None:
        """Who answers `message_type`; registering a second one is an error unless `replace` says so (tests)."""
        if message_type not in MESSAGE_TYPES or message_type in ("ping", "user_status_update"):
            raise ValueError(f"no handler can be registered for {message_type!r}")
        if message_type in self._handlers and not replace:
            raise ValueError(f"a handler for {message_type!r} is already registered")
        self._handlers[message_type] = handler

    def set_scene_access(self, check: SceneAccessCheck) -> None:
        self._scene_access = check

    def close_token(self, jti: str, reason: str = "token revoked") -> int:
        """Close every socket opened with the token `jti` (at logout), on every worker; returns how many here."""
        self._tell_others({"op": "token", "jti": jti, "reason": reason})
        return self._close_token_here(jti, reason)

    async def close_room(self, scene_id: str, code: int = CLOSE_NORMAL, reason: str = "") -> int:
        """Close every socket of the scene, on every worker, after what is already queued for it; returns how many
        here."""
        self._tell_others({"op": "room", "scene_id": scene_id, "code": code, "reason": reason})
        return self._close_room_here(scene_id, code, reason)

    def _close_token_here(self, jti: str, reason: str) -> int:
        connections = [c for members in self._rooms.values() for c in members if c.principal.token_jti == jti]
        for connection in connections:
            connection.close_soon(CLOSE_POLICY_VIOLATION, reason)
        return len(connections)

    def _close_room_here(self, scene_id: str, code: int, reason: str) -> int:
        connections = tuple(self._rooms.get(scene_room(scene_id), ()))
        for connection in connections:
            connection.close_soon(code, reason)
        return len(connections)

    def _tell_others(self, order: dict[str, Any]) -> None:
        if self._bus.distributed:
            self._bus.publish(SOCKETS_TOPIC, orjson.dumps({**order, "from": self._worker_id}))

    def _on_sockets_message(self, message: bytes) -> None:
        order = orjson.loads(message)
        if order.get("from") == self._worker_id:
            return
        if order["op"] == "token":
            self._close_token_here(order["jti"], order["reason"])
        elif order["op"] == "room":
            self._close_room_here(order["scene_id"], order["code"], order["reason"])

    def _on_room_message(self, message: bytes) -> None:
        room, _, payload = message.partition(b"\n")
        self.deliver(room.decode(), payload.decode())

    # --- delivery --------------------------------------------------------------------------------------------

    def deliver(self, room: str, payload: str) -> int:
        """Queue `payload` for every socket of `room` in this process, without waiting; returns how many took it."""
        return sum(connection.offer(payload) for connection in tuple(self._rooms.get(room, ())))

    # --- connections (used by the router) --------------------------------------------------------------------

    async def may_open_scene(self, principal: Principal, scene_id: str) -> bool:
        return self._scene_access is None or await self._scene_access(principal, scene_id)

    def join(self, socket: Socket, *, principal: Principal, user_id: str, scene_id: str | None) -> Connection:
        room = scene_room(scene_id) if scene_id is not None else user_room(principal.user_id)
        connection = Connection(
            socket,
            principal=principal,
            user_id=user_id,
            scene_id=scene_id,
            room=room,
            queue_size=self._queue_size,
            now=self._clock.now(),
            on_stop=self._leave,
            inbound=TokenBucket(*self._message_rate, asyncio.get_running_loop().time()),
        )
        self._rooms.setdefault(room, set()).add(connection)
        return connection

    def serve(self, connection: Connection) -> Awaitable[None]:
        """Read the connection's frames until it ends (to be awaited in its own task)."""
        return connection.serve(self._on_frame)  # returned, not awaited: one coroutine frame less per socket

    def send(self, connection: Connection, event: dict[str, Any]) -> bool:
        return connection.offer(dumps(event))

    def _leave(self, connection: Connection) -> None:
        members = self._rooms.get(connection.room)
        if members is not None:
            members.discard(connection)
            if not members:
                del self._rooms[connection.room]
                self._presence.pop(connection.room, None)

    # --- client frames ---------------------------------------------------------------------------------------

    async def _on_frame(self, connection: Connection, frame: str | bytes) -> None:
        if connection.closing:
            return  # a close is on its way: nothing more is read from this client
        if not connection.within_budget(connection.last_seen_mono):
            self._refuse_flood(connection, "消息发送过于频繁", "message rate limit exceeded")
            return
        if _size(frame, self.max_message_bytes) > self.max_message_bytes:
            self._error(connection, WsErrorCode.MESSAGE_TOO_LARGE, "消息过大", {"limit": self.max_message_bytes})
            connection.close_soon(CLOSE_MESSAGE_TOO_BIG, "message too big")
            return
        try:
            message = parse_client_message(frame)
        except MessageError as exc:
            self._error(connection, exc.code, exc.message, exc.details)
            return
        if isinstance(message, Ping):
            self.send(connection, pong_message(self._clock.now()))
        elif isinstance(message, UserStatusUpdate):
            if not self._presence_bucket(connection.room).take(connection.last_seen_mono):
                self._refuse_flood(connection, "状态更新过于频繁", "presence rate limit exceeded")
                return
            scene = connection.scene_id or STATUS_ROOM
            await self.publish_room(
                connection.room, presence_message(connection.user_id, scene, message, self._clock.now())
            )
        elif (handler := self._handlers.get(message.type)) is None:
            self._error(connection, WsErrorCode.NOT_AVAILABLE, "功能暂不可用", {"type": message.type})
        elif connection.pending_handlers >= MAX_PENDING_HANDLERS:
            self._error(connection, WsErrorCode.BUSY, "请求过于频繁，请等待上一条消息处理完成")
        else:
            connection.pending_handlers += 1
            self._spawn(self._handle(connection, handler, message))

    async def _handle(self, connection: Connection, handler: MessageHandler, message: ClientMessage) -> None:
        context = SocketContext(connection.principal, connection.user_id, connection.scene_id, self, connection)
        try:
            await handler(context, message)
        except AppError as exc:
            self._error(connection, exc.code, exc.message, exc.details)
        except Exception:
            log.exception("handler for %s failed (%s in %s)", message.type, connection.user_id, connection.room)
            self._error(connection, WsErrorCode.HANDLER_FAILED, "处理消息时出错")
        finally:
            connection.pending_handlers -= 1

    def _presence_bucket(self, room: str) -> TokenBucket:
        bucket = self._presence.get(room)
        if bucket is None:
            bucket = self._presence[room] = TokenBucket(*self._presence_rate, asyncio.get_running_loop().time())
        return bucket

    def _refuse_flood(self, connection: Connection, message: str, reason: str) -> None:
        """Over a budget: a coded error, then a policy-violation close once it is sent."""
        self._error(connection, WsErrorCode.RATE_LIMITED, message)
        connection.close_soon(CLOSE_POLICY_VIOLATION, reason)

    def _error(self, connection: Connection, code: str, message: str, details: Any = None) -> None:
        self.send(connection, error_message(code, message, self._clock.now(), details))

    # --- upkeep ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the periodic heartbeat (to status sockets, as the reference does), cleanup and, with several
        workers, the posting of this worker's connections on the status board."""
        self._spawn(_every(self._heartbeat_seconds, self._heartbeat))
        self._spawn(_every(self._cleanup_seconds, self.cleanup))
        if self._board.distributed:
            self._spawn(_every(self._status_refresh, self._post_status, first_at_once=True))

    async def _post_status(self) -> None:
        await self._board.post(self._worker_id, self._snapshot(), 3 * self._status_refresh)

    async def _heartbeat(self) -> None:
        payload = dumps(heartbeat_message(self._clock.now()))
        for room in [room for room in self._rooms if room.startswith("user:")]:
            self.deliver(room, payload)

    async def cleanup(self) -> int:
        """Drop sockets that have stopped taking messages for longer than the ping timeout; returns how many."""
        now = asyncio.get_running_loop().time()
        dropped = 0
        for connection in [c for members in self._rooms.values() for c in members]:
            stuck_since = connection.sending_since
            if stuck_since is not None and now - stuck_since > self.ping_timeout_seconds:
                connection.abort(CLOSE_TRY_AGAIN_LATER, "the client stopped reading")  # it leaves its room
                dropped += 1
        return dropped

    async def aclose(self) -> None:
        """At shutdown: stop upkeep and handlers, close whatever sockets are left."""
        for members in list(self._rooms.values()):
            for connection in tuple(members):
                connection.abort(CLOSE_GOING_AWAY, "server shutting down")
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- status ----------------------------------------------------------------------------------------------

    def _snapshot(self) -> list[list[Any]]:
        """This worker's connections: [room, user_id, scene_id, account id, authenticated, connected_at, last_ping]."""
        return [
            [
                room,
                c.user_id,
                c.scene_id,
                c.principal.user_id,
                c.principal.authenticated,
                rfc3339(c.connected_at),
                rfc3339(c.last_seen),
            ]
            for room, members in self._rooms.items()
            for c in members
        ]

    async def status(self, viewer: Principal) -> dict[str, Any]:
        """`GET /api/ws/status` in the reference's shape, over every worker of the cluster.

        Admins see every room and who is in it. Anyone else sees the totals, and only the rooms they have a socket
        in, with their counts but no user ids (the reference showed every connected user id to anyone).
        """
        connections = self._snapshot()
        for other in await self._board.others(self._worker_id):
            connections.extend(other)  # type: ignore[arg-type]
        rooms: dict[str, list[list[Any]]] = {}
        for connection in connections:
            rooms.setdefault(connection[0], []).append(connection)
        scenes: dict[str, dict[str, Any]] = {}
        for room, members in rooms.items():
            if not viewer.is_admin and not any(
                account == viewer.user_id and authenticated == viewer.authenticated
                for _, _, _, account, authenticated, _, _ in members
            ):
                continue
            key = STATUS_ROOM if room.startswith("user:") else room.removeprefix("scene:")
            entry = scenes.setdefault(key, {"client_count": 0, "users": []})
            entry["client_count"] += len(members)
            if viewer.is_admin:
                entry["users"].extend(
                    {"user_id": user_id, "scene_id": scene_id or STATUS_ROOM, "connected_at": at, "last_ping": ping}
                    for _, user_id, scene_id, _, _, at, ping in members
                )
        return {
            "total_scenes": sum(1 for room in rooms if room.startswith("scene:")),
            "total_connections": len(connections),
            "scenes": scenes,
            "ping_timeout_seconds": _number(self.ping_timeout_seconds),
            "timestamp": rfc3339(self._clock.now()),
        }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _size(frame: str | bytes, limit: int) -> int:
    """The frame's size in bytes (a str longer than the limit in characters is too large whatever its encoding)."""
    if isinstance(frame, bytes) or len(frame) > limit:
        return len(frame)
    return len(frame.encode())


async def _every(seconds: float, action: Callable[[], Awaitable[Any]], *, first_at_once: bool = False) -> None:
    if first_at_once:
        await asyncio.sleep(0)
    else:
        await asyncio.sleep(seconds)
    while True:
        try:
            await action()
        except Exception:
            log.exception("periodic %s failed", getattr(action, "__name__", action))
        await asyncio.sleep(seconds)

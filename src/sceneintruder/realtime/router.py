"""`/ws/scene/:id`, `/ws/user/status` (reference spec §5c), `GET /api/ws/status`, `POST /api/ws/cleanup` (§8).

Identity: a token from `?token=` (a browser cannot set headers on a WebSocket) or the Authorization header,
resolved like every HTTP request's; a bad token closes the socket with 1008, never a silent fall back to guest.
Without a token: the guest `console_user` when ALLOW_GUEST is on. Only guests may name themselves with `?user_id=`
(the name others see; default "anonymous"); a signed-in user is always their account.

Origin: a browser page may connect from an allowed origin (as for CORS) or from this server's own host (the
reference only accepted `http://<Host>`, which broke behind TLS proxies). Other origins are refused before the
handshake completes (HTTP 403); clients that send no Origin are not browsers and pass.

Refusals after the handshake (bad token, guests not allowed, unknown scene) close with 1008 and a reason.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_plus, urlsplit

from fastapi import APIRouter, WebSocket

from sceneintruder.core.errors import Unauthorized
from sceneintruder.core.ids import is_valid_id
from sceneintruder.core.principal import Principal
from sceneintruder.core.settings import Settings
from sceneintruder.realtime.connection import CLOSE_POLICY_VIOLATION
from sceneintruder.realtime.dependencies import HubDep
from sceneintruder.realtime.hub import Hub
from sceneintruder.realtime.messages import connected_message, status_connected_message
from sceneintruder.realtime.schemas import WsStatus
from sceneintruder.web.client import bearer_token, header
from sceneintruder.web.dependencies import AdminDep, PrincipalDep, app_state, resolve_token
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, ok
from sceneintruder.web.middleware import origin_allowed

router = APIRouter(prefix="/ws", tags=["realtime"])  # mounted under /api

GUEST_DEFAULT_NAME = "anonymous"


class _StarletteSocket:
    """Starlette's WebSocket as the `Socket` the hub's connections use (sends go straight to its methods)."""

    __slots__ = ("_websocket", "close", "send_text")

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self.send_text = websocket.send_text
        self.close = websocket.close

    async def receive(self) -> str | bytes | None:
        message = await self._websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        return text if text is not None else message.get("bytes") or b""


async def scene_socket(websocket: WebSocket) -> None:
    hub = app_state(websocket).components.get(Hub)
    scene_id: str = websocket.path_params["scene_id"]
    admitted = await _admit(websocket)
    if admitted is None:
        return
    principal, name = admitted
    if not is_valid_id(scene_id) or not await hub.may_open_scene(principal, scene_id):
        await _refuse(websocket, "scene not found")
        return
    await websocket.accept()
    connection = hub.join(_StarletteSocket(websocket), principal=principal, user_id=name, scene_id=scene_id)
    hub.send(connection, connected_message(scene_id, name, connection.connected_at))
    await hub.serve(connection)


async def user_status_socket(websocket: WebSocket) -> None:
    hub = app_state(websocket).components.get(Hub)
    admitted = await _admit(websocket)
    if admitted is None:
        return
    principal, name = admitted
    await websocket.accept()
    connection = hub.join(_StarletteSocket(websocket), principal=principal, user_id=name, scene_id=None)
    hub.send(connection, status_connected_message(name, connection.connected_at))
    await hub.serve(connection)


# Mounted at the root, as the reference does. Plain Starlette routes: a socket lives for hours, and FastAPI's
# dependency machinery would keep its exit stacks and frames (several KiB) alive for each one.
ws_router = APIRouter()
ws_router.add_websocket_route("/ws/scene/{scene_id}", scene_socket)
ws_router.add_websocket_route("/ws/user/status", user_status_socket)


@router.get("/status", response_model=Envelope[WsStatus])
async def ws_status(hub: HubDep, principal: PrincipalDep) -> EnvelopeResponse:
    return ok(await hub.status(principal), "WebSocket status retrieved successfully")


@router.post("/cleanup", response_model=Envelope[None])
async def ws_cleanup(hub: HubDep, _: AdminDep) -> EnvelopeResponse:
    await hub.cleanup()
    return ok(None, "Connection cleanup executed")


async def _admit(websocket: WebSocket) -> tuple[Principal, str] | None:
    """Who is connecting, and the name others will see; None when the socket has been refused.

    Headers and query are read from the scope, not through `websocket.headers` / `.query_params`, which would
    stay cached on the WebSocket for the whole life of the connection.
    """
    settings = app_state(websocket).settings
    scope = websocket.scope
    origin = header(scope, b"origin")
    if origin and not _origin_ok(origin, header(scope, b"host") or "", settings):
        await websocket.close(CLOSE_POLICY_VIOLATION)  # before accept: the handshake is answered 403
        return None
    raw_query: bytes = scope.get("query_string", b"")
    query = dict(parse_qsl(raw_query.decode("latin-1")))
    token = _query_token(raw_query)
    if token is None:
        token = bearer_token(scope)
    if token is not None:  # present, even if empty or malformed: it must check out
        try:
            principal = await resolve_token(websocket, token)
        except Unauthorized:
            await _refuse(websocket, "invalid or expired token")
            return None
        return principal, principal.user_id
    if not settings.allow_guest:
        await _refuse(websocket, "authentication required")
        return None
    name = query.get("user_id") or GUEST_DEFAULT_NAME
    if not is_valid_id(name) or len(name) > 64:
        await _refuse(websocket, "invalid user_id")
        return None
    return Principal.guest(), name


def _query_token(raw_query: bytes) -> str | None:
    """The `token` query parameter, with its name spelled exactly so: `%74oken=` is not read as a token (nor let
    through the log redaction that looks for `token=`)."""
    for part in raw_query.split(b"&"):
        name, equals, value = part.partition(b"=")
        if name == b"token" and equals:
            return unquote_plus(value.decode("latin-1"))
    return None


async def _refuse(websocket: WebSocket, reason: str) -> None:
    await websocket.accept()
    await websocket.close(CLOSE_POLICY_VIOLATION, reason)


def _origin_ok(origin: str, host: str, settings: Settings) -> bool:
    return origin_allowed(origin.rstrip("/"), frozenset(settings.origin_list)) or urlsplit(origin).netloc == host

"""`/api/chat`, `/api/interactions/...`, swipes under `/api/scenes/:id/conversations/:message_id/...`, and
`/api/scenes/:id/export/interactions`. Every route parses, depends, calls one service function and wraps the
envelope (or the event stream).

Streaming: `POST /api/chat` (and regenerate / edit) with `"stream": true` or `Accept: text/event-stream`
answers with Server-Sent Events: `event: delta` `{"delta"}` as the model writes, then `event: done` with the
stored messages, or `event: error` `{code, message, details?}` (then nothing was stored). Problems found
before the model is asked (unknown scene or character, bad body, no provider) are ordinary JSON errors.

No route here holds a database session while a model works: the services open short sessions themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sceneintruder.chat import service
from sceneintruder.chat.dependencies import ChatRuntimeDep
from sceneintruder.chat.schemas import (
    AggregateRead,
    AggregateRequest,
    AlternativesList,
    CharacterInteractionRead,
    ChatRead,
    ChatRequest,
    DialogueRead,
    EditedRead,
    EditedUserMessageRead,
    EditRequest,
    EmotionRead,
    RegeneratedRead,
    RegenerateRequest,
    SimulateRequest,
    TriggerRequest,
)
from sceneintruder.core.exporting import ExportResult
from sceneintruder.scenes.schemas import ConversationRead
from sceneintruder.web.dependencies import ItemId, PrincipalDep, SceneId, SessionDep
from sceneintruder.web.downloads import DOWNLOAD_RESPONSES, export_response, parse_export_format
from sceneintruder.web.envelope import Envelope, EnvelopeResponse, created, ok
from sceneintruder.web.event_stream import EventStream, json_event
from sceneintruder.web.pagination import Page, page_meta

router = APIRouter(tags=["chat"])

Limit = Annotated[int, Query(ge=1, le=500)]
_SSE_HEADERS = {"Cache-Control": "no-cache"}
STREAMED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "With `stream: true` (or `Accept: text/event-stream`): `delta` events, then `done` or `error`",
        "content": {"text/event-stream": {}},
    }
}


def _wants_stream(request: Request, asked: bool) -> bool:
    return asked or "text/event-stream" in request.headers.get("accept", "")


def _event_stream(pending: service.PendingReply) -> EventStream:
    pending.ensure_ready()

    async def events() -> AsyncIterator[bytes]:
        async for name, payload in pending.events():
            yield json_event(name, payload)

    return EventStream(events(), headers=_SSE_HEADERS)


# --- chat --------------------------------------------------------------------------------------------------------


@router.post("/chat", response_model=Envelope[ChatRead], responses=STREAMED)
async def chat(
    body: ChatRequest, request: Request, principal: PrincipalDep, runtime: ChatRuntimeDep
) -> EnvelopeResponse | EventStream:
    """`{character, response}` (+ message ids); or, streamed, SSE `delta`... then `done`."""
    pending = await service.chat_reply(runtime, principal=principal, request=body)
    if _wants_stream(request, body.stream):
        return _event_stream(pending)
    return ok(await pending.complete(), "对话成功")


@router.post("/chat/emotion", response_model=Envelope[EmotionRead])
async def chat_emotion(body: ChatRequest, principal: PrincipalDep, runtime: ChatRuntimeDep) -> EnvelopeResponse:
    return ok(await service.chat_emotion(runtime, principal=principal, request=body), "情感对话成功")


# --- swipes: alternatives, regenerate, edit, choose ----------------------------------------------------------------


@router.get("/scenes/{scene_id}/conversations/{message_id}/alternatives", response_model=Envelope[AlternativesList])
async def list_alternatives(
    scene_id: SceneId, message_id: ItemId, principal: PrincipalDep, runtime: ChatRuntimeDep
) -> EnvelopeResponse:
    """`{message_id, selected_id, alternatives: [message + {active, selected}]}`, oldest first."""
    result = await service.list_alternatives(runtime, principal=principal, scene_id=scene_id, message_id=message_id)
    return ok(result, "获取候选消息成功")


@router.post("/scenes/{scene_id}/conversations/{message_id}/activate", response_model=Envelope[AlternativesList])
async def activate_alternative(
    scene_id: SceneId, message_id: ItemId, principal: PrincipalDep, runtime: ChatRuntimeDep
) -> EnvelopeResponse:
    """Make this message (and the branch it leads) the active path; answers like `.../alternatives`."""
    result = await service.choose(runtime, principal=principal, scene_id=scene_id, message_id=message_id)
    return ok(result, "已切换到该消息")


@router.post(
    "/scenes/{scene_id}/conversations/{message_id}/regenerate",
    status_code=201,
    response_model=Envelope[RegeneratedRead],
    responses=STREAMED,
)
async def regenerate(
    scene_id: SceneId,
    message_id: ItemId,
    request: Request,
    principal: PrincipalDep,
    runtime: ChatRuntimeDep,
    body: RegenerateRequest | None = None,
) -> EnvelopeResponse | EventStream:
    """A new alternative reply, chosen at once: 201 `{character, response, character_id, message}`."""
    body = body or RegenerateRequest()
    pending = await service.regenerate(
        runtime, principal=principal, scene_id=scene_id, message_id=message_id, character_id=body.character_id
    )
    if _wants_stream(request, body.stream):
        return _event_stream(pending)
    return created(await pending.complete(), "已重新生成回应")


@router.post(
    "/scenes/{scene_id}/conversations/{message_id}/edit",
    status_code=201,
    response_model=Envelope[EditedRead | EditedUserMessageRead],
    responses=STREAMED,
)
async def edit_message(
    scene_id: SceneId,
    message_id: ItemId,
    body: EditRequest,
    request: Request,
    principal: PrincipalDep,
    runtime: ChatRuntimeDep,
) -> EnvelopeResponse | EventStream:
    """A user message rewritten as a new branch (the original stays): 201 `{message, reply?}`."""
    edited = await service.edit(runtime, principal=principal, scene_id=scene_id, message_id=message_id, request=body)
    if not isinstance(edited, service.PendingReply):
        return created(edited, "消息已编辑")
    if _wants_stream(request, body.stream):
        return _event_stream(edited)
    return created(await edited.complete(), "消息已编辑")


# --- interactions ------------------------------------------------------------------------------------------------


@router.post("/interactions/trigger", response_model=Envelope[CharacterInteractionRead])
async def trigger_interaction(
    body: TriggerRequest, principal: PrincipalDep, runtime: ChatRuntimeDep
) -> EnvelopeResponse:
    return ok(await service.trigger(runtime, principal=principal, request=body), "角色互动触发成功")


@router.post("/interactions/simulate", response_model=Envelope[list[DialogueRead]])
async def simulate_conversation(
    body: SimulateRequest, principal: PrincipalDep, runtime: ChatRuntimeDep
) -> EnvelopeResponse:
    """`data` is the reference's dialogue array; the simulation id is in `meta.simulation_id` and the
    `X-Simulation-ID` header."""
    simulation_id, dialogues = await service.simulate(runtime, principal=principal, request=body)
    response = ok(dialogues, "对话模拟成功", meta={"simulation_id": simulation_id, "lines": len(dialogues)})
    response.headers["X-Simulation-ID"] = simulation_id
    return response


@router.post("/interactions/aggregate", response_model=Envelope[AggregateRead])
async def aggregate_interaction(
    body: AggregateRequest, principal: PrincipalDep, runtime: ChatRuntimeDep
) -> EnvelopeResponse:
    return ok(await service.aggregate(runtime, principal=principal, request=body), "交互处理成功")


@router.get("/interactions/{scene_id}", response_model=Envelope[list[ConversationRead]])
async def interaction_history(
    scene_id: SceneId,
    principal: PrincipalDep,
    runtime: ChatRuntimeDep,
    interaction_id: Annotated[str | None, Query(max_length=128)] = None,
    simulation_id: Annotated[str | None, Query(max_length=128)] = None,
    character_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 20,
    page: Page = 1,
    paginated: bool = False,
) -> EnvelopeResponse:
    messages, total = await service.history(
        runtime,
        principal=principal,
        scene_id=scene_id,
        limit=limit,
        page=page,
        interaction_id=interaction_id,
        simulation_id=simulation_id,
        character_id=character_id,
    )
    meta = page_meta(page, limit, total) if paginated else None
    return ok(messages, "获取互动历史成功", meta=meta)


@router.get("/interactions/{scene_id}/{character1_id}/{character2_id}", response_model=Envelope[list[ConversationRead]])
async def interactions_between(
    scene_id: SceneId,
    character1_id: ItemId,
    character2_id: ItemId,
    principal: PrincipalDep,
    runtime: ChatRuntimeDep,
    limit: Limit = 20,
    page: Page = 1,
    paginated: bool = False,
) -> EnvelopeResponse:
    messages, total = await service.between(
        runtime,
        principal=principal,
        scene_id=scene_id,
        first_id=character1_id,
        second_id=character2_id,
        limit=limit,
        page=page,
    )
    meta = page_meta(page, limit, total) if paginated else None
    return ok(messages, "获取角色互动记录成功" if total else "暂无互动记录", meta=meta)


@router.get(
    "/scenes/{scene_id}/export/interactions", response_model=Envelope[ExportResult], responses=DOWNLOAD_RESPONSES
)
async def export_interactions(
    scene_id: SceneId, principal: PrincipalDep, session: SessionDep, format: str = "json"
) -> Response:
    exported = await service.export_interactions(
        session, principal=principal, scene_id=scene_id, fmt=parse_export_format(format)
    )
    return export_response(exported)

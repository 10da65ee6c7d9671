"""Chat with a character, its emotions, and swipes: regenerate a reply, edit a user message, choose a branch.

Framework-free. Each step loads what it needs in a short reader session, asks the model with no session open,
and stores what the model said in one writer transaction under the scene's lock (see `turns`). Every stored
reply is announced to the scene's room as `conversation:new`, whichever way it was asked for (HTTP, SSE or
WebSocket). Characters must belong to the scene (404 CHARACTER_NOT_FOUND), the scene to the caller (404
SCENE_NOT_FOUND).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.chat import export, offline, prompts, socket, turns
from sceneintruder.chat.aggregate import aggregate as aggregate
from sceneintruder.chat.context import USER_SPEAKERS, BookCache, CastCache
from sceneintruder.chat.interactions import between as between
from sceneintruder.chat.interactions import history as history
from sceneintruder.chat.interactions import simulate as simulate
from sceneintruder.chat.interactions import trigger as trigger
from sceneintruder.chat.replying import PendingReply as PendingReply
from sceneintruder.chat.room_events import conversation_branch
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.schemas import (
    AlternativeRead,
    AlternativesList,
    ChatRead,
    ChatRequest,
    EditedRead,
    EditedUserMessageRead,
    EditRequest,
    EmotionRead,
    RegeneratedRead,
)
from sceneintruder.chat.turns import EMOTION_KEYS, Placement, PreparedReply, StoredReply
from sceneintruder.chat.turns import prepare_chat as prepare_chat
from sceneintruder.core.cache import TTLCache
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.exporting import Exported, ExportFormat
from sceneintruder.core.principal import Principal
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.events import SceneDeleted, SceneReanalysed
from sceneintruder.scenes.schemas import AlternativesRead, CharacterRead, ConversationRead
from sceneintruder.web.state import AppState

_PER_REPLY_KEYS = frozenset(
    {*EMOTION_KEYS, "tokens_used", "regenerated_from", "action", "conversation_type", "provider", "model", "offline"}
)


# --- chat and emotion ------------------------------------------------------------------------------------------


async def chat(runtime: ChatRuntime, *, principal: Principal, request: ChatRequest) -> ChatRead:
    prepared = await prepare_chat(runtime, principal=principal, request=request)
    generated = await turns.generate(runtime, prepared)
    return chat_read(prepared.character, await turns.store(runtime, prepared, generated))


async def chat_emotion(runtime: ChatRuntime, *, principal: Principal, request: ChatRequest) -> EmotionRead:
    prepared = await prepare_chat(runtime, principal=principal, request=request, emotion=True)
    generated = await turns.generate(runtime, prepared)
    stored = await turns.store(runtime, prepared, generated)
    emotion = generated.emotion
    assert emotion is not None  # an emotion reply is structured
    return EmotionRead(
        character_id=prepared.character.id,
        character_name=prepared.character.name,
        response=generated.text,
        emotion=emotion.emotion,
        intensity=emotion.intensity,
        body_language=emotion.body_language,
        facial_expression=emotion.facial_expression,
        voice_tone=emotion.voice_tone,
        secondary_emotions=list(emotion.secondary_emotions),
        timestamp=stored.reply.timestamp,
        tokens_used=generated.tokens_used,
        message_id=stored.reply.id,
        user_message_id=stored.user_message.id if stored.user_message else None,
        **generated.made_by.wire(),
    )


def chat_read(character: CharacterRead, stored: StoredReply) -> ChatRead:
    return ChatRead(
        character=character.name,
        response=stored.reply.content,
        character_id=character.id,
        message_id=stored.reply.id,
        user_message_id=stored.user_message.id if stored.user_message else None,
        **stored.made_by.wire(),
    )


def done_payload(prepared: PreparedReply, stored: StoredReply) -> dict[str, Any]:
    """What a finished stream reports: the chat answer's keys and the stored messages."""
    payload: dict[str, Any] = {
        "character": prepared.character.name,
        "response": stored.reply.content,
        "character_id": prepared.character.id,
        "message_id": stored.reply.id,
        "message": stored.reply,
        **stored.made_by.wire(),
    }
    if stored.user_message is not None:
        payload["user_message_id"] = stored.user_message.id
        payload["user_message"] = stored.user_message
    return payload


# --- swipes: regenerate, edit, choose ----------------------------------------------------------------------------


def _own_metadata(message: ConversationRead) -> dict[str, Any]:
    """What an alternative of `message` inherits (its exchange, node...), without what belongs to one reply."""
    return {key: value for key, value in message.metadata.items() if key not in _PER_REPLY_KEYS}


async def prepare_regenerate(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str, character_id: str | None = None
) -> PreparedReply:
    """A new reply for the message `message_id`.

    A character's message gets an alternative (the same character, unless `character_id` says otherwise,
    answering the same line again); a user message gets a new reply, as an alternative of the one it has.
    Narration and console lines cannot be regenerated here (400).
    """
    async with runtime.db.reader() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        target = await scenes_service.get_message(session, scene_id=scene_id, message_id=message_id)
        if target.read.speaker_id in USER_SPEAKERS:
            anchor = target
            kids = await scenes_service.children(session, scene_id=scene_id, parent_id=target.id)
            replies = [kid for kid in kids if kid.selected and kid.read.speaker_id not in USER_SPEAKERS]
            replaced = replies[-1] if replies else None
        else:
            if target.parent_id is None:
                raise BadRequest("这条消息没有可回应的上文，无法重新生成", details=message_id)
            anchor = await scenes_service.get_message(session, scene_id=scene_id, message_id=target.parent_id)
            replaced = target
        existing = (
            await scenes_service.alternatives(session, scene_id=scene_id, message_id=replaced.id) if replaced else []
        )
    context = await runtime.context(principal, scene_id, up_to_id=anchor.parent_id, from_tip=False)
    cast_ids = {character.id for character in context.cast}
    if replaced is not None and replaced.read.speaker_id not in cast_ids:
        raise BadRequest("只能重新生成角色的回应或为用户消息生成回应", details=message_id)
    speaker = character_id or (replaced.read.speaker_id if replaced else None)
    if speaker is None:
        raise BadRequest("这条消息还没有回应，请用 character_id 指定回应的角色", details=message_id)
    character = context.character(speaker)
    last_turn = (
        None
        if anchor.read.speaker_id in USER_SPEAKERS
        else prompts.attributed_turns([anchor.read], character, context)[0]
    )
    placement = (
        Placement("alternative", replaced_id=replaced.id)
        if replaced is not None
        else Placement("reply", anchor_id=anchor.id)
    )
    return turns.prepare(
        principal,
        context,
        character,
        anchor.read.content,
        placement,
        last_turn=last_turn,
        emotion=replaced is not None and "emotion" in replaced.read.metadata,
        conversation_type=replaced.read.conversation_type if replaced else "",
        metadata=_own_metadata(replaced.read) if replaced else {},
        variation=len(existing),
    )


async def prepare_edit(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str, request: EditRequest
) -> PreparedReply | None:
    """The reply to an edited user message, or None when no one is to answer it (then `fork` stores the edit)."""
    async with runtime.db.reader() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        target = await scenes_service.get_message(session, scene_id=scene_id, message_id=message_id)
        if target.read.speaker_id not in USER_SPEAKERS:
            raise BadRequest("只能编辑用户的消息", details=message_id)
        kids = await scenes_service.children(session, scene_id=scene_id, parent_id=target.id)
    answered_by = [kid.read.speaker_id for kid in kids if kid.selected and kid.read.speaker_id not in USER_SPEAKERS]
    speaker = request.character_id or (answered_by[-1] if answered_by else None)
    context = await runtime.context(principal, scene_id, up_to_id=target.parent_id, from_tip=False)
    if request.character_id:
        context.character(request.character_id)  # 404 for a character of another scene, even without a reply
    if not request.reply or speaker is None:
        return None
    placement = Placement("edit", user_line=request.content, anchor_id=target.id)
    return turns.prepare(
        principal,
        context,
        context.character(speaker),
        request.content,
        placement,
        conversation_type=target.read.conversation_type,
    )


async def fork(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str, content: str
) -> ConversationRead:
    """Store an edited user message with no reply: the new version becomes the active branch."""
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        edited = await turns.fork_user_line(session, scene_id, message_id, content, principal)
        await session.commit()
    await runtime.publish(scene_id, conversation_branch(scene_id, edited.id))
    return edited


def regenerated_read(prepared: PreparedReply, stored: StoredReply) -> RegeneratedRead:
    return RegeneratedRead(
        character=prepared.character.name,
        response=stored.reply.content,
        character_id=prepared.character.id,
        message=stored.reply,
        **stored.made_by.wire(),
    )


def edited_read(prepared: PreparedReply, stored: StoredReply) -> EditedRead:
    assert stored.user_message is not None  # an edit always stores the new user message
    return EditedRead(message=stored.user_message, reply=regenerated_read(prepared, stored))


async def list_alternatives(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str
) -> AlternativesList:
    async with runtime.db.reader() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        nodes = await scenes_service.alternatives(session, scene_id=scene_id, message_id=message_id)
    return _alternatives_list(message_id, nodes)


async def choose(runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str) -> AlternativesList:
    """Make `message_id` (and the branch it leads) the active path; announced as `conversation:branch`."""
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        await scenes_service.choose(session, scene_id=scene_id, message_id=message_id, commit=False)
        nodes = await scenes_service.alternatives(session, scene_id=scene_id, message_id=message_id)
        await session.commit()
    await runtime.publish(scene_id, conversation_branch(scene_id, message_id))
    return _alternatives_list(message_id, nodes)


def _alternatives_list(message_id: str, nodes: list[scenes_service.MessageNode]) -> AlternativesList:
    ids = [node.id for node in nodes]
    reads = [
        AlternativeRead(
            **node.read.model_dump(exclude={"alternatives"}),
            alternatives=None,
            active=node.active and not node.hidden,
            selected=node.selected,
        )
        for node in nodes
    ]
    for index, read in enumerate(reads):
        if len(ids) > 1:
            read.alternatives = AlternativesRead(count=len(ids), index=index, ids=ids)
    selected = next((node.id for node in nodes if node.selected), None)
    return AlternativesList(message_id=message_id, selected_id=selected, alternatives=reads)


# --- start-up -----------------------------------------------------------------------------------------------------


def install(state: AppState) -> ChatRuntime:
    """The chat domain, built once: its offline skills, its runtime, the `character_interaction` handler of the
    scene rooms, and the cast cache following its scenes."""
    offline.register(state.llm)
    hub = state.components.get(Hub)
    casts: CastCache = TTLCache(max_entries=1_000, ttl_seconds=state.settings.read_cache_ttl_seconds)
    state.coherence.share("chat_casts", casts)
    books: BookCache = TTLCache(max_entries=16, ttl_seconds=state.settings.read_cache_ttl_seconds * 30)
    runtime = ChatRuntime(
        db=state.db,
        llm=state.llm,
        locks=state.scene_locks,
        publish=hub.publish,
        history_limit=state.settings.chat_history_messages,
        casts=casts,
        books=books,
    )
    hub.register_handler("character_interaction", socket.interaction_handler(runtime))

    async def forget_cast(event: SceneDeleted | SceneReanalysed) -> None:
        casts.invalidate(event.scene_id)

    async def forget_book(event: SceneDeleted) -> None:
        books.invalidate(event.scene_id)

    state.events.subscribe(SceneDeleted, forget_cast)
    state.events.subscribe(SceneDeleted, forget_book)
    state.events.subscribe(SceneReanalysed, forget_cast)
    return runtime


# --- what the routes call ----------------------------------------------------------------------------------------


async def chat_reply(runtime: ChatRuntime, *, principal: Principal, request: ChatRequest) -> PendingReply:
    """`POST /api/chat`: `{character, response}` (+ message ids), or streamed with the stored messages at the end."""
    prepared = await prepare_chat(runtime, principal=principal, request=request)
    return PendingReply(
        runtime, prepared, lambda stored: chat_read(prepared.character, stored), lambda s: done_payload(prepared, s)
    )


async def regenerate(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str, character_id: str | None
) -> PendingReply:
    prepared = await prepare_regenerate(
        runtime, principal=principal, scene_id=scene_id, message_id=message_id, character_id=character_id
    )
    answer = functools.partial(regenerated_read, prepared)
    return PendingReply(runtime, prepared, answer, answer)


async def edit(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, message_id: str, request: EditRequest
) -> PendingReply | EditedUserMessageRead:
    """A user message rewritten as a new branch (the original stays), with a reply to come, or alone."""
    prepared = await prepare_edit(
        runtime, principal=principal, scene_id=scene_id, message_id=message_id, request=request
    )
    if prepared is None:
        edited = await fork(
            runtime, principal=principal, scene_id=scene_id, message_id=message_id, content=request.content
        )
        return {"message": edited}
    answer = functools.partial(edited_read, prepared)
    return PendingReply(runtime, prepared, answer, answer)


async def export_interactions(
    session: AsyncSession, *, principal: Principal, scene_id: str, fmt: ExportFormat
) -> Exported:
    return export.interactions_export(await export.load(session, principal=principal, scene_id=scene_id), fmt)

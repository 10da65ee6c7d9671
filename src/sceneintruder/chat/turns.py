"""One character reply, from prompt to stored message: generated whole or streamed, then stored once.

A reply is prepared (context loaded, prompt built, where it goes in the message tree decided) with no
transaction open; the model is asked with no session held; only then is everything stored in one short writer
transaction under the scene's lock: the user's line (if any) and the reply together, so a failed or cut reply
leaves nothing behind, and concurrent chats never write a message twice or lose one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.chat import prompts
from sceneintruder.chat.context import ChatContext
from sceneintruder.chat.llm_schemas import TASK_CHAT_EMOTION, TASK_CHAT_REPLY, EmotionalResponse
from sceneintruder.chat.room_events import conversation_new
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.schemas import ChatRequest
from sceneintruder.core.errors import AppError
from sceneintruder.core.principal import Principal
from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.llm.base import ChatMessage, Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead

CHAT_TEMPERATURE = 0.8
EMOTION_TEMPERATURE = 0.3
REPLY_MAX_TOKENS = 800
USER_SPEAKER = "user"
EMOTION_KEYS = ("emotion", "intensity", "body_language", "facial_expression", "voice_tone", "secondary_emotions")


@dataclass(frozen=True)
class Placement:
    """Where a reply goes in the message tree.

    turn         a new user line (`user_line`) after the active tip, and the reply after it
    alternative  an alternative of `replaced_id` (same parent), chosen at once
    reply        the first reply to the message `anchor_id`
    edit         `user_line` as an alternative of the user message `anchor_id`, and the reply (if any) after it
    """

    kind: Literal["turn", "alternative", "reply", "edit"]
    user_line: str | None = None
    anchor_id: str | None = None
    replaced_id: str | None = None


@dataclass(frozen=True)
class PreparedReply:
    principal: Principal
    context: ChatContext
    character: CharacterRead
    messages: list[ChatMessage]
    inputs: dict[str, Any]
    placement: Placement
    emotion: bool = False  # ask for the reply with its emotional display (EmotionalResponse)
    conversation_type: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)  # stored with the reply

    @property
    def scene_id(self) -> str:
        return self.context.scene.id


@dataclass(frozen=True)
class GeneratedReply:
    text: str
    tokens_used: int  # what the vendor reported; 0 offline (no model ran)
    made_by: Provenance
    emotion: EmotionalResponse | None = None

    def metadata(self) -> dict[str, Any]:
        """Stored with the reply: who made it, and for an emotion reply its display and token count."""
        labels = self.made_by.wire()
        if self.emotion is None:
            return labels
        values = self.emotion.model_dump(include=set(EMOTION_KEYS))
        return {**values, "tokens_used": self.tokens_used, **labels}


@dataclass(frozen=True)
class StoredReply:
    user_message: ConversationRead | None
    reply: ConversationRead
    made_by: Provenance


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Done:
    stored: StoredReply
    generated: GeneratedReply


@dataclass(frozen=True)
class Failed:
    error: AppError


StreamEvent = Delta | Done | Failed


def _call(prepared: PreparedReply) -> CallInfo:
    return CallInfo(TASK_CHAT_EMOTION if prepared.emotion else TASK_CHAT_REPLY, user_id=prepared.principal.user_id)


def _empty_reply(provider: str, model: str) -> ProviderBadResponse:
    return ProviderBadResponse("模型没有给出回应", provider=provider, model=model, vendor_code="empty_reply")


async def generate(runtime: ChatRuntime, prepared: PreparedReply) -> GeneratedReply:
    """The whole reply at once (no session is open while the model works)."""
    if prepared.emotion:
        result = await runtime.llm.complete_structured(
            task=TASK_CHAT_EMOTION,
            schema=EmotionalResponse,
            messages=prepared.messages,
            inputs=prepared.inputs,
            call=_call(prepared),
            sampling=Sampling(temperature=EMOTION_TEMPERATURE),
        )
        text = result.value.response.strip()
        if not text:
            raise _empty_reply(result.completion.provider, result.completion.model)
        made_by = Provenance.of(result.completion)
        return GeneratedReply(text, result.total_usage.total_tokens, made_by, result.value)
    completion = await runtime.llm.complete(
        prepared.messages,
        call=_call(prepared),
        sampling=Sampling(temperature=CHAT_TEMPERATURE, max_tokens=REPLY_MAX_TOKENS),
        inputs=prepared.inputs,
    )
    text = completion.text.strip()
    if not text:
        raise _empty_reply(completion.provider, completion.model)
    return GeneratedReply(text, completion.usage.total_tokens, Provenance.of(completion))


async def stream(
    runtime: ChatRuntime, prepared: PreparedReply, *, stream_id: str | None = None
) -> AsyncIterator[StreamEvent]:
    """Deltas as the model writes, then Done with what was stored, or Failed (and nothing stored).

    A reply asked for with its emotion is structured, so it arrives whole, as one delta. If the consumer stops
    early (a client goes away) the model call is cancelled and nothing is stored.
    """
    try:
        if prepared.emotion:
            generated = await generate(runtime, prepared)
            yield Delta(generated.text)
        else:
            generated = None
            async for piece in _streamed(runtime, prepared):
                if isinstance(piece, Delta):
                    yield piece
                else:
                    generated = piece
        if generated is None:  # _streamed ends with the whole reply or raises
            raise _empty_reply("", "")
        stored = await store(runtime, prepared, generated, stream_id=stream_id)
    except AppError as error:
        yield Failed(error)
        return
    yield Done(stored, generated)


async def _streamed(runtime: ChatRuntime, prepared: PreparedReply) -> AsyncIterator[Delta | GeneratedReply]:
    parts: list[str] = []
    tokens = 0
    provider = model = ""
    async for chunk in runtime.llm.stream(
        prepared.messages,
        call=_call(prepared),
        sampling=Sampling(temperature=CHAT_TEMPERATURE, max_tokens=REPLY_MAX_TOKENS),
        inputs=prepared.inputs,
    ):
        provider, model = chunk.provider or provider, chunk.model or model
        if chunk.delta:
            parts.append(chunk.delta)
            yield Delta(chunk.delta)
        if chunk.done and chunk.usage:
            tokens = chunk.usage.total_tokens
    text = "".join(parts).strip()
    if not text:
        raise _empty_reply(provider, model)
    yield GeneratedReply(text, tokens, Provenance(provider, model))


async def store(
    runtime: ChatRuntime, prepared: PreparedReply, generated: GeneratedReply, *, stream_id: str | None = None
) -> StoredReply:
    """Everything the reply adds to the tree, in one transaction under the scene's lock; then `conversation:new`
    to the scene's room."""
    placement, scene_id = prepared.placement, prepared.scene_id
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        user_message: ConversationRead | None = None
        if placement.kind in ("turn", "reply"):  # new messages only: one read and one INSERT
            drafts = [_reply_draft(prepared, generated)]
            if placement.kind == "turn":
                drafts.insert(0, _user_draft(prepared))
            *line, reply = await scenes_service.append_chain(
                session,
                scene_id=scene_id,
                messages=drafts,
                parent_id=placement.anchor_id,
                follow_tip=placement.kind == "turn",
                principal=prepared.principal,
            )
            user_message = line[0] if line else None
        else:
            await scenes_service.check_owned_scene(session, scene_id=scene_id, principal=prepared.principal)
            parent_id = placement.anchor_id
            if placement.kind == "edit":
                user_message = await fork_user_line(
                    session, scene_id, placement.anchor_id or "", placement.user_line or "", prepared.principal
                )
                parent_id = user_message.id
            reply = await _reply(session, prepared, generated, parent_id)
        await session.commit()
    event = conversation_new(scene_id, prepared.character, reply, user_message, stream_id=stream_id)
    await runtime.publish(scene_id, event)
    return StoredReply(user_message, reply, generated.made_by)


async def fork_user_line(
    session: AsyncSession, scene_id: str, message_id: str, content: str, principal: Principal
) -> ConversationRead:
    """The user's message `message_id` rewritten: a new alternative of it, chosen (the old one and what followed
    it stay, off the active path)."""
    edited = await scenes_service.get_message(session, scene_id=scene_id, message_id=message_id)
    return await scenes_service.add_alternative(
        session,
        of=edited,
        speaker_id=edited.read.speaker_id,
        speaker_name=edited.read.speaker_name,
        content=content,
        user_id=principal.user_id,
        conversation_type=edited.read.conversation_type,
        metadata={**_without_type(edited.read.metadata), "edited_from": edited.id},
        node_id=edited.read.node_id,
        commit=False,
    )


def _user_draft(prepared: PreparedReply) -> scenes_service.NewMessage:
    """The user's new line."""
    return scenes_service.NewMessage(
        speaker_id=USER_SPEAKER,
        speaker_name=prepared.principal.user_id,
        content=prepared.placement.user_line or "",
        user_id=prepared.principal.user_id,
        conversation_type=prepared.conversation_type,
        metadata={"character_id": prepared.character.id},
    )


def _reply_draft(prepared: PreparedReply, generated: GeneratedReply) -> scenes_service.NewMessage:
    character = prepared.character
    return scenes_service.NewMessage(
        speaker_id=character.id,
        speaker_name=character.name,
        content=generated.text,
        user_id=prepared.principal.user_id,
        conversation_type=prepared.conversation_type,
        metadata={**prepared.metadata, **generated.metadata()},
    )


def _without_type(metadata: dict[str, Any]) -> dict[str, Any]:
    """A message's metadata as stored (the wire shape repeats `conversation_type` in it)."""
    return {key: value for key, value in metadata.items() if key != "conversation_type"}


async def _reply(
    session: AsyncSession, prepared: PreparedReply, generated: GeneratedReply, parent_id: str | None
) -> ConversationRead:
    """The reply as an alternative of the one it replaces, or after `parent_id` (an edited user line)."""
    if prepared.placement.kind != "alternative":
        (reply,) = await scenes_service.append_chain(
            session,
            scene_id=prepared.scene_id,
            messages=[_reply_draft(prepared, generated)],
            parent_id=parent_id,
            follow_tip=False,
        )
        return reply
    character = prepared.character
    replaced = await scenes_service.get_message(
        session, scene_id=prepared.scene_id, message_id=prepared.placement.replaced_id or ""
    )
    return await scenes_service.add_alternative(
        session,
        of=replaced,
        speaker_id=character.id,
        speaker_name=character.name,
        content=generated.text,
        user_id=prepared.principal.user_id,
        conversation_type=prepared.conversation_type,
        metadata={**prepared.metadata, **generated.metadata(), "regenerated_from": replaced.id},
        node_id=replaced.read.node_id,
        commit=False,
    )


def prepare(
    principal: Principal,
    context: ChatContext,
    character: CharacterRead,
    line: str,
    placement: Placement,
    *,
    history: list[ConversationRead] | None = None,
    last_turn: ChatMessage | None = None,
    emotion: bool = False,
    conversation_type: str = "",
    metadata: dict[str, Any] | None = None,
    variation: int = 0,
) -> PreparedReply:
    """The prompt for `character` answering `line` after `history` (the context's, unless given). `last_turn`
    replaces the plain user turn when the line being answered is not the user's (an attributed line).
    `variation` > 0 asks the offline skills for another wording (a regenerated reply)."""
    passages = context.passages(character, line)
    messages = prompts.chat_messages(
        context, character, "" if last_turn else line, history=history, with_emotion=emotion, passages=passages or ()
    )
    if last_turn is not None:
        messages.append(last_turn)
    return PreparedReply(
        principal=principal,
        context=context,
        character=character,
        messages=messages,
        inputs=prompts.chat_inputs(context, character, line, history=history, passages=passages)
        | ({"variation": variation} if variation else {}),
        placement=placement,
        emotion=emotion,
        conversation_type=conversation_type,
        metadata=dict(metadata or {}),
    )


async def prepare_chat(
    runtime: ChatRuntime, *, principal: Principal, request: ChatRequest, emotion: bool = False
) -> PreparedReply:
    """Everything a reply to `request.message` needs, checked (scene, character) before anything is asked."""
    context = await runtime.context(principal, request.scene_id)
    character = context.character(request.character_id)
    placement = Placement("turn", user_line=request.message)
    return prepare(principal, context, character, request.message, placement, emotion=emotion)

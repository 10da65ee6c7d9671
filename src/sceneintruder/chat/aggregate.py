"""`POST /api/interactions/aggregate`: one user line answered by one or more characters, with their emotions,
states, follow-up choices, events and notifications (reference spec §5, full response shape). Framework-free.

Each character answers in turn and hears the ones who answered before it. Nothing is stored while the model
works; with `save_to_history` the user's line and each reply are then written once, in one transaction under
the scene's lock (the reference wrote every turn twice, B19, and could deadlock on its scene lock, B2).

Story effects: the turn's significance and the progress it is worth are assessed and reported in
`story_updates` (`applied: false`); changing the story (nodes, tasks, progress) belongs to the story domain,
which chat does not drive.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sceneintruder.chat import _impact, prompts, turns
from sceneintruder.chat._impact import Reply
from sceneintruder.chat.context import ChatContext
from sceneintruder.chat.interactions import INTERACTION_TYPE, distinct_ids
from sceneintruder.chat.room_events import conversation_new
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.schemas import AggregateOptions, AggregateRequest
from sceneintruder.chat.turns import Placement, PreparedReply
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.ids import new_id
from sceneintruder.core.principal import Principal
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead
from sceneintruder.story import service as story_service
from sceneintruder.story.errors import NodeNotFound

ALL_ON = AggregateOptions(
    generate_follow_ups=True, update_story_progress=True, save_to_history=True, trigger_events=True
)
_NODE_KEYS = ("node_id", "story_node_id", "current_node_id")


async def _node_id(runtime: ChatRuntime, scene_id: str, request: AggregateRequest) -> str | None:
    """`node_id` must be a node of the scene's story (else 404 NODE_NOT_FOUND); a node named in the free-form
    `context` is kept only when it is one."""
    if request.node_id:
        await story_service.check_node(runtime.db, scene_id=scene_id, node_id=request.node_id)
        return request.node_id
    for key in _NODE_KEYS:
        value = (request.context or {}).get(key)
        if isinstance(value, str) and value.strip():
            try:
                await story_service.check_node(runtime.db, scene_id=scene_id, node_id=value.strip())
            except NodeNotFound:
                return None
            return value.strip()
    return None


def _pending(context: ChatContext, speaker_id: str, name: str, content: str) -> ConversationRead:
    """A line of this turn that is not stored yet, as later speakers hear it."""
    return ConversationRead(
        id=new_id("pending"),
        scene_id=context.scene.id,
        speaker_id=speaker_id,
        speaker_name=name,
        content=content,
        timestamp=utcnow(),
        conversation_type=INTERACTION_TYPE,
        metadata={},
    )


def _prepare(
    principal: Principal, context: ChatContext, character: CharacterRead, message: str, heard: list[ConversationRead]
) -> PreparedReply:
    placement = Placement("turn", user_line=message)
    if not heard:
        return turns.prepare(principal, context, character, message, placement, emotion=True)
    user_line = _pending(context, "user", principal.user_id, message)
    said = [*context.history, user_line, *heard[:-1]]
    passages = context.passages(character, message)
    messages = prompts.chat_messages(context, character, "", history=said, with_emotion=True, passages=passages or ())
    messages += prompts.attributed_turns(heard[-1:], character, context)
    return PreparedReply(
        principal=principal,
        context=context,
        character=character,
        messages=messages,
        inputs=prompts.chat_inputs(context, character, message, history=[*context.history, *heard], passages=passages),
        placement=placement,
        emotion=True,
    )


async def _answers(
    runtime: ChatRuntime, principal: Principal, context: ChatContext, cast: list[CharacterRead], message: str
) -> list[Reply]:
    replies: list[Reply] = []
    heard: list[ConversationRead] = []
    for character in cast:
        generated = await turns.generate(runtime, _prepare(principal, context, character, message, heard))
        assert generated.emotion is not None  # asked for with its emotion
        replies.append(Reply(character, generated.emotion, generated.tokens_used, generated.made_by))
        heard.append(_pending(context, character.id, character.name, generated.text))
    return replies


async def _save(
    runtime: ChatRuntime,
    principal: Principal,
    context: ChatContext,
    request: AggregateRequest,
    replies: list[Reply],
    *,
    interaction_id: str,
    node_id: str | None,
) -> list[ConversationRead]:
    scene_id = context.scene.id
    base = {"interaction_id": interaction_id, "character_ids": [reply.character.id for reply in replies]}
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        stored = [
            await scenes_service.append_message(
                session,
                scene_id=scene_id,
                speaker_id=turns.USER_SPEAKER,
                speaker_name=principal.user_id,
                content=request.message,
                user_id=principal.user_id,
                node_id=node_id,
                conversation_type=INTERACTION_TYPE,
                metadata={
                    **base,
                    "message_type": "user",
                    **({"emotion_data": request.emotion_data} if request.emotion_data else {}),
                },
                commit=False,
            )
        ]
        for reply in replies:
            emotion = reply.emotion.model_dump(include=set(turns.EMOTION_KEYS))
            stored.append(
                await scenes_service.append_message(
                    session,
                    scene_id=scene_id,
                    speaker_id=reply.character.id,
                    speaker_name=reply.character.name,
                    content=reply.emotion.response,
                    user_id=principal.user_id,
                    node_id=node_id,
                    conversation_type=INTERACTION_TYPE,
                    metadata={
                        **base,
                        "message_type": "response",
                        **emotion,
                        "tokens_used": reply.tokens_used,
                        **reply.made_by.wire(),
                    },
                    parent_id=stored[-1].id,
                    commit=False,
                )
            )
        await session.commit()
    for reply, message in zip(replies, stored[1:], strict=True):
        user_message = stored[0] if message is stored[1] else None
        await runtime.publish(scene_id, conversation_new(scene_id, reply.character, message, user_message))
    return stored


def _message(reply: Reply, stored: ConversationRead | None, interaction_id: str, moment: datetime) -> dict[str, Any]:
    emotion = reply.emotion
    return {
        "character_id": reply.character.id,
        "character_name": reply.character.name,
        "content": emotion.response,
        "emotion_data": {
            "text": emotion.response,
            "emotion": emotion.emotion,
            "action": emotion.body_language,
            "intensity": emotion.intensity,
            "body_language": emotion.body_language,
            "facial_expression": emotion.facial_expression,
            "voice_tone": emotion.voice_tone,
            "secondary_emotions": list(emotion.secondary_emotions),
        },
        "timestamp": rfc3339(stored.timestamp if stored else moment),
        "message_type": "response",
        "metadata": {
            "interaction_id": interaction_id,
            "tokens_used": reply.tokens_used,
            **reply.made_by.wire(),
            **({"message_id": stored.id} if stored else {}),
        },
    }


async def aggregate(runtime: ChatRuntime, *, principal: Principal, request: AggregateRequest) -> dict[str, Any]:
    started = time.perf_counter()
    options = request.options or ALL_ON
    ids = distinct_ids(request.character_ids, minimum=1)
    context = await runtime.context(principal, request.scene_id)
    cast = context.characters(ids)
    node_id = await _node_id(runtime, context.scene.id, request)
    replies = await _answers(runtime, principal, context, cast, request.message)
    interaction_id, language = new_id("interaction"), context.scene.language
    stored: list[ConversationRead] = []
    if options.save_to_history:
        stored = await _save(
            runtime, principal, context, request, replies, interaction_id=interaction_id, node_id=node_id
        )
    moment = utcnow()
    keywords = _impact.keywords_in(" ".join([request.message, *(r.emotion.response for r in replies)]), language)
    score = _impact.significance(request.message, replies, language, request.emotion_data)
    events = _impact.events(replies, keywords, score, moment) if options.trigger_events else []
    result: dict[str, Any] = {
        "messages": [
            _message(reply, stored[index + 1] if stored else None, interaction_id, moment)
            for index, reply in enumerate(replies)
        ],
        "character_states": {
            reply.character.id: _impact.character_state(reply, [c for c in cast if c.id != reply.character.id], moment)
            for reply in replies
        },
        "ui_updates": {
            "scroll_to_bottom": True,
            "highlight_characters": ids,
            "update_chat_badges": bool(stored),
            "trigger_animations": [
                {"character_id": r.character.id, "animation": r.emotion.emotion, "intensity": r.emotion.intensity}
                for r in replies
            ],
            "update_tabs": ["chat", "story"] if score >= _impact.SIGNIFICANT else ["chat"],
        },
        "notifications": _impact.notifications(replies, score, language),
        "events": events,
        "stats": {
            "tokens_used": sum(reply.tokens_used for reply in replies),
            "offline": all(reply.made_by.offline for reply in replies),
            "processing_time_ms": round((time.perf_counter() - started) * 1000, 1),
            "characters_involved": len(replies),
            "messages_generated": len(replies),
            "events_triggered": len(events),
            "messages_saved": len(stored),
            "significance": score,
            "interaction_id": interaction_id,
        },
    }
    if options.update_story_progress:
        result["story_updates"] = {
            "new_nodes": [],
            "updated_nodes": [],
            "progress_change": _impact.progress_points(score),
            "unlocked_content": [],
            "updated_tasks": [],
            "completed_tasks": [],
            "task_changes": [],
            "significance": score,
            "keywords": keywords,
            "node_id": node_id,
            "applied": False,
        }
    if options.generate_follow_ups:
        result["new_choices"] = _impact.follow_ups(replies, keywords, language, moment)
    return result

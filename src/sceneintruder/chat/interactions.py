"""Characters talking among themselves: trigger an exchange on a topic, simulate a situation, read them back.

Framework-free. The model is given the characters' real ids; every line it returns is tied to one of the
characters of the exchange by id, name or alias (`attribute_dialogue`), and a line that matches none is
dropped, never given an invented id (spec B29). Lines are stored as the reference stores them, one message
each with `metadata {interaction_id | simulation_id, emotion, action}`, plus `character_ids` (who took part)
and `target_character_id` (whom the line answers: the previous speaker, or for the opening line the next
one), which is what `GET /api/interactions/:scene_id/:c1/:c2` filters on: the lines c1 and c2 said to each
other (the reference never wrote that key, so that endpoint was always empty, B27).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sceneintruder.chat import prompts
from sceneintruder.chat.context import ChatContext
from sceneintruder.chat.errors import (
    CharacterInteractionFailed,
    ConversationSimulationFailed,
    InsufficientCharacters,
    InvalidInteractionParams,
)
from sceneintruder.chat.llm_schemas import TASK_CHARACTER_DIALOGUE, DialogueLine, DialogueResult, attribute_dialogue
from sceneintruder.chat.room_events import wire
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.schemas import CharacterInteractionRead, DialogueRead, SimulateRequest, TriggerRequest
from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import AppError
from sceneintruder.core.ids import new_id
from sceneintruder.core.principal import Principal
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead

INTERACTION_TYPE = "character_interaction"
SIMULATION_TYPE = "character_simulation"
EXCHANGE_TYPES = (INTERACTION_TYPE, SIMULATION_TYPE)
DIALOGUE_TEMPERATURE = 0.8
DIALOGUE_MAX_TOKENS = 2_000
MAX_LINES = 12
SIMULATION_DEFAULT_TURNS = 3
SIMULATION_MAX_TURNS = 10


@dataclass(frozen=True)
class Exchange:
    context: ChatContext
    cast: list[CharacterRead]
    lines: list[DialogueLine]
    tokens_used: int  # as the vendor reported it; 0 offline
    made_by: Provenance


def distinct_ids(character_ids: Sequence[str], *, minimum: int = 2) -> list[str]:
    ids = list(dict.fromkeys(character_ids))
    if len(ids) < minimum:
        raise InsufficientCharacters(details={"character_ids": ids, "minimum": minimum})
    return ids


async def _exchange(
    runtime: ChatRuntime,
    principal: Principal,
    scene_id: str,
    character_ids: Sequence[str],
    *,
    turns: int,
    failure: type[AppError],
    topic: str = "",
    context_description: str = "",
    situation: str = "",
) -> Exchange:
    ids = distinct_ids(character_ids)
    context = await runtime.context(principal, scene_id)
    cast = context.characters(ids)
    brief: dict[str, Any] = {
        "turns": turns,
        "topic": topic,
        "context_description": context_description,
        "situation": situation,
    }
    result = await runtime.llm.complete_structured(
        task=TASK_CHARACTER_DIALOGUE,
        schema=DialogueResult,
        messages=prompts.dialogue_messages(context, cast, **brief),
        inputs=prompts.dialogue_inputs(context, cast, **brief),
        call=CallInfo(TASK_CHARACTER_DIALOGUE, user_id=principal.user_id),
        sampling=Sampling(temperature=DIALOGUE_TEMPERATURE, max_tokens=DIALOGUE_MAX_TOKENS),
    )
    lines = attribute_dialogue(result.value.dialogues, [prompts.character_inputs(c) for c in cast])[:turns]
    if not lines:
        raise failure(details="no line of the reply was spoken by a character of the exchange")
    made_by = Provenance.of(result.completion)
    return Exchange(context, cast, lines, result.total_usage.total_tokens, made_by)


def _targets(lines: Sequence[DialogueLine], character_ids: Sequence[str]) -> list[str]:
    """Whom each line answers: the previous speaker, else the next one, else another participant."""
    targets = []
    for index, line in enumerate(lines):
        before = [x.character_id for x in reversed(lines[:index]) if x.character_id != line.character_id]
        after = [x.character_id for x in lines[index + 1 :] if x.character_id != line.character_id]
        others = [character_id for character_id in character_ids if character_id != line.character_id]
        targets.append((before or after or others)[0])
    return targets


async def _store(
    runtime: ChatRuntime,
    principal: Principal,
    exchange: Exchange,
    *,
    conversation_type: str,
    metadata: dict[str, Any],
) -> list[DialogueRead]:
    """The lines, one after the other on the active path, in one transaction under the scene's lock."""
    scene_id = exchange.context.scene.id
    character_ids = [character.id for character in exchange.cast]
    targets = _targets(exchange.lines, character_ids)
    stored: list[ConversationRead] = []
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        for line, target in zip(exchange.lines, targets, strict=True):
            stored.append(
                await scenes_service.append_message(
                    session,
                    scene_id=scene_id,
                    speaker_id=line.character_id,
                    speaker_name=line.character_name,
                    content=line.message,
                    user_id=principal.user_id,
                    conversation_type=conversation_type,
                    metadata={
                        **metadata,
                        "emotion": line.emotion,
                        "action": line.action,
                        "character_ids": character_ids,
                        "target_character_id": target,
                        **exchange.made_by.wire(),
                    },
                    parent_id=stored[-1].id if stored else None,
                    commit=False,
                )
            )
        await session.commit()
    return [
        DialogueRead(
            character_id=line.character_id,
            character_name=line.character_name,
            message=line.message,
            emotion=line.emotion,
            action=line.action,
            timestamp=message.timestamp,
            message_id=message.id,
            **exchange.made_by.wire(),
        )
        for line, message in zip(exchange.lines, stored, strict=True)
    ]


async def trigger(runtime: ChatRuntime, *, principal: Principal, request: TriggerRequest) -> CharacterInteractionRead:
    """An exchange between the characters about `topic`; stored, returned and broadcast as `character_interaction`."""
    if not request.topic:
        raise InvalidInteractionParams("互动话题不能为空", details="topic")
    turns = min(MAX_LINES, max(4, len(set(request.character_ids))))
    exchange = await _exchange(
        runtime,
        principal,
        request.scene_id,
        request.character_ids,
        turns=turns,
        failure=CharacterInteractionFailed,
        topic=request.topic,
        context_description=request.context_description,
    )
    interaction_id = new_id("interaction")
    dialogues = await _store(
        runtime, principal, exchange, conversation_type=INTERACTION_TYPE, metadata={"interaction_id": interaction_id}
    )
    interaction = CharacterInteractionRead(
        id=interaction_id,
        scene_id=exchange.context.scene.id,
        character_ids=[character.id for character in exchange.cast],
        topic=request.topic,
        dialogues=dialogues,
        timestamp=utcnow(),
        metadata={
            "context_description": request.context_description,
            "tokens_used": exchange.tokens_used,
            **exchange.made_by.wire(),
        },
    )
    await runtime.publish(interaction.scene_id, {"type": "character_interaction", "data": wire(interaction)})
    return interaction


def simulation_turns(requested: int) -> int:
    return SIMULATION_DEFAULT_TURNS if requested <= 0 else min(SIMULATION_MAX_TURNS, requested)


async def simulate(
    runtime: ChatRuntime, *, principal: Principal, request: SimulateRequest
) -> tuple[str, list[DialogueRead]]:
    """`number_of_turns` lines (3 when not positive, at most 10) from `initial_situation`; returns the
    simulation id with the lines, which are broadcast as `conversation_simulation`."""
    if not request.initial_situation:
        raise InvalidInteractionParams("初始情境不能为空", details="initial_situation")
    exchange = await _exchange(
        runtime,
        principal,
        request.scene_id,
        request.character_ids,
        turns=simulation_turns(request.number_of_turns),
        failure=ConversationSimulationFailed,
        situation=request.initial_situation,
    )
    simulation_id = new_id("simulation")
    dialogues = await _store(
        runtime, principal, exchange, conversation_type=SIMULATION_TYPE, metadata={"simulation_id": simulation_id}
    )
    scene_id = exchange.context.scene.id
    event = {"type": "conversation_simulation", "scene_id": scene_id, "simulation_id": simulation_id}
    await runtime.publish(scene_id, {**event, "data": wire(dialogues)})
    return simulation_id, dialogues


async def history(
    runtime: ChatRuntime,
    *,
    principal: Principal,
    scene_id: str,
    limit: int,
    page: int,
    interaction_id: str | None = None,
    simulation_id: str | None = None,
    character_id: str | None = None,
) -> tuple[list[ConversationRead], int]:
    """Interaction and simulation lines on the active path, oldest first (page 1: the newest `limit`)."""
    equals = {
        key: value for key, value in (("interaction_id", interaction_id), ("simulation_id", simulation_id)) if value
    }
    async with runtime.db.reader() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        if character_id:
            await scenes_service.get_character(session, scene_id=scene_id, character_id=character_id)
        return await scenes_service.find_messages(
            session,
            scene_id=scene_id,
            limit=limit,
            page=page,
            conversation_types=EXCHANGE_TYPES,
            speaker_ids=[character_id] if character_id else (),
            metadata_equals=equals,
        )


async def between(
    runtime: ChatRuntime, *, principal: Principal, scene_id: str, first_id: str, second_id: str, limit: int, page: int
) -> tuple[list[ConversationRead], int]:
    """What the two characters said to each other in exchanges, oldest first."""
    if first_id == second_id:
        raise InvalidInteractionParams("请指定两个不同的角色", details=[first_id, second_id])
    pair = [first_id, second_id]
    async with runtime.db.reader() as session:
        await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
        for character_id in pair:
            await scenes_service.get_character(session, scene_id=scene_id, character_id=character_id)
        return await scenes_service.find_messages(
            session,
            scene_id=scene_id,
            limit=limit,
            page=page,
            conversation_types=EXCHANGE_TYPES,
            speaker_ids=pair,
            metadata_in={"target_character_id": pair},
        )

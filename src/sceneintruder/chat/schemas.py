"""Wire shapes of chat and interactions (reference spec §5, §7.5, §7.8), validated.

Required fields that are missing or of the wrong type are the envelope's 400 BAD_REQUEST; what is present but
unusable (one character for an exchange, a blank topic) gets the reference's dedicated codes from the service.
Responses keep the reference's keys and add a few (`message_id`, `user_message_id`, ...) that the swipe and
branch endpoints need.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, NotRequired

from pydantic import Field, StringConstraints
from typing_extensions import TypedDict

from sceneintruder.core.schemas import JsonBlob, OmitNoneModel, RequestModel, SafeInt
from sceneintruder.scenes.schemas import ConversationRead

MAX_MESSAGE_CHARS = 10_000
MAX_EXCHANGE_CHARACTERS = 12

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)]


# --- requests ----------------------------------------------------------------------------------------------------


class ChatRequest(RequestModel):
    """`POST /api/chat` and `/api/chat/emotion`. `stream` (chat only) answers with Server-Sent Events."""

    scene_id: Id
    character_id: Id
    message: Message
    stream: bool = False


class RegenerateRequest(RequestModel):
    """Optional body of `POST .../conversations/:message_id/regenerate`. `character_id` picks who answers a
    user message that has no reply yet."""

    character_id: Id | None = None
    stream: bool = False


class EditRequest(RequestModel):
    """`POST .../conversations/:message_id/edit`: a user message rewritten as a new branch. With `reply` (the
    default) the character who answered the original (or `character_id`) answers the new version."""

    content: Message
    character_id: Id | None = None
    reply: bool = True
    stream: bool = False


class TriggerRequest(RequestModel):
    scene_id: Id
    character_ids: list[Id] = Field(max_length=MAX_EXCHANGE_CHARACTERS)
    topic: Text
    context_description: Text = ""


class SimulateRequest(RequestModel):
    scene_id: Id
    character_ids: list[Id] = Field(max_length=MAX_EXCHANGE_CHARACTERS)
    initial_situation: Text
    number_of_turns: SafeInt = 0  # <= 0: 3; clamped to 1..10


class AggregateOptions(RequestModel):
    """When `options` is sent, a flag it leaves out is off (the reference's rule); without `options` all are on."""

    generate_follow_ups: bool = False
    update_story_progress: bool = False
    save_to_history: bool = False
    trigger_events: bool = False


class AggregateRequest(RequestModel):
    scene_id: Id
    character_ids: list[Id] = Field(max_length=MAX_EXCHANGE_CHARACTERS)
    message: Message
    node_id: Id | None = None
    emotion_data: JsonBlob | None = None
    context: JsonBlob | None = None
    options: AggregateOptions | None = None


# --- responses ---------------------------------------------------------------------------------------------------


class ChatRead(OmitNoneModel):
    """`POST /api/chat`: the reference's `{character, response}`, plus the ids of the two stored messages."""

    character: str
    response: str
    character_id: str
    message_id: str
    provider: str  # who made the reply: the vendor, or "builtin" (offline)
    model: str
    offline: bool  # true: no model ran; the offline provider computed it from the book
    fallback_reason: str | None = None  # set when a model's reply was unusable and the offline provider answered
    user_message_id: str | None = None


class EmotionRead(OmitNoneModel):
    """`POST /api/chat/emotion`: the reference's EmotionalResponse with the character and real token usage."""

    character_id: str
    character_name: str
    response: str
    emotion: str
    intensity: int
    body_language: str
    facial_expression: str
    voice_tone: str
    secondary_emotions: list[str]
    timestamp: datetime
    tokens_used: int  # as the vendor reported it; 0 offline (no model ran)
    provider: str  # who made the reply: the vendor, or "builtin" (offline)
    model: str
    offline: bool  # true: no model ran; the offline provider computed it from the book
    fallback_reason: str | None = None  # set when a model's reply was unusable and the offline provider answered
    message_id: str | None = None
    user_message_id: str | None = None


class DialogueRead(OmitNoneModel):
    """The reference's InteractionDialogue, plus the id of the stored message."""

    character_id: str
    character_name: str
    message: str
    emotion: str = ""
    action: str = ""
    timestamp: datetime
    message_id: str | None = None
    provider: str  # who made the line: the vendor, or "builtin" (offline)
    model: str
    offline: bool
    fallback_reason: str | None = None  # set when a model's reply was unusable and the offline provider answered


class CharacterInteractionRead(OmitNoneModel):
    id: str
    scene_id: str
    character_ids: list[str]
    topic: str
    dialogues: list[DialogueRead]
    timestamp: datetime
    metadata: dict[str, Any]


class AlternativeRead(ConversationRead):
    active: bool  # on the active path
    selected: bool  # the chosen one of the alternatives


class AlternativesList(OmitNoneModel):
    """`GET .../conversations/:message_id/alternatives` and the answer of `.../activate`."""

    message_id: str
    selected_id: str | None
    alternatives: list[AlternativeRead]


class RegeneratedRead(OmitNoneModel):
    """A new reply (regenerate, or the answer to an edited message): the reference's chat keys plus the stored
    message with its alternatives."""

    character: str
    response: str
    character_id: str
    message: ConversationRead
    provider: str  # who made the reply: the vendor, or "builtin" (offline)
    model: str
    offline: bool  # true: no model ran; the offline provider computed it from the book
    fallback_reason: str | None = None  # set when a model's reply was unusable and the offline provider answered


class EditedRead(OmitNoneModel):
    message: ConversationRead  # the edited user message (a new alternative of the original)
    reply: RegeneratedRead | None = None


class AggregateRead(TypedDict):
    """`POST /api/interactions/aggregate`: the reference's aggregated result (spec §6 aggregate)."""

    messages: list[dict[str, Any]]  # each reply: character, text, emotion, message id, interaction id
    character_states: dict[str, dict[str, Any]]  # by character id
    ui_updates: dict[str, Any]
    notifications: list[dict[str, Any]]
    events: list[dict[str, Any]]
    stats: dict[str, Any]
    story_updates: NotRequired[dict[str, Any]]  # with options.update_story_progress
    new_choices: NotRequired[list[dict[str, Any]]]  # with options.generate_follow_ups


class EditedUserMessageRead(TypedDict):
    """`.../edit` with `reply: false`: only the edited user message."""

    message: ConversationRead

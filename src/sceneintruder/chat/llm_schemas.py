"""What chat's AI steps ask a model to return, and how sloppy answers are read (spec §6.2 items 1, 2, 8).

Each schema is sent to real models as the JSON Schema of the answer and validates the offline skills'
answers too, so both paths meet the same contract. Reading is lenient: every field has a default, `null`
means "not given", unknown keys are ignored, Chinese emotion words and English synonyms map to the eight
emotions, an intensity of `"7"`, `"7/10"` or `7.6` becomes 7 (clamped to 1-10), and a dialogue may come as
the reference's bare JSON array. `attribute_dialogue` then ties each line to a real character of the call:
a line whose speaker matches none is dropped, never given an invented id (spec B29).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import AliasChoices, Field, field_validator, model_validator

from sceneintruder.providers.llm.lenient import LenientModel, as_int_in_range, as_text, as_text_list
from sceneintruder.providers.llm.structured import bounded_list, bounded_text, content_fields
from sceneintruder.textkit.text import name_key

TASK_CHAT_REPLY = "chat_reply"
TASK_CHAT_EMOTION = "chat_emotion"
TASK_CHARACTER_DIALOGUE = "character_dialogue"

Emotion = Literal["joy", "anger", "sadness", "fear", "surprise", "contempt", "disgust", "neutral"]
EMOTIONS: tuple[Emotion, ...] = get_args(Emotion)

_EMOTION_ALIASES: dict[str, Emotion] = {
    **{name: name for name in EMOTIONS},
    **dict.fromkeys(["happy", "happiness", "glad", "delight", "delighted", "pleased", "excited", "love"], "joy"),
    **dict.fromkeys(["喜悦", "快乐", "高兴", "开心", "欢喜", "喜", "愉快", "欣喜", "兴奋"], "joy"),
    **dict.fromkeys(["angry", "rage", "annoyed", "irritated", "furious", "frustrated"], "anger"),
    **dict.fromkeys(["愤怒", "生气", "恼怒", "怒", "气愤", "恼火", "不满"], "anger"),
    **dict.fromkeys(["sad", "sorrow", "grief", "melancholy", "hurt", "upset"], "sadness"),
    **dict.fromkeys(["悲伤", "伤心", "难过", "忧伤", "哀", "悲", "委屈", "失落"], "sadness"),
    **dict.fromkeys(["afraid", "scared", "anxious", "anxiety", "nervous", "worried", "terror"], "fear"),
    **dict.fromkeys(["恐惧", "害怕", "担心", "紧张", "惊恐", "不安", "怕", "焦虑"], "fear"),
    **dict.fromkeys(["surprised", "astonished", "amazed", "shock", "shocked", "curious"], "surprise"),
    **dict.fromkeys(["惊讶", "吃惊", "惊奇", "诧异", "意外", "惊"], "surprise"),
    **dict.fromkeys(["disdain", "scorn", "contemptuous", "arrogance", "smug"], "contempt"),
    **dict.fromkeys(["轻蔑", "蔑视", "鄙视", "不屑", "鄙夷", "傲慢"], "contempt"),
    **dict.fromkeys(["disgusted", "revulsion", "repulsed", "distaste"], "disgust"),
    **dict.fromkeys(["厌恶", "恶心", "嫌恶", "反感", "讨厌"], "disgust"),
    **dict.fromkeys(["calm", "none", "neutrality", "indifferent", "composed", "peaceful"], "neutral"),
    **dict.fromkeys(["中性", "平静", "中立", "淡定", "无", "冷静", "平和"], "neutral"),
}


def normalize_emotion(value: Any) -> Emotion | None:
    """One of the eight emotions for an English or Chinese emotion word; None when it is none of them."""
    if not isinstance(value, str):
        return None
    text = value.strip().casefold()
    return _EMOTION_ALIASES.get(text) or _EMOTION_ALIASES.get(text.rstrip("的了 "))


class EmotionalResponse(LenientModel):
    """A character's reply with its emotional display (reference `EmotionalResponse`, spec §5)."""

    model_config = content_fields("response")

    response: str = bounded_text(600, validation_alias=AliasChoices("response", "reply", "message", "content"))
    emotion: Emotion = "neutral"
    intensity: int = Field(5, ge=1, le=10, description="1 (barely) to 10 (overwhelming)")
    body_language: str = ""
    facial_expression: str = ""
    voice_tone: str = ""
    secondary_emotions: list[Emotion] = bounded_list(2, description="at most two, not the main one")

    _texts = field_validator("response", "body_language", "facial_expression", "voice_tone", mode="before")(as_text)

    @field_validator("emotion", mode="before")
    @classmethod
    def _emotion(cls, value: Any) -> Emotion:
        return normalize_emotion(value) or "neutral"

    @field_validator("intensity", mode="before")
    @classmethod
    def _intensity(cls, value: Any) -> int:
        return as_int_in_range(value, low=1, high=10, default=5)

    @field_validator("secondary_emotions", mode="before")
    @classmethod
    def _secondary(cls, value: Any) -> list[Emotion]:
        found = [normalize_emotion(item) for item in as_text_list(value) or []]
        return list(dict.fromkeys(emotion for emotion in found if emotion))

    @model_validator(mode="after")
    def _distinct_secondaries(self) -> EmotionalResponse:
        self.secondary_emotions = [e for e in self.secondary_emotions if e != self.emotion][:2]
        return self


class DialogueLine(LenientModel):
    """One line of a character-to-character exchange (reference `InteractionDialogue`)."""

    model_config = content_fields("message")

    character_id: str = Field("", validation_alias=AliasChoices("character_id", "id", "speaker_id"))
    character_name: str = Field("", validation_alias=AliasChoices("character_name", "name", "speaker"))
    message: str = Field("", validation_alias=AliasChoices("message", "content", "text", "line"))
    emotion: str = ""
    action: str = ""

    _texts = field_validator("character_id", "character_name", "message", "action", mode="before")(as_text)

    @field_validator("emotion", mode="before")
    @classmethod
    def _emotion(cls, value: Any) -> str:
        """A recognised emotion word becomes one of the eight; any other description is kept as written."""
        text = as_text(value)
        return normalize_emotion(text) or (text.strip() if isinstance(text, str) else "")


class DialogueResult(LenientModel):
    """An exchange between characters. The reference asked for a bare JSON array; that is accepted too."""

    model_config = content_fields("dialogues")

    dialogues: list[DialogueLine] = bounded_list(12)

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"dialogues": data}
        if isinstance(data, Mapping) and "dialogues" not in data:
            for key in ("dialogue", "lines", "conversation", "messages"):
                if isinstance(data.get(key), list):
                    return {"dialogues": data[key]}
        return data

    @field_validator("dialogues", mode="after")
    @classmethod
    def _spoken(cls, lines: list[DialogueLine]) -> list[DialogueLine]:
        return [line for line in lines if line.message]


def attribute_dialogue(lines: Sequence[DialogueLine], characters: Sequence[Mapping[str, Any]]) -> list[DialogueLine]:
    """Each line tied to one of `characters` (mappings with `id`, `name` and optional `aliases`): by id, else
    by name or alias (compared with `name_key`, so "MR. BENNET" finds "Mr. Bennet"), else by an id field that
    holds a name. Lines that match no character are dropped: ids are never invented."""
    by_id: dict[str, Mapping[str, Any]] = {}
    by_name: dict[str, Mapping[str, Any]] = {}
    for character in characters:
        character_id = str(character.get("id") or "")
        if not character_id:
            continue
        by_id[character_id] = character
        aliases = character.get("aliases") or []
        for name in [character.get("name"), *(aliases if isinstance(aliases, list) else [])]:
            if isinstance(name, str) and name.strip():
                by_name.setdefault(name_key(name), character)
    attributed = []
    for line in lines:
        found = (
            by_id.get(line.character_id)
            or by_name.get(name_key(line.character_name))
            or by_name.get(name_key(line.character_id))
        )
        if found is not None:
            canonical = {"character_id": str(found["id"]), "character_name": str(found.get("name") or "")}
            attributed.append(line.model_copy(update=canonical))
    return attributed

"""The aggregate interaction's heuristics (no model): how much a turn matters, how the characters are left,
what the player could do next, and which events and notifications it raises (reference spec §5 aggregate).

Pure functions of the user's message and the characters' emotional replies, in the scene's language. The
reference truncated its fractional progress change to an integer, so it was always 0 (B19); here the change
is whole progress points (0-5) from the turn's significance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sceneintruder.chat.llm_schemas import EmotionalResponse
from sceneintruder.core.clock import rfc3339
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes.schemas import CharacterRead

STRONG_INTENSITY = 8
SIGNIFICANT = 0.5
MAX_PROGRESS_POINTS = 5

KEYWORDS = {
    "en": (
        "secret", "truth", "plan", "danger", "love", "hate", "kill", "betray", "promise", "treasure",
        "escape", "war", "marry", "marriage", "death", "letter", "fortune", "revenge", "trust", "lie",
    ),
    "zh": (
        "秘密", "真相", "计划", "危险", "爱", "恨", "杀", "背叛", "承诺", "宝", "逃", "战", "婚", "死",
        "信", "钱", "报仇", "相信", "谎", "真心",
    ),
}  # fmt: skip
_VALENCE = {"joy": 1.0, "surprise": 0.3, "neutral": 0.0, "fear": -0.4, "sadness": -0.3}
_VALENCE_NEGATIVE = {"anger": -0.8, "contempt": -0.7, "disgust": -0.6}
_EMOTION_WORDS = {
    "en": {
        "joy": "pleased",
        "anger": "angry",
        "sadness": "sad",
        "fear": "afraid",
        "surprise": "surprised",
        "contempt": "scornful",
        "disgust": "disgusted",
        "neutral": "calm",
    },
    "zh": {
        "joy": "高兴",
        "anger": "生气",
        "sadness": "难过",
        "fear": "害怕",
        "surprise": "吃惊",
        "contempt": "不屑",
        "disgust": "反感",
        "neutral": "平静",
    },
}
_STATUS = {"anger": "agitated", "fear": "shaken", "sadness": "downcast", "joy": "elated", "surprise": "alert"}


@dataclass(frozen=True)
class Reply:
    character: CharacterRead
    emotion: EmotionalResponse
    tokens_used: int  # as the vendor reported it; 0 offline
    made_by: Provenance


def valence(emotion: str) -> float:
    return _VALENCE.get(emotion, _VALENCE_NEGATIVE.get(emotion, 0.0))


def keywords_in(text: str, language: str) -> list[str]:
    lowered = text.casefold()
    return [word for word in KEYWORDS["zh" if language == "zh" else "en"] if word in lowered]


def significance(message: str, replies: Sequence[Reply], language: str, user_emotion: dict[str, Any] | None) -> float:
    """0..1: keywords of the turn, the strongest feeling shown, the length of the user's line, the user's mood."""
    text = " ".join([message, *(reply.emotion.response for reply in replies)])
    score = 0.1 + min(0.4, 0.1 * len(keywords_in(text, language)))
    score += 0.4 * max((reply.emotion.intensity for reply in replies), default=0) / 10
    score += 0.1 if len(message) > (60 if language == "zh" else 160) else 0.0
    if user_emotion and isinstance(user_emotion.get("intensity"), int | float):
        score += 0.05 * min(10.0, float(user_emotion["intensity"])) / 10
    return round(min(1.0, score), 3)


def progress_points(score: float) -> int:
    return 0 if score < 0.3 else min(MAX_PROGRESS_POINTS, max(1, round(score * MAX_PROGRESS_POINTS)))


def character_state(reply: Reply, others: Sequence[CharacterRead], moment: datetime) -> dict[str, Any]:
    emotion, intensity = reply.emotion.emotion, reply.emotion.intensity
    energy = 50 + (intensity * 4 if valence(emotion) >= 0 else -intensity * 3)
    relationship = {"user": round(valence(emotion) * intensity / 10, 2)}
    for other in others:
        named = other.name in reply.emotion.response or any(a in reply.emotion.response for a in other.aliases)
        relationship[other.id] = round(valence(emotion) * 0.2, 2) if named else 0.0
    effects = [_STATUS[emotion]] if emotion in _STATUS and intensity >= 6 else []
    return {
        "character_id": reply.character.id,
        "mood": emotion,
        "energy": max(0, min(100, energy)),
        "relationship": relationship,
        "current_activity": "conversing",
        "status_effects": effects,
        "last_updated": rfc3339(moment),
        "metadata": {
            "intensity": intensity,
            "secondary_emotions": list(reply.emotion.secondary_emotions),
            "voice_tone": reply.emotion.voice_tone,
        },
    }


def follow_ups(replies: Sequence[Reply], keywords: Sequence[str], language: str, moment: datetime) -> list[dict]:
    """Up to three things the player could do next, from the strongest feeling and the turn's keywords."""
    zh = language == "zh"
    texts: list[tuple[str, str, str | None]] = []
    strongest = max(replies, key=lambda reply: reply.emotion.intensity, default=None)
    if strongest is not None and strongest.emotion.emotion != "neutral":
        name = strongest.character.name
        word = _EMOTION_WORDS["zh" if zh else "en"][strongest.emotion.emotion]
        text = f"问问{name}为什么这么{word}" if zh else f"Ask {name} why they seem so {word}"
        texts.append((text, "深入了解角色的想法" if zh else "Learn what is on their mind", strongest.character.id))
    if keywords:
        word = keywords[0]
        text = f"追问关于“{word}”的事" if zh else f"Press further about the {word}"
        texts.append((text, "可能揭开新的线索" if zh else "It may reveal a new clue", None))
    texts.append(("换个话题" if zh else "Change the subject", "缓和气氛" if zh else "Ease the mood", None))
    return [
        {
            "id": f"followup_{index + 1}",
            "text": text,
            "consequence": consequence,
            "next_node_hint": "",
            "type": "dialogue",
            "impact": round(1.0 - index * 0.25, 2),
            "order": index + 1,
            "selected": False,
            "created_at": rfc3339(moment),
            "metadata": {"source": "interaction_aggregate", **({"character_id": who} if who else {})},
        }
        for index, (text, consequence, who) in enumerate(texts[:3])
    ]


def events(replies: Sequence[Reply], keywords: Sequence[str], score: float, moment: datetime) -> list[dict]:
    found = []
    for reply in replies:
        if reply.emotion.intensity >= STRONG_INTENSITY:
            found.append(
                _event(
                    "emotional_outburst",
                    {"character_id": reply.character.id, "emotion": reply.emotion.emotion},
                    [f"intensity>={STRONG_INTENSITY}"],
                    [f"mood:{reply.emotion.emotion}"],
                    moment,
                )
            )
    if keywords:
        found.append(_event("keyword_trigger", {"keywords": list(keywords)}, ["keyword"], ["clue"], moment))
    if score >= SIGNIFICANT:
        found.append(
            _event("significant_interaction", {"significance": score}, [f"significance>={SIGNIFICANT}"], [], moment)
        )
    return found


def _event(kind: str, data: dict[str, Any], triggers: list[str], effects: list[str], moment: datetime) -> dict:
    return {
        "event_type": kind,
        "event_data": data,
        "triggers": triggers,
        "effects": effects,
        "timestamp": rfc3339(moment),
    }


def notifications(replies: Sequence[Reply], score: float, language: str) -> list[dict]:
    zh = language == "zh"
    found: list[dict[str, Any]] = []
    for reply in replies:
        if reply.emotion.intensity >= STRONG_INTENSITY:
            name = reply.character.name
            word = _EMOTION_WORDS["zh" if zh else "en"][reply.emotion.emotion]
            found.append(
                {
                    "id": f"emotion_{reply.character.id}",
                    "type": "warning" if valence(reply.emotion.emotion) < 0 else "info",
                    "title": "情绪波动" if zh else "Strong feelings",
                    "message": f"{name}显得非常{word}" if zh else f"{name} is very {word}",
                    "duration": 5000,
                    "actions": [
                        {
                            "label": "查看角色" if zh else "View character",
                            "action": "view_character",
                            "style": "primary",
                            "params": {"character_id": reply.character.id},
                        }
                    ],
                    "metadata": {"intensity": reply.emotion.intensity},
                }
            )
    if score >= SIGNIFICANT:
        found.append(
            {
                "id": "significant_interaction",
                "type": "success",
                "title": "关键时刻" if zh else "A turning point",
                "message": "这段对话可能影响故事的走向" if zh else "This conversation may change the story",
                "duration": 5000,
                "actions": [{"label": "查看故事" if zh else "View story", "action": "open_story", "style": "default"}],
                "metadata": {"significance": score},
            }
        )
    return found

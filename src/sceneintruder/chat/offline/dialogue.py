"""The offline `character_dialogue` skill: the given characters talk about a topic, each in its own personas.

Only the characters passed in speak, under their own ids (one without an id cannot be attributed, so it
stays silent). The first listed opens; everyone speaks once before anyone speaks twice; then the turn goes
to whoever has spoken least, never to the one who just spoke. Each line answers the previous speaker by
name (agreeing or not, as the two temperaments make likely), brings in what the speaker knows about the
topic or their view of it, and often hands the word to the next speaker. A last line of three or more
closes the exchange. Inputs: `language`, `scene`, `characters: [profile with id]`, `topic`,
`context_description`, `initial_situation`, `turns` (1-12; missing or not positive: one round, at least 3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sceneintruder.chat.llm_schemas import TASK_CHARACTER_DIALOGUE, DialogueLine, DialogueResult, Emotion
from sceneintruder.providers.llm.lenient import as_int_in_range
from sceneintruder.textkit import personas
from sceneintruder.textkit.text import Language

MAX_TURNS = 12

_OPEN = {
    "en": {
        "warm": (
            "Have you heard about {topic}? I have been longing to talk of it.",
            "I must tell you what I think of {topic}.",
        ),
        "cool": ("I suppose we must discuss {topic}.", "Since everyone insists on {topic}, let us have it out."),
        "sharp": (
            "So. {topic}. Who will be first to say something sensible about it?",
            "{topic}, then. I have opinions, as you might expect.",
        ),
        "fragile": ("I cannot stop thinking about {topic}...", "May we talk about {topic}? It has been on my mind."),
    },
    "zh": {
        "warm": ("你们听说{topic}了么？我正想找人说说呢。", "说到{topic}，我倒有几句心里话。"),
        "cool": ("既然都要议{topic}，那便议一议罢。", "{topic}的事，总得有个说法。"),
        "sharp": ("{topic}！谁先说句明白话？", "说起{topic}，我可有一肚子话。"),
        "fragile": ("{topic}的事，我总放不下……", "咱们能说说{topic}么？我心里一直记挂着。"),
    },
}
_HAND_OVER = {
    "en": ("{next}, what do you make of it?", "What do you say, {next}?", "{next}, you are very quiet."),
    "zh": ("{next}，你怎么看？", "{next}，你倒说说。", "{next}怎么不言语？"),
}
_AGREE = {
    "en": ("{prev} is right.", "I quite agree with {prev}.", "Just so, {prev}."),
    "zh": ("{prev}说得是。", "我也是这个意思，{prev}。", "正是呢，{prev}。"),
}
_DISAGREE = {
    "en": (
        "Oh, {prev}, I cannot agree.",
        "Come, {prev}, that is not how I see it.",
        "With respect, {prev}, you are mistaken.",
    ),
    "zh": ("{prev}，这话我可不敢苟同。", "{prev}此言差矣。", "依我看，{prev}想岔了。"),
}
_CLOSE = {
    "en": {
        "warm": "Well, let us hope for the best.",
        "cool": "I think we have said enough on the matter.",
        "sharp": "And on that note, I rest my case.",
        "fragile": "Let us speak of something else, please.",
    },
    "zh": {
        "warm": "罢了，但愿一切都好。",
        "cool": "这件事，就议到这里罢。",
        "sharp": "话已至此，我不多说了。",
        "fragile": "咱们说点别的罢。",
    },
}
_ACTIONS = MappingProxyType(
    {
        "en": {
            "joy": "smiles at {target}",
            "anger": "frowns at {target}",
            "sadness": "looks down, then at {target}",
            "fear": "glances nervously at {target}",
            "surprise": "raises an eyebrow at {target}",
            "contempt": "gives {target} a cool look",
            "disgust": "wrinkles a nose at {target}",
            "neutral": "nods to {target}",
        },
        "zh": {
            "joy": "朝{target}笑了笑",
            "anger": "瞪了{target}一眼",
            "sadness": "低头半晌，才看向{target}",
            "fear": "不安地看了{target}一眼",
            "surprise": "挑眉看向{target}",
            "contempt": "冷冷瞥了{target}一眼",
            "disgust": "皱眉看着{target}",
            "neutral": "向{target}点点头",
        },
    }
)
# The emotion of a line by the speaker's temperament: opening, agreeing, disagreeing.
_LINE_EMOTION: dict[str, tuple[Emotion, Emotion, Emotion]] = {
    "cheerful": ("joy", "joy", "surprise"),
    "gentle": ("joy", "joy", "sadness"),
    "proud": ("neutral", "neutral", "contempt"),
    "steady": ("neutral", "neutral", "neutral"),
    "witty": ("joy", "joy", "contempt"),
    "fierce": ("anger", "joy", "anger"),
    "anxious": ("fear", "joy", "fear"),
    "melancholy": ("sadness", "sadness", "sadness"),
}


def character_dialogue(inputs: Mapping[str, Any]) -> DialogueResult:
    """Task `character_dialogue`: `turns` lines between the given characters about the topic."""
    raw_scene = inputs.get("scene")
    scene: Mapping[str, Any] = raw_scene if isinstance(raw_scene, Mapping) else {}
    topic_source = [str(inputs.get(key) or "").strip() for key in ("topic", "initial_situation", "context_description")]
    characters = [c for c in inputs.get("characters") or [] if isinstance(c, Mapping)]
    sample = [*topic_source, str(scene.get("title") or ""), *(str(c.get("name") or "") for c in characters)]
    language = personas.resolve_language(inputs.get("language"), *sample)
    cast = _cast(characters, language)
    if not cast:
        return DialogueResult()
    topic = _topic(next((t for t in topic_source if t), str(scene.get("title") or "")), language)
    turns = _turns(inputs.get("turns"), len(cast))
    seed = personas.stable_seed(TASK_CHARACTER_DIALOGUE, [p.id for p in cast], topic, turns, language)
    order = _speaking_order(cast, turns, seed)
    lines: list[DialogueLine] = []
    said: set[str] = set()  # facts already brought up in this exchange
    for index, speaker in enumerate(order):
        previous = order[index - 1] if index else None
        following = order[index + 1] if index + 1 < len(order) else None
        lines.append(_line(speaker, previous, following, (index, len(order)), topic, seed, said))
    return DialogueResult(dialogues=lines)


def _cast(characters: list[Mapping[str, Any]], language: Language) -> list[personas.Persona]:
    cast: dict[str, personas.Persona] = {}
    for character in characters:
        persona = personas.Persona.from_mapping(character, language)
        if persona.id and persona.id not in cast:
            cast[persona.id] = persona
    return list(cast.values())


def _topic(text: str, language: Language) -> str:
    """The subject as it can be said mid-sentence: short, without its final punctuation."""
    if not text:
        return "这件事" if language == "zh" else "the matter at hand"
    return personas.clip(text, 24 if language == "zh" else 80, language).rstrip("。.!！?？…")


def _turns(value: Any, cast_size: int) -> int:
    default = min(MAX_TURNS, max(3, cast_size))
    try:
        requested = int(float(value))
    except (TypeError, ValueError):
        return default
    return default if requested <= 0 else as_int_in_range(requested, low=1, high=MAX_TURNS, default=default)


def _speaking_order(cast: list[personas.Persona], turns: int, seed: int) -> list[personas.Persona]:
    """Everyone once in the given order, then the least-heard speaker who did not just speak."""
    if len(cast) == 1:
        return cast * turns
    order = cast[:turns]
    spoken = Counter(persona.id for persona in order)
    while len(order) < turns:
        candidates = [p for p in cast if p.id != order[-1].id]
        fewest = min(spoken[p.id] for p in candidates)
        tied = [p for p in candidates if spoken[p.id] == fewest]
        chosen = personas.pick(tied, seed, f"speaker-{len(order)}")
        order.append(chosen)
        spoken[chosen.id] += 1
    return order


def _line(
    speaker: personas.Persona,
    previous: personas.Persona | None,
    following: personas.Persona | None,
    position: tuple[int, int],
    topic: str,
    seed: int,
    said: set[str],
) -> DialogueLine:
    """One line; `position` is (index, total); facts the line brings up are added to `said`."""
    language, mood = speaker.language, speaker.mood
    index, total = position
    turn_seed = personas.stable_seed(seed, index, speaker.id)
    parts: list[str] = []
    agrees: bool | None = None
    if previous is None or previous.id == speaker.id:
        parts.append(personas.pick(_OPEN[language][mood], turn_seed, "open").format(topic=topic))
    else:
        odds = 3 if previous.mood == mood else 2
        agrees = personas.chance(turn_seed, "agree", odds, 4)
        bank = _AGREE if agrees else _DISAGREE
        parts.append(personas.pick(bank[language], turn_seed, "react").format(prev=previous.called))
        fact = personas.recall(speaker, topic, exclude=said, limit=140)
        if fact and personas.chance(turn_seed, "fact", 2, 3):
            said.add(fact)
            parts.append(personas.tell_fact(speaker, fact, turn_seed))
        else:
            parts.append(personas.opinion(speaker, topic, turn_seed))
    last = index == total - 1
    if last and total >= 3:
        parts.append(_CLOSE[language][mood])
    elif following is not None and following.id != speaker.id and personas.chance(turn_seed, "hand", 2, 3):
        parts.append(personas.pick(_HAND_OVER[language], turn_seed, "hand").format(next=following.called))
    elif personas.chance(turn_seed, "stance", 1, 2):
        parts.append(personas.stance(speaker, turn_seed))
    if personas.chance(turn_seed, "interjection", 1, 3):
        parts[0] = personas.with_interjection(speaker, parts[0], turn_seed)
    parts = [part[0].upper() + part[1:] if language == "en" else part for part in parts]
    message = personas.apply_style(("" if language == "zh" else " ").join(parts), speaker, turn_seed)
    opening, agreeing, disagreeing = _LINE_EMOTION[speaker.temperament]
    emotion = opening if agrees is None else agreeing if agrees else disagreeing
    target = (previous if previous and previous.id != speaker.id else following) or speaker
    action = _ACTIONS[language][emotion].format(target=target.called)
    return DialogueLine(
        character_id=speaker.id, character_name=speaker.name, message=message, emotion=emotion, action=action
    )

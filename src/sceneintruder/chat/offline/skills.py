"""The built-in provider's chat skills: what a character says when no model is configured.

`chat_reply` answers the user in character: the line is classified (greeting, question, thanks, insult...),
a question is answered from the book: the `passages` the chat service found where the character is present
that bear on the line (see `textkit.retrieval`), the best sentences quoted in the character's mouth; when
there are none, the character says plainly that it cannot tell (`phrases.NOT_IN_THE_BOOK`). A scene without
text (no `passages` key) falls back to what the character knows (its `knowledge`, then the scene's description
and summary) or an in-character admission. A person or place of the scene named in the message is picked up;
the wording comes from the character's temperament (derived from its personality and traits) and is shaped to
its speech style. `chat_emotion` adds how the character feels about the line.
`character_dialogue` (in `_dialogue`) lets characters talk among themselves. Same inputs, same answer: the
variation comes from a stable hash of the inputs, never from randomness or the clock.

Inputs (every key optional; the language defaults to the one detected in the scene and message):
`language`, `scene: {title, description, summary, characters?: [{name, aliases?}], locations?: [name]}`,
`character: {id, name, role, description, personality, traits, speech_style, knowledge, aliases?,
relationships?}`, `history: [{speaker_id, speaker_name, role, content}]`, `message`, `passages?: [text]`, and
`variation` (a regenerated reply: 1, 2, ... pick other wordings for the same inputs; 0 or absent is the first
answer).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from sceneintruder.chat.llm_schemas import (
    TASK_CHARACTER_DIALOGUE,
    TASK_CHAT_EMOTION,
    TASK_CHAT_REPLY,
    Emotion,
    EmotionalResponse,
)
from sceneintruder.chat.offline import emotion as _emotion
from sceneintruder.chat.offline import intents
from sceneintruder.chat.offline import phrases as say
from sceneintruder.chat.offline.dialogue import character_dialogue
from sceneintruder.textkit import personas, retrieval
from sceneintruder.textkit.text import Language, split_sentences

Skill = Callable[[Mapping[str, Any]], str | Mapping[str, Any] | BaseModel]


@dataclass(frozen=True)
class ChatCall:
    """One chat call's inputs, read leniently."""

    language: Language
    persona: personas.Persona
    message: str
    scene_facts: tuple[str, ...]
    people: tuple[str, ...]  # names of the scene's other characters
    places: tuple[str, ...]
    earlier_user_lines: tuple[str, ...]
    variation: int = 0
    passages: tuple[str, ...] | None = None  # the book's passages that bear on the message; None: no book

    @property
    def first_seed(self) -> int:
        """The seed of the first answer to these inputs (a regenerated one turns away from its choices)."""
        return personas.stable_seed(
            TASK_CHAT_REPLY, self.persona.id, self.persona.name, self.message, self.earlier_user_lines, self.language
        )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> ChatCall:
        scene = _mapping(inputs.get("scene"))
        character = _mapping(inputs.get("character"))
        message = " ".join(str(inputs.get("message") or "").split())
        scene_text = [str(scene.get(key) or "") for key in ("title", "description", "summary")]
        language = personas.resolve_language(
            inputs.get("language"), message, *scene_text, str(character.get("name", ""))
        )
        persona = personas.Persona.from_mapping(character, language)
        history = [_mapping(turn) for turn in inputs.get("history") or [] if isinstance(turn, Mapping)]
        people = [*_names(scene.get("characters")), *_names(list(_mapping(character.get("relationships"))))]
        people += [str(t.get("speaker_name") or "") for t in history if t.get("role") == "character"]
        own = {name.casefold() for name in persona.names}
        facts = [s.strip() for text in scene_text[1:] for s in split_sentences(text) if s.strip()]
        return cls(
            language=language,
            persona=persona,
            message=message,
            scene_facts=tuple(facts),
            people=tuple(dict.fromkeys(n for n in people if n and n.casefold() not in own)),
            places=tuple(_names(scene.get("locations"))),
            earlier_user_lines=_asked_of_self(history),
            variation=_variation(inputs.get("variation")),
            passages=_passages(inputs.get("passages")),
        )


def _passages(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list | tuple):
        return None
    return tuple(" ".join(str(p).split()) for p in value if isinstance(p, str) and p.strip())


def _asked_of_self(history: list[Mapping[str, Any]]) -> tuple[str, ...]:
    """The user's lines this character answered (the next turn is its own), on the branch the history follows:
    a question put to another character, or on another branch, was never asked of this one."""
    return tuple(
        " ".join(str(turn.get("content") or "").split())
        for turn, after in itertools.pairwise(history)
        if turn.get("role") == "user" and after.get("role") == "self"
    )


def chat_reply(inputs: Mapping[str, Any]) -> str:
    """Task `chat_reply`: the character's answer to the user's message, as plain text."""
    return compose_reply(ChatCall.from_inputs(inputs))


def chat_emotion(inputs: Mapping[str, Any]) -> EmotionalResponse:
    """Task `chat_emotion`: the same reply, with the character's emotion and how it shows."""
    call = ChatCall.from_inputs(inputs)
    intent, _ = intents.classify(call.message, call.language)
    emotion, intensity, secondary = _emotion.react(call.persona, call.message, intent)
    body, face, tone = _emotion.display(emotion, intensity, call.persona)
    return EmotionalResponse(
        response=compose_reply(call),
        emotion=emotion,
        intensity=intensity,
        body_language=body,
        facial_expression=face,
        voice_tone=tone,
        secondary_emotions=secondary,
    )


def compose_reply(call: ChatCall) -> str:
    persona, language, message = call.persona, call.language, call.message
    seed = personas.stable_seed(
        TASK_CHAT_REPLY,
        persona.id,
        persona.name,
        message,
        call.earlier_user_lines,
        language,
        *((call.variation,) if call.variation else ()),
    )  # equal to call.first_seed when variation is 0
    intent, greeted = intents.classify(message, language)
    body = [_sentence(line, language) for line in _body(call, intent, seed) if line]
    repeated = bool(message) and message in call.earlier_user_lines and intent in ("question", "request")
    if body == [say.NOT_IN_THE_BOOK[language]]:  # said plainly: no flourish, no opinion of what it does not know
        plain = [say.REPEAT[language][0], *body] if repeated else body
        return ("" if language == "zh" else " ").join(plain)
    if greeted:
        body.insert(0, personas.pick(say.SHORT_GREETING[language], seed, "greeted"))
    if repeated:
        body.insert(0, say.REPEAT[language][0])
    if intent not in ("greeting", "meta", "farewell") and personas.chance(seed, "interjection", 1, 2):
        body[0] = personas.with_interjection(persona, body[0], seed)
    extras: list[str] = []
    if intent == "compliment" or (intent == "statement" and personas.chance(seed, "trait", 1, 3)):
        extras.append(personas.self_trait(persona, seed) or "")
    if intent in ("question", "statement", "request") and personas.chance(seed, "stance", 2, 3):
        extras.append(personas.stance(persona, seed))
    counter_kind = _COUNTER_KIND.get(intent)
    asks_already = body[-1].endswith(("?", "？"))
    if counter_kind and not asks_already and ("inquisitive" in persona.style or personas.chance(seed, "ask", 1, 5)):
        extras.append(personas.pick(say.COUNTER_QUESTION[language][counter_kind], seed, "counter"))
    sentences = body[: persona.max_sentences]
    room = max(1, persona.max_sentences - len(sentences))
    sentences += [_sentence(line, language) for line in extras if line][:room]
    text = ("" if language == "zh" else " ").join(sentences)
    return personas.apply_style(text, persona, seed)


_COUNTER_KIND = {
    "question": "question",
    "statement": "statement",
    "request": "statement",
    "compliment": "statement",
    "greeting": "greeting",
    "insult": "insult",
}


def _body(call: ChatCall, intent: str, seed: int) -> list[str]:
    persona, language, message = call.persona, call.language, call.message
    mood = persona.mood
    if intent == "greeting":
        again = any(intents.GREETING_PATTERN[language].search(line) for line in call.earlier_user_lines)
        greetings = say.GREETING_AGAIN if again else say.GREETING
        return [personas.pick(greetings[language][mood], seed, "greeting").format(name=persona.name)]
    if intent == "meta":
        return [personas.pick(say.META[language], seed, "meta").format(name=persona.name)]
    if intent in say.SIMPLE:
        return [say.SIMPLE[intent][language][mood]]
    if intent == "question" and _about_self(message, persona):
        return _self_portrait(persona, seed)
    others = personas.mentions(message, call.people, language)
    places = personas.mentions(message, call.places, language)
    topic = personas.key_phrase(message, language, [*call.people, *call.places])
    subject = topic.text if topic.strong else ("这件事" if language == "zh" else "that")
    felt = _emotion.feelings(message, language)
    strongest: tuple[Emotion, ...] = ("sadness", "fear", "anger", "joy")
    most_felt: Emotion = max(strongest, key=felt.__getitem__)
    feeling = most_felt if felt else None
    lines: list[str] = []
    if intent == "statement" and feeling is not None and felt[feeling]:
        lines.append(say.FEELING[language][feeling][mood])
    elif others:
        lines.append(personas.opinion_of(persona, others[0], seed))
    elif places:
        place = personas.thing(places[0], language)
        lines.append(personas.pick(say.PLACE[language][mood], seed, "place").format(place=place))
    elif intent == "statement":
        bank: Mapping[str, Mapping[str, tuple[str, ...]]] = say.ECHO if topic.strong else say.ECHO_PLAIN
        lines.append(personas.pick(bank[language][mood], seed, "echo").format(topic=topic.text))
    elif intent == "request":
        lines.append(personas.pick(say.REQUEST[language][mood], seed, "request").format(topic=subject))
    if call.passages is not None:
        fact = _from_the_book(call)
    else:
        query = others[0] if others else places[0] if places else message
        fact = personas.recall(persona, query, extra=call.scene_facts)
    if fact and (intent != "statement" or personas.chance(seed, "fact", 1, 2)):
        lines.append(personas.tell_fact(persona, fact, call.first_seed, turn=call.variation))
    elif intent == "question" and not lines:
        if call.passages is not None:
            return [say.NOT_IN_THE_BOOK[language]]
        if _yes_no(message, language):
            lines.append(personas.pick(say.YES_NO[language][mood], seed, "yes-no"))
        else:
            lines.append(personas.pick(say.UNKNOWN[language][mood], seed, "unknown").format(topic=subject))
    personal = topic.text.split(" ", 1)[0].casefold() in _POSSESSIVES or topic.text.startswith(("你的", "我的"))
    if len(lines) < 2 and topic.strong and not (others or places or personal or intent == "request"):
        lines.append(personas.opinion(persona, personas.thing(topic.text, language), seed))
    return lines


_POSSESSIVES = frozenset({"my", "your", "his", "her", "our", "their"})
_QUOTE_CHARS = 260


def _from_the_book(call: ChatCall) -> str | None:
    """The sentences of the best passage that answer the message, in the character's mouth; None without one."""
    if not call.passages:
        return None
    persona = call.persona
    quoted = retrieval.best_sentences(call.passages[0], call.message, call.language, ignore=persona.names)
    return personas.clip(personas.first_person(quoted, persona), _QUOTE_CHARS, call.language)


def _about_self(message: str, persona: personas.Persona) -> bool:
    """A question about the character itself: "who are you?", "你是个怎样的人", or its own name."""
    return bool(intents.SELF_QUESTION[persona.language].search(message)) or bool(
        personas.mentions(message, persona.names, persona.language)
    )


def _self_portrait(persona: personas.Persona, seed: int) -> list[str]:
    """Who the character says it is: name and role, a trait it owns up to, what it says of itself."""
    language = persona.language
    role = persona.role if persona.role and persona.role.casefold() not in say.BOOK_ROLES else ""
    role = ("，" if language == "zh" else ", ") + role if role else ""
    lines = [personas.pick(say.SELF_INTRO[language], seed, "self").format(name=persona.name, role=role)]
    lines.append(personas.self_trait(persona, seed) or personas.stance(persona, seed))
    mentioned = personas.mentions(persona.description, persona.names, language)
    if mentioned:
        lines.append(personas.clip(personas.first_person(persona.description, persona), 160, language))
    return lines


def _yes_no(message: str, language: Language) -> bool:
    if language == "zh":
        return message.rstrip("？?。 ").endswith(("吗", "么", "是否", "可否", "对不对", "是不是"))
    first = message.strip().split(" ", 1)[0].casefold()
    return first in {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "shall", "have"}


def _sentence(line: str, language: Language) -> str:
    line = line.strip()
    if language == "en" and line and line[0].islower():
        line = line[0].upper() + line[1:]
    return line


def _variation(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _names(value: Any) -> list[str]:
    """Names from a list of strings or of `{name, aliases?}` objects."""
    found: list[str] = []
    for entry in value or []:
        if isinstance(entry, str):
            found.append(entry.strip())
        elif isinstance(entry, Mapping):
            aliases = entry.get("aliases")
            found += [str(entry.get("name") or "").strip(), *(a for a in aliases or [] if isinstance(a, str))]
    return [name for name in found if name]


SKILLS: Mapping[str, Skill] = MappingProxyType(
    {
        TASK_CHAT_REPLY: chat_reply,
        TASK_CHAT_EMOTION: chat_emotion,
        TASK_CHARACTER_DIALOGUE: character_dialogue,
    }
)
"""Task name → offline skill, for the app to register with the LLM client in one loop."""

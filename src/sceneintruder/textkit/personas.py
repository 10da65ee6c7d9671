"""How a scene's characters talk when no model is configured: the shared ground of the offline skills.

Chat replies, character dialogues and the story console all need the same few things: a character profile
read leniently from whatever the caller passes (`Persona`), a temperament derived from its traits and
personality, its speech style read from a free-text description, the language of the scene, and wording
that varies with the inputs yet never varies between two identical calls (`stable_seed`, `pick`). They
also need to quote what a character knows in its own mouth (`first_person`, `recall`) and to shape any
sentence to the character's register (`apply_style`). Everything here is pure and deterministic.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sceneintruder.textkit import _personas_words as words
from sceneintruder.textkit import lexicons as lex
from sceneintruder.textkit._personas_mouth import first_person, recall
from sceneintruder.textkit._personas_text import (
    FUNCTION_WORDS,
    Topic,
    clip,
    is_question,
    key_phrase,
    mentions,
    terms,
)
from sceneintruder.textkit.text import Language, detect_language, split_sentences

__all__ = [
    "FUNCTION_WORDS",
    "INTERJECTION_STARTS",
    "LOWERABLE",
    "Persona",
    "Topic",
    "apply_style",
    "chance",
    "clip",
    "first_person",
    "interjection",
    "is_question",
    "key_phrase",
    "mentions",
    "opinion",
    "opinion_of",
    "pick",
    "recall",
    "resolve_language",
    "self_trait",
    "stable_seed",
    "stance",
    "style_of",
    "tell_fact",
    "temperament_of",
    "terminated",
    "terms",
    "thing",
    "view",
    "with_interjection",
]

T = TypeVar("T")

_ZH_LANGUAGE_NAMES = frozenset({"zh", "cn", "chinese", "中文", "汉语", "简体中文", "繁體中文"})
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SPLIT_LIST = re.compile(r"\s*[,，、;；/]\s*")
LOWERABLE = words.LOWERABLE  # English words that start a sentence in lower case after "Oh,"
INTERJECTION_STARTS = words.INTERJECTION_STARTS  # a line opening with one gets no second interjection


def resolve_language(value: Any, *samples: str) -> Language:
    """The scene's language: the caller's `language` when it names one, else detected from sample text."""
    if isinstance(value, str) and value.strip():
        key = value.strip().casefold().replace("_", "-")
        if key in _ZH_LANGUAGE_NAMES or key.startswith("zh"):
            return "zh"
        if key.startswith("en") or key == "english":
            return "en"
    return detect_language(" ".join(sample for sample in samples if sample))


def stable_seed(*parts: Any) -> int:
    """A 64-bit number from any JSON-able inputs: the same inputs give the same seed in every process."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(blob.encode("utf-8")).digest()[:8], "big")


def pick(options: Sequence[T], seed: int, salt: str) -> T:
    """One of `options`, chosen by the seed; `salt` makes each slot of one answer choose independently."""
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def chance(seed: int, salt: str, numerator: int, denominator: int) -> bool:
    """True for `numerator` out of every `denominator` seeds: deterministic "sometimes"."""
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % denominator < numerator


@dataclass(frozen=True)
class Persona:
    """A character as the offline skills see it, read leniently from a profile mapping."""

    id: str
    name: str
    language: Language
    role: str = ""
    description: str = ""
    personality: str = ""
    traits: tuple[str, ...] = ()
    speech_style: str = ""
    knowledge: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    temperament: str = "steady"
    style: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, language: Language) -> Persona:
        data = data if isinstance(data, Mapping) else {}
        name = _text(data.get("name")) or ("无名氏" if language == "zh" else "the stranger")
        personality = _text(data.get("personality"))
        traits = tuple(_text_list(data.get("traits")))
        speech_style = _text(data.get("speech_style"))
        return cls(
            id=_text(data.get("id") or data.get("character_id")),
            name=name,
            language=language,
            role=_text(data.get("role")),
            description=_text(data.get("description")),
            personality=personality,
            traits=traits,
            speech_style=speech_style,
            knowledge=tuple(_text_list(data.get("knowledge"), split=False)),
            aliases=tuple(alias for alias in _text_list(data.get("aliases")) if alias != name),
            temperament=temperament_of(personality, traits, language),
            style=style_of(speech_style, language),
        )

    @property
    def mood(self) -> str:
        """warm, cool, sharp or fragile: how the temperament meets other people."""
        return words.MOOD_OF[self.temperament]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def called(self) -> str:
        """What others call the character in conversation: 黛玉 for 林黛玉, Elizabeth for Elizabeth Bennet,
        a titled name (Mr. Bennet) as it is."""
        if self.language == "zh":
            given = [a for a in self.aliases if len(a) >= 2 and len(a) == len(self.name) - 1 and self.name.endswith(a)]
            return given[0] if given else self.name
        parts = self.name.split()
        if len(parts) < 2 or parts[0].rstrip(".") in lex.EN_TITLES:
            return self.name
        return parts[0]

    @property
    def trait_words(self) -> tuple[str, ...]:
        """The character's own trait words, personality first, without repeats."""
        found = [*_text_list(self.personality), *self.traits]
        unstated = set(lex.UNSTATED.values())
        return tuple(dict.fromkeys(word for word in found if 0 < len(word) <= 20 and word not in unstated))

    @property
    def max_sentences(self) -> int:
        return 2 if "terse" in self.style else 5 if "verbose" in self.style else 4


def temperament_of(personality: str, traits: Iterable[str], language: Language) -> str:
    """The temperament whose trait words the character's personality (counted twice) and traits use most;
    ties go to the earlier temperament of `TEMPERAMENTS`, no hit at all to "steady"."""
    scores = dict.fromkeys(words.TEMPERAMENTS, 0)
    lexicon = words.TEMPERAMENT_WORDS[language]
    for text, weight in ((personality, 2), (" ".join(traits), 1)):
        if language == "zh":
            for temperament, cues in lexicon.items():
                scores[temperament] += weight * sum(text.count(cue) for cue in cues)
        else:
            tokens = [token.casefold() for token in _EN_WORD.findall(text)]
            for temperament, cues in lexicon.items():
                scores[temperament] += weight * sum(token in cues for token in tokens)
    best = max(words.TEMPERAMENTS, key=lambda t: (scores[t], -words.TEMPERAMENTS.index(t)))
    return best if scores[best] else "steady"


def style_of(speech_style: str, language: Language) -> frozenset[str]:
    """Register flags (formal, colloquial, exclamatory, inquisitive, terse, verbose) from a description."""
    text = speech_style.casefold()
    found = {flag for flag, cues in words.STYLE_CUES[language].items() if any(cue in text for cue in cues)}
    if {"formal", "colloquial"} <= found:
        found.discard("colloquial")
    return frozenset(found)


def interjection(persona: Persona, seed: int) -> str:
    return pick(words.INTERJECTIONS[persona.language][persona.temperament], seed, "interjection")


def with_interjection(persona: Persona, line: str, seed: int) -> str:
    """The line opened with one of the character's interjections ("Oh," + "That is..." → "Oh, that is..."),
    unless it already opens with one."""
    if not line or line.startswith(INTERJECTION_STARTS):
        return line
    word = interjection(persona, seed)
    if persona.language == "zh":
        return word + line
    first = line.split(" ", 1)[0].rstrip(",.!?;:")
    if word.endswith(",") and first.casefold() in LOWERABLE:
        line = line[0].lower() + line[1:]
    return f"{word} {line}"


def stance(persona: Persona, seed: int) -> str:
    return pick(words.STANCES[persona.language][persona.temperament], seed, "stance")


def opinion(persona: Persona, topic: str, seed: int) -> str:
    """The character's view of `topic`, by mood."""
    line = pick(words.OPINIONS[persona.language][persona.mood], seed, "opinion").format(topic=topic)
    return line[0].upper() + line[1:] if persona.language == "en" else line


def opinion_of(persona: Persona, other: str, seed: int) -> str:
    """The character's view of another person, by mood."""
    line = pick(words.PERSON_OPINIONS[persona.language][persona.mood], seed, "person").format(other=other)
    return line[0].upper() + line[1:] if persona.language == "en" else line


def view(persona: Persona, subject: str, people: Iterable[str], seed: int) -> str:
    """The character's view of a subject: of a person when `subject` is one of `people`, of a thing
    otherwise; of "that" (这件事) when the subject is the character itself."""
    if subject in persona.names:
        subject = "这件事" if persona.language == "zh" else "that"
    return opinion_of(persona, subject, seed) if subject in set(people) else opinion(persona, subject, seed)


def tell_fact(persona: Persona, fact: str, seed: int, *, turn: int = 0) -> str:
    """Something the character knows, passed on in its own words ("Here is what I know: ..."). `turn` > 0 (a
    regenerated reply) moves to another frame than the same seed's first, so the new wording always differs."""
    frames = words.FACT_FRAMES[persona.language]
    first = frames.index(pick(frames, seed, "fact"))
    return frames[(first + turn) % len(frames)].format(fact=terminated(fact, persona.language))


def thing(name: str, language: Language) -> str:
    """How an object or place is said mid-sentence: "the chaise" for an English common noun, a proper name
    (or any Chinese name) as it is."""
    if language == "en" and name[:1].islower() and not name.startswith(("the ", "a ", "an ", "my ", "your ")):
        return "the " + name
    return name


def terminated(text: str, language: Language) -> str:
    """The text ending in sentence punctuation (。 for Chinese, . for English) unless it already does."""
    text = text.strip()
    if not text or text.endswith(("。", "！", "？", "…", "”", ".", "!", "?", '"', "’")):
        return text
    return text + ("。" if language == "zh" else ".")


def self_trait(persona: Persona, seed: int) -> str | None:
    """A sentence naming one of the character's own traits, or None when it has none."""
    traits = persona.trait_words
    if not traits:
        return None
    trait = pick(traits[:3], seed, "trait")
    return pick(words.SELF_TRAIT[persona.language], seed, "self-trait").format(trait=trait)


def apply_style(text: str, persona: Persona, seed: int) -> str:
    """Shape a reply to the character's register: formal speakers expand contractions and add a courtesy to
    a plain statement, colloquial ones contract (and end on a particle in Chinese), exclamatory ones exclaim."""
    style = persona.style
    sentences = split_sentences(text)
    if persona.language == "zh":
        if "formal" in style:
            sentences = [sentence.replace("你", "您") for sentence in sentences]
            _add_courtesy(sentences, pick(words.FORMAL_OPENERS["zh"], seed, "formal"), "zh")
        text = "".join(sentences)
        if "colloquial" in style and text.endswith("。") and not re.search(r"[呢吧罢啊呀么]。$", text):
            text = text[:-1] + pick(words.COLLOQUIAL_TAILS, seed, "tail")
        return text.replace("。", "！", 1) if "exclamatory" in style else text
    if "formal" in style:
        sentences = [_swap_contractions(sentence, expand=True) for sentence in sentences]
        if not re.search(r"\b(?:indeed|assure|pray|certainly|upon my word|i must say)\b", text, re.IGNORECASE):
            _add_courtesy(sentences, pick(words.FORMAL_OPENERS["en"], seed, "formal"), "en")
    elif "colloquial" in style:
        sentences = [_swap_contractions(sentence, expand=False) for sentence in sentences]
    if "exclamatory" in style:
        for index, sentence in enumerate(sentences):
            body = sentence.rstrip()
            if body.endswith(".") and not body.endswith(".."):
                sentences[index] = body[:-1] + "!" + sentence[len(body) :]
                break
    return "".join(sentences)


def _add_courtesy(sentences: list[str], opener: str, language: Language) -> None:
    """Put `opener` before the last plain statement (not a question, not opening on an interjection)."""
    for index in range(len(sentences) - 1, -1, -1):
        sentence = sentences[index]
        body = sentence.strip()
        if len(body) < 4 or body.endswith(("?", "？")) or body.startswith(INTERJECTION_STARTS):
            continue
        first = body.split(" ", 1)[0]
        if language == "en" and not (first == "I" or first.casefold() in LOWERABLE):
            continue
        if language == "en" and first != "I":
            sentence = sentence.replace(body, body[0].lower() + body[1:], 1)
        sentences[index] = opener + sentence.lstrip()
        return


def _swap_contractions(text: str, *, expand: bool) -> str:
    for full, short in words.CONTRACTIONS:
        source, target = (short, full) if expand else (full, short)
        escaped = re.escape(source).replace("'", "['’]")
        pattern = re.compile(rf"\b{escaped}\b", re.IGNORECASE)

        def replace(match: re.Match[str], target: str = target) -> str:
            first = match.group()[0]
            return target[0].upper() + target[1:] if first.isupper() else target

        text = pattern.sub(replace, text)
    return text


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value if str(item).strip())
    return " ".join(str(value).split()) if value is not None else ""


def _text_list(value: Any, *, split: bool = True) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = _SPLIT_LIST.split(value) if split else [value]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        parts = [str(item) for item in value if item is not None]
    else:
        parts = [str(value)]
    return [" ".join(part.split()) for part in parts if part and part.strip()]

"""Reading a source passage for the offline story skills: which of the scene's characters are in it, its key
narration sentences, its best quoted line and who says it, the places and objects it names, and a sentence in
which someone means to do something (a goal, from which a task can arise). Pure and deterministic.

Characters are found by their names and aliases, plus the short forms narration uses when they are unambiguous
among the given characters ("Darcy" for Mr. Darcy unless two characters share it; 黛玉 for 林黛玉). Places and
objects come from the offline scene analyser; key sentences are ranked by how much of the passage's vocabulary
they share and how many characters they name.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sceneintruder.textkit import entities, personas
from sceneintruder.textkit.text import Language, sentence_spans

_QUOTE = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"|「([^」]{2,})」")
_QUOTE_MARKS = re.compile(r"[“”\"「」]")
_HEADING = re.compile(r"^(?:chapter|book|part|volume)\b|^第[一二三四五六七八九十百零〇\d]+[回章节卷]", re.IGNORECASE)
_ZH_OBJECT_MARKS = tuple("对向与和同携拉问给替")  # 对黛玉道: 黛玉 is spoken to, not speaking
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lady", "lord", "madam", "captain", "colonel"})
GOAL_CUES = {
    "en": re.compile(
        r"\b(?:must|have to|has to|had to|intends?|intended|determined to|resolved to|promised?|wish(?:es|ed)? to|"
        r"plans? to|planned to|ought to|need to|is to|are to|shall go|will go)\b",
        re.IGNORECASE,
    ),
    "zh": re.compile(r"务必|必须|须得|打算|定要|务要|立意|意欲|要去|要往|托你|求你|嘱咐你|答应你"),
}


@dataclass(frozen=True)
class CastMember:
    """One of the given characters, as it appears in a passage."""

    id: str
    name: str
    called: str  # the short form to use in narration
    mentions: int
    first: int  # offset of the first mention


@dataclass(frozen=True)
class Passage:
    language: Language
    text: str
    cast: tuple[CastMember, ...]  # most mentioned first
    narration: tuple[str, ...]  # the best narration sentences, in text order
    quotes: tuple[tuple[str, str], ...]  # (speaker's name, or "" when unknown; the words), in text order
    places: tuple[str, ...]  # named places first
    items: tuple[str, ...]  # most mentioned first
    goal: str | None


def read_passage(
    text: str, characters: Sequence[Mapping[str, Any]], language: Language, *, max_narration: int = 3
) -> Passage:
    text = text or ""
    quoted = [match.span() for match in _QUOTE.finditer(text)]
    sentences: list[str] = []
    narration: list[str] = []
    for start, end in sentence_spans(text):
        sentence = " ".join(text[start:end].split())
        if not sentence or _is_heading(sentence, language):
            continue
        sentences.append(sentence)
        if not _QUOTE_MARKS.search(sentence) and not any(a <= start < b for a, b in quoted):
            narration.append(sentence)
    forms = _forms(characters, language)
    quotes = _quotes(text, forms, language)
    if not narration and not quotes:  # all speech, in quotations that never close: take its sentences
        spoken = [_QUOTE_MARKS.sub("", s).strip() for s in sentences]
        quotes = [("", s) for s in _key_narration(spoken, sentences, forms, language, 3)]
    things = entities.things_in(text, language)
    return Passage(
        language=language,
        text=text,
        cast=tuple(cast_in(text, characters, language)),
        narration=tuple(_key_narration(narration, sentences, forms, language, max_narration)),
        quotes=tuple(quotes),
        places=tuple(place for place in things.places if place not in forms),
        items=tuple(item for item in things.items if item not in forms),
        goal=_goal(sentences, forms, language),
    )


def cast_in(text: str, characters: Sequence[Mapping[str, Any]], language: Language) -> list[CastMember]:
    """The given characters the text names, most mentioned first (then first mentioned)."""
    forms = _forms(characters, language)
    if not forms or not text:
        return []
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for match in _name_pattern(forms, language).finditer(text):
        character = forms[match.group()]
        key = str(character.get("id") or character.get("name"))
        counts[key] += 1
        first.setdefault(key, match.start())
    found: list[CastMember] = []
    for character in characters:
        key = str(character.get("id") or character.get("name"))
        if counts[key] and key not in {member.id or member.name for member in found}:
            persona = personas.Persona.from_mapping(character, language)
            found.append(CastMember(persona.id, persona.name, persona.called, counts[key], first[key]))
    return sorted(found, key=lambda m: (-m.mentions, m.first))


def _forms(characters: Sequence[Mapping[str, Any]], language: Language) -> dict[str, Mapping[str, Any]]:
    """Every written form of every character → the character; short forms only when unambiguous."""
    full: dict[str, Mapping[str, Any]] = {}
    short: dict[str, list[Mapping[str, Any]]] = {}
    for character in characters:
        name = str(character.get("name") or "").strip()
        if not name:
            continue
        raw_aliases = character.get("aliases")
        aliases = raw_aliases if isinstance(raw_aliases, list) else []
        for form in [name, *(str(a).strip() for a in aliases)]:
            if len(form) >= 2:
                full.setdefault(form, character)
        for form in _short_forms(name, language):
            short.setdefault(form, []).append(character)
    for form, owners in short.items():
        if len({id(owner) for owner in owners}) == 1 and form not in full:
            full[form] = owners[0]
    return full


def _short_forms(name: str, language: Language) -> list[str]:
    if language == "zh":
        return [name[1:]] if len(name) == 3 else []
    words = [w for w in name.replace(".", " ").split() if w]
    if len(words) < 2:
        return []
    if words[0].casefold() in _TITLES:
        rest = words[1:]
        return [" ".join(rest)] if len(rest) == 1 or len(" ".join(rest)) > 3 else []
    return [w for w in (words[0], words[-1]) if len(w) >= 3 and w.casefold() not in personas.FUNCTION_WORDS]


def _name_pattern(forms: Mapping[str, Any], language: Language) -> re.Pattern[str]:
    alternation = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(alternation if language == "zh" else rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])")


def _is_heading(sentence: str, language: Language) -> bool:
    if _HEADING.match(sentence):
        return True
    ends = sentence.rstrip("”’」』\"')）").endswith(("。", "！", "？", ".", "!", "?", "…", "；", ";"))
    return not ends and len(sentence) < (30 if language == "zh" else 40)


def _key_narration(
    candidates: list[str], sentences: list[str], forms: Mapping[str, Any], language: Language, limit: int
) -> list[str]:
    """The narration sentences that share the most of the passage's vocabulary and name the most characters;
    very long ones count less, fragments not at all. Returned in text order."""
    minimum = 8 if language == "zh" else 6
    ranked = [
        (index, sentence)
        for index, sentence in enumerate(candidates)
        if (len(sentence) if language == "zh" else len(sentence.split())) >= minimum
    ]
    if not ranked:
        return []
    vocabulary: Counter[str] = Counter()
    for sentence in sentences:
        vocabulary.update(personas.terms(sentence, language))
    pattern = _name_pattern(forms, language) if forms else None
    long = 120 if language == "zh" else 260

    def score(item: tuple[int, str]) -> tuple[float, int]:
        index, sentence = item
        words = personas.terms(sentence, language)
        value = sum(vocabulary[word] - 1 for word in words) / math.sqrt(1 + len(words))
        value += 1.5 * (len(pattern.findall(sentence)) if pattern else 0)
        return (value * (0.6 if len(sentence) > long else 1.0), -index)

    best = sorted(ranked, key=score, reverse=True)[:limit]
    return [sentence for _, sentence in sorted(best)]


def _quotes(text: str, forms: Mapping[str, Any], language: Language, limit: int = 3) -> list[tuple[str, str]]:
    """Up to `limit` quoted lines of 10-160 characters, in text order: those whose speaker is named next to
    them in the narration first (never a name inside another quotation: "My dear Mr. Bennet," is said *to*
    him), then the longest of the others. A speaker is the character's name, or "" when unknown."""
    pattern = _name_pattern(forms, language) if forms else None
    narration = _QUOTE.sub(lambda m: " " * len(m.group()), text)
    named: list[tuple[int, str, str]] = []
    unnamed: list[tuple[int, str, str]] = []
    for match in _QUOTE.finditer(text):
        words = " ".join(next(group for group in match.groups() if group).split())
        if not 10 <= len(words) <= 160:
            continue
        speaker = ""
        if pattern is not None:
            before = narration[max(0, match.start() - (16 if language == "zh" else 60)) : match.start()]
            after = "" if language == "zh" else narration[match.end() : match.end() + 40]
            found = [m.group() for m in pattern.finditer(after.split("\n\n")[0])]
            window = before.split("\n\n")[-1]
            subjects = [m for m in pattern.finditer(window) if not window[: m.start()].endswith(_ZH_OBJECT_MARKS)]
            found = found or [m.group() for m in subjects][-1:]
            speaker = str(forms[found[0]].get("name") or found[0]) if found else ""
        (named if speaker else unnamed).append((match.start(), speaker, words))
    chosen = named[:limit] + sorted(unnamed, key=lambda q: -len(q[2]))[: max(0, limit - len(named))]
    return [(speaker, words) for _, speaker, words in sorted(chosen)]


_ACTION_AFTER_CUE = re.compile(
    r"^\W*(?:\w+\s+){0,2}?(?:go|see|visit|find|call|meet|speak|tell|bring|take|write|send|return|ask|learn|"
    r"discover|leave|come|persuade|introduce|fetch|seek|follow|help|save|warn|settle|marry)\b",
    re.IGNORECASE,
)


def _goal(sentences: list[str], forms: Mapping[str, Any], language: Language) -> str | None:
    """The first sentence that names a character and in which someone means or is bound to do something
    (English: must/intend/promise... followed by an action; Chinese: 务必/打算/嘱咐...)."""
    cue = GOAL_CUES[language]
    pattern = _name_pattern(forms, language) if forms else None
    if pattern is None:
        return None
    for sentence in sentences:
        match = cue.search(sentence)
        if match is None or not pattern.search(sentence) or not goal_phrase(sentence, language):
            continue
        if language == "zh" or _ACTION_AFTER_CUE.match(sentence[match.end() :]):
            return sentence
    return None


def goal_phrase(goal: str, language: Language) -> str:
    """The action a goal sentence names ("go and see Mr. Bingley"), or "" when it names none clearly."""
    match = GOAL_CUES[language].search(goal)
    if match is None:
        return ""
    rest = goal[match.end() :]
    if language == "zh":
        phrase = re.split(r"[，。！？；：,.!?;:“”]", rest.lstrip("你我他她们"))[0]
        phrase = re.sub(r"(?:之意|的事|罢了|了|的)$", "", phrase)
        return phrase[:10] if len(phrase) >= 2 else ""
    words: list[str] = []
    for word in re.split(r"[,;:!?\"“”]|\.(?!\s+[A-Z])", rest)[0].split():
        if word.casefold() in {
            "when",
            "because",
            "for",
            "as",
            "if",
            "since",
            "though",
            "but",
            "before",
            "after",
            "unless",
        }:
            break
        words.append(word)
    words = [w for w in words if w.casefold() not in {"indeed", "certainly", "really", "always", "to", "be"}][:7]
    if len(words) < 2 or words[-1].casefold() in personas.FUNCTION_WORDS:
        return ""
    return " ".join(words)

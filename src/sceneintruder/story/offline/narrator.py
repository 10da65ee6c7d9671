"""The narrator's toolkit of the offline story skills: retelling a passage in the second person within a length
budget, naming who is present, and offering choices grounded in the passage (its characters, places, objects
and goals). Pure; variation comes from the caller's seed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sceneintruder.story.llm_schemas import ChoiceDraft
from sceneintruder.story.offline import phrases as bank
from sceneintruder.story.offline.passages import Passage, goal_phrase
from sceneintruder.textkit import personas
from sceneintruder.textkit.text import Language

_WORDS = re.compile(r"\S+")
_DECLARATIVE_END = re.compile(r"[.。]$")


def line(
    table: Mapping[str, Mapping[str, tuple[str, ...]]], key: str, language: Language, seed: int, **slots: str
) -> str:
    """One variant of a bank entry, filled in; English lines start with a capital."""
    text = personas.pick(table[key][language], seed, key).format(**slots)
    return text[0].upper() + text[1:] if language == "en" and text else text


def names_list(names: Sequence[str], language: Language) -> str:
    """ "A", "A and B", "A, B and C" (Chinese: A、B与C)."""
    names = [name for name in names if name]
    if len(names) <= 1:
        return names[0] if names else ""
    if language == "zh":
        return "、".join(names[:-1]) + "与" + names[-1]
    return ", ".join(names[:-1]) + " and " + names[-1]


def size(text: str, language: Language) -> int:
    """Length as the bounds count it: Chinese characters, English words."""
    return len(text) if language == "zh" else len(_WORDS.findall(text))


def join(lines: Iterable[str], language: Language) -> str:
    return ("" if language == "zh" else " ").join(part.strip() for part in lines if part and part.strip())


def framed(sentence: str, language: Language, seed: int, salt: str) -> str:
    """A source sentence as something the player notices ("You notice that it is..."); questions and
    exclamations are left as they are."""
    sentence = sentence.strip()
    if not _DECLARATIVE_END.search(sentence):
        return sentence
    if language == "en":
        first, _, rest = sentence.partition(" ")
        if first in {"And", "But", "So", "Yet", "Or"} and rest:
            sentence, first = rest, rest.split(" ", 1)[0]
        if first.casefold() in personas.LOWERABLE or first in {"He", "She", "They", "We", "His", "Her", "Their"}:
            sentence = sentence[0].lower() + sentence[1:]
    return personas.pick(bank.NARRATION["frame"][language], seed, salt).format(s=sentence)


def cast_line(passage: Passage, seed: int, limit: int = 3) -> str:
    names = [member.called for member in passage.cast[:limit]]
    key = "cast_none" if not names else "cast_one" if len(names) == 1 else "cast_many"
    return line(
        bank.NARRATION,
        key,
        passage.language,
        seed,
        a=names[0] if names else "",
        names=names_list(names, passage.language),
    )


def retell(
    passage: Passage, seed: int, *, budget: int, max_narration: int = 2, max_quotes: int = 1, seen: str = ""
) -> list[str]:
    """Key narration sentences and quoted lines, alternating in text order, the first narration framed for
    the player, each clipped, until `budget` (words or Chinese characters) is used. Sentences already in
    `seen` (what the player was shown) are skipped."""
    language = passage.language
    clip_at = 90 if language == "zh" else 220
    narration = [s for s in passage.narration if not was_seen(s, seen)][:max_narration]
    quotes = [(a, words) for a, words in passage.quotes if not was_seen(words, seen)][:max_quotes]
    pieces: list[str] = []
    for index in range(max(len(narration), len(quotes))):
        if index < len(narration):
            sentence = personas.clip(narration[index], clip_at, language)
            pieces.append(framed(sentence, language, seed, f"frame-{index}") if index == 0 else sentence)
        if index < len(quotes):
            speaker, words = quotes[index]
            key = "quote_named" if speaker else "quote_unknown"
            words = personas.clip(words, clip_at, language).strip('“”"')
            words = words[:-1] + "…" if words.endswith((",", "，")) else words
            pieces.append(line(bank.NARRATION, key, language, personas.stable_seed(seed, index), a=speaker, s=words))
    kept: list[str] = []
    for piece in pieces:
        if kept and size(join([*kept, piece], language), language) > budget:
            break
        kept.append(piece)
    return kept


def choices_for(
    passage: Passage, seed: int, *, extra: Sequence[tuple[str, Mapping[str, str]]] = ()
) -> list[ChoiceDraft]:
    """Two or three choices from what the passage holds: talking to or watching its characters, helping
    with a goal it states, going to a place or examining an object it names; waiting or reflecting only to
    make up the number. `extra` (kind, slots) candidates come first."""
    language = passage.language
    candidates: list[tuple[str, dict[str, str]]] = [(kind, dict(slots)) for kind, slots in extra]
    speakers = [m for m in passage.cast if any(m.name == a for a, _ in passage.quotes)]
    if passage.cast:
        candidates.append(("talk", {"a": (speakers or list(passage.cast))[0].called}))
    phrase = goal_phrase(passage.goal, language) if passage.goal else ""
    if phrase:
        candidates.append(("goal", {"goal": phrase}))
    named_places = [p for p in passage.places if language == "zh" or p[:1].isupper()]
    if named_places:
        candidates.append(("place", {"p": named_places[0]}))
    items = [item for item in passage.items if language == "en" or len(item) > 1] or list(passage.items)
    if items:
        candidates.append(("item", {"i": personas.thing(items[0], language)}))
    watched = [m for m in passage.cast if not candidates or m.called != candidates[0][1].get("a")]
    if watched:
        candidates.append(("watch", {"a": watched[0].called}))
    chosen = candidates[:1]
    rest = candidates[1:]
    while rest and len(chosen) < 3:
        choice = personas.pick(rest, seed, f"choice-{len(chosen)}")
        chosen.append(choice)
        rest.remove(choice)
        if len(chosen) == 2 and not personas.chance(seed, "third", 2, 3):
            break
    for fallback in ("wait", "think"):
        if len(chosen) < 2:
            chosen.append((fallback, {}))
    return [draft(bank.CHOICES, kind, slots, language) for kind, slots in chosen]


def draft(
    table: Mapping[str, Mapping[str, tuple[str, ...]]], kind: str, slots: Mapping[str, Any], language: Language
) -> ChoiceDraft:
    """A choice from a (text, consequence, hint) template of `table`, filled in."""
    text, consequence, hint = (part.format(**slots) for part in table[kind][language])
    if language == "en":
        consequence = consequence[0].upper() + consequence[1:]
    return ChoiceDraft(text=text, consequence=consequence, next_node_hint=hint)


def was_seen(sentence: str, seen: str) -> bool:
    """Whether the player was already shown this sentence: a stretch of its middle (retellings change
    its first letter and cut its end) occurs in `seen`."""
    text = " ".join(sentence.split())
    if len(text) < 12 or not seen:
        return False
    start = len(text) // 5
    return text[start : start + (12 if re.search(r"[\u4e00-\u9fff]", text) else 30)] in seen


_FIRST_PERSON_VERBS = {"am": "are", "was": "were", "have": "have", "'m": "are"}


def your_action(text: str) -> str:
    """The predicate of "I ..." for the "You {x}." line: "I open the door" -> "open the door" (the "I" is not
    turned into a second "you": the line already starts with one), "I am late" -> "are late"."""
    rest = text[1:].lstrip()
    verb, _, tail = rest.partition(" ")
    if verb in _FIRST_PERSON_VERBS:
        return f"{_FIRST_PERSON_VERBS[verb]} {tail}".strip()
    return rest


def mapping_of(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def text_of(value: Any) -> str:
    """A short field (a name, a title, a choice) with its whitespace collapsed."""
    return " ".join(str(value).split()) if value is not None else ""


def passage_of(value: Any) -> str:
    """A source text as given: its line breaks separate paragraphs and headings, so they are kept."""
    return value if isinstance(value, str) else ""


def characters_of(inputs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The call's `characters`: mappings with a name (ids are kept as given)."""
    return [c for c in inputs.get("characters") or [] if isinstance(c, Mapping) and text_of(c.get("name"))]

"""Narration put in a character's own mouth: `first_person` turns "Elizabeth smiled" into "I smiled" for
Elizabeth, and `recall` finds what a character knows that bears on a question. Re-exported by
`textkit.personas`; pure and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Protocol

from sceneintruder.textkit import _personas_words as words
from sceneintruder.textkit._personas_text import clip, terms
from sceneintruder.textkit.text import Language


class Persona(Protocol):
    """What these functions read of a `textkit.personas.Persona`."""

    @property
    def language(self) -> Language: ...

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def knowledge(self) -> tuple[str, ...]: ...


# Quotations: double quotes, 「」, and single-quoted speech ('Dinah'll miss me!'), told from apostrophes by where
# it opens (line start, after a space or a dash) and closes (punctuation, then a quote, then a space or the end).
_QUOTED = re.compile(
    r"“[^”]*”?|\"[^\"]*\"?|「[^」]*」?"
    r"|(?:^|(?<=[\s(—]))['‘].*?[.,!?—]['’](?=\s|$|[)—;:])"
)
_CONTRACTED = re.compile(r"^['’](?:ll|d|ve|re|m)\b")


def first_person(sentence: str, persona: Persona) -> str:
    """A sentence about the character put in its own mouth: where the narration names it as the subject it
    becomes I/我, as a possessive "my", elsewhere (English) "me". Names inside quotation marks are left alone:
    there someone else is speaking to or about the character."""
    names = sorted({name for name in persona.names if name}, key=len, reverse=True)
    if not names:
        return sentence
    alternation = "|".join(re.escape(name) for name in names)
    quoted = [match.span() for match in _QUOTED.finditer(sentence)]

    def outside(match: re.Match[str]) -> bool:
        return not any(start <= match.start() < end for start, end in quoted)

    if persona.language == "zh":

        def replace_zh(match: re.Match[str]) -> str:
            before = sentence[: match.start()]
            subject = not before or before[-1] in "，。；：！？、 " or before.endswith(("这", "那"))
            return "我" if outside(match) and subject else match.group()

        result = re.sub(rf"(?:{alternation})", replace_zh, sentence)
        return re.sub(r"(?:这|那)我", "我", result)

    def replace(match: re.Match[str]) -> str:
        if not outside(match):
            return match.group()
        before = sentence[: match.start()].rstrip()
        starts = not before or before[-1] in ".!?"
        if match.group(3):
            return "My" if starts else "my"
        after = sentence[match.end() :].lstrip()
        next_word = after.split(" ", 1)[0].rstrip(",.;:!?").casefold() if after[:1].isalpha() else ""
        if next_word in words.AUXILIARIES or _CONTRACTED.match(after):
            return "I"
        if before.rsplit(" ", 1)[-1].casefold() in words.OBJECT_AFTER:
            return "me"
        subject = (
            not before
            or before[-1] in '.!?;:—(“"'
            or before.endswith((" and", ",", " when", " while", " as", " that", " until", " before", " after"))
            or (next_word and next_word not in words.NOT_AFTER_SUBJECT and not after[:1].isupper())
        )
        return "I" if subject else "me"

    # "the Mouse" is the character too: the article goes with the name ("when the Mouse heard" → "when I heard").
    result = re.sub(rf"\b((?:[Tt]he\s+)?)({alternation})(['’]s)?\b", replace, sentence)
    for third, first in _FIRST_PERSON_VERBS:
        result = re.sub(rf"\bI {third}\b", f"I {first}", result)
    return result


_FIRST_PERSON_VERBS = (
    ("is", "am"),
    ("has", "have"),
    ("does", "do"),
    ("was", "was"),
    ("says", "say"),
    ("thinks", "think"),
    ("knows", "know"),
    ("wants", "want"),
    ("likes", "like"),
    ("loves", "love"),
    ("feels", "feel"),
    ("seems", "seem"),
    ("goes", "go"),
    ("comes", "come"),
    ("sees", "see"),
    ("hears", "hear"),
    ("tells", "tell"),
    ("asks", "ask"),
    ("replies", "reply"),
    ("cries", "cry"),
    ("tries", "try"),
    ("looks", "look"),
    ("takes", "take"),
    ("makes", "make"),
)


def recall(
    persona: Persona, query: str, *, extra: Sequence[str] = (), exclude: Collection[str] = (), limit: int = 180
) -> str | None:
    """What the character knows that bears most on `query`, in its own mouth; None when nothing does.
    `extra` (what everyone in the scene knows) is searched only when the character's own knowledge has nothing;
    a fact whose rendering is in `exclude` (already said) is skipped."""
    wanted = terms(query, persona.language)
    if not wanted:
        return None
    for facts in (persona.knowledge, extra):
        scored = [(len(wanted & terms(fact, persona.language)), -index, fact) for index, fact in enumerate(facts)]
        for score, _, fact in sorted(scored, reverse=True):
            rendered = clip(first_person(fact, persona), limit, persona.language)
            if score and rendered not in exclude:
                return rendered
    return None

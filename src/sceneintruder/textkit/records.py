"""What the language-specific extractors hand to the analyser: people, places and items with the exact
places they were seen. Plain mutable dataclasses, built and consumed inside one `analyze_chunk` call."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class PersonRecord:
    """One person: the canonical name, the other forms it was written in, and where it was seen."""

    name: str
    aliases: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)

    @property
    def mentions(self) -> int:
        return len(self.spans)

    @property
    def dialogue_lines(self) -> int:
        return len(self.quotes)

    @property
    def weight(self) -> int:
        """Importance for ranking: how often the person is named plus how often they speak."""
        return self.mentions + self.dialogue_lines


@dataclass
class EntityRecord:
    """A place or an item, with where it was seen. `proper` marks a named place (Netherfield) as opposed
    to a common noun (the room), which ranks first."""

    name: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    proper: bool = False

    @property
    def mentions(self) -> int:
        return len(self.spans)


@dataclass
class Extraction:
    people: list[PersonRecord]
    places: list[EntityRecord]
    items: list[EntityRecord]


class SentenceIndex:
    """Maps a character offset to the sentence containing it."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self._starts = [start for start, _ in spans]

    def of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def ids(self, spans: Iterable[tuple[int, int]]) -> list[int]:
        return sorted({self.of(start) for start, _ in spans})


def alternation(names: Iterable[str]) -> str:
    """A regex alternation of literal names, longest first so "林黛玉" wins over "黛玉"."""
    return "|".join(re.escape(name) for name in sorted(set(names), key=lambda n: (-len(n), n)))


def ranked_people(people: Iterable[PersonRecord]) -> list[PersonRecord]:
    """Most important first; ties broken by name so the order never depends on dict iteration."""
    return sorted(people, key=lambda p: (-p.weight, -p.mentions, p.name))


def ranked_entities(entities: Iterable[EntityRecord]) -> list[EntityRecord]:
    return sorted(entities, key=lambda e: (not e.proper, -e.mentions, e.name))

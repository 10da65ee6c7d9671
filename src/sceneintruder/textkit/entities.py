"""People, places and things named in a text, whatever its language: the one entry to `entities_en` and
`entities_zh`, and the ranked places and items that every offline skill reads from a passage."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.textkit import entities_en, entities_zh
from sceneintruder.textkit.records import EntityRecord, Extraction, SentenceIndex, ranked_entities
from sceneintruder.textkit.text import Language, sentence_spans

MAX_ENTITIES = 15


def extract(text: str, language: Language, index: SentenceIndex | None = None) -> Extraction:
    """Candidates for people, places and items, with their mentions (`index`: the text's sentences, if known)."""
    extractor = entities_zh if language == "zh" else entities_en
    return extractor.extract(text, index or SentenceIndex(sentence_spans(text)))


def ranked_places(extraction: Extraction) -> list[EntityRecord]:
    return ranked_entities(extraction.places)[:MAX_ENTITIES]


def ranked_items(extraction: Extraction) -> list[EntityRecord]:
    return sorted(extraction.items, key=lambda e: (-e.mentions, e.name))[:MAX_ENTITIES]


@dataclass(frozen=True)
class Things:
    """The places and items a passage names, most mentioned first."""

    places: tuple[str, ...]
    items: tuple[str, ...]


def things_in(text: str, language: Language) -> Things:
    if not text.strip():
        return Things((), ())
    extraction = extract(text, language)
    return Things(
        tuple(place.name for place in ranked_places(extraction)),
        tuple(item.name for item in ranked_items(extraction)),
    )

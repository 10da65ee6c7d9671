"""The built-in provider's analysis of one chunk: real, deterministic text analysis, no model.

`analyze_chunk` finds people (by capitalisation and dialogue attribution in English, jieba name tags and
speech verbs in Chinese), places and items, then describes each person from the text around its
mentions: traits from nearby adjectives, speech style from its quoted lines, relationships from
sentences it shares with others (kinship words and shared surnames name the relation), knowledge and
background from sentences with knowing/origin words. Era, atmosphere and themes come from keyword
lexicons; the summary is a TextRank extract. The same input always gives the same output: every ranking
breaks ties by name or position.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection
from itertools import combinations

from sceneintruder.scenes.analysis_schema import (
    CharacterFinding,
    ChunkAnalysis,
    Importance,
    ItemFinding,
    LocationFinding,
    RelationFinding,
)
from sceneintruder.textkit import entities
from sceneintruder.textkit import lexicons as lex
from sceneintruder.textkit.records import (
    EntityRecord,
    PersonRecord,
    SentenceIndex,
    ranked_people,
)
from sceneintruder.textkit.text import Language, detect_language, sentence_spans
from sceneintruder.textkit.textrank import summarize

MAX_CHARACTERS = 30
_RELATED_PEOPLE = 12
_MAX_RELATIONS = 8
_SCAN_SENTENCES = 400  # per person, for descriptions: bounds the work on a very long chunk
_EN_WORD = re.compile(r"[a-z][a-z'-]*")
_EN_TRAIT = re.compile(rf"\b({'|'.join(sorted(lex.EN_TRAITS, key=lambda w: (-len(w), w)))})\b")
_EN_TRAIT_WORDS = "|".join(sorted(lex.EN_TRAITS, key=lambda w: (-len(w), w)))
# A trait said of the person: "Holmes was cold", "Jane seemed very shy", "the clever Elizabeth".
_EN_PREDICATE = re.compile(
    r"\s*(?:,\s*)?(?:who\s+)?(?:was|is|seemed|looked|appeared|became|grew|remained|had\s+been)\s+"
    rf"(?:(?:very|so|rather|quite|too|most|always|really|extremely|a\s+little|not)\s+)*(?:an?\s+)?({_EN_TRAIT_WORDS})\b",
    re.IGNORECASE,
)
_EN_EPITHET = re.compile(rf"\b({_EN_TRAIT_WORDS})\s+(?:(?:little|old|young)\s+)?$", re.IGNORECASE)
_ZH_TRAIT_WORDS = "|".join(sorted(lex.ZH_TRAITS, key=lambda w: (-len(w), w)))
# 他的性情温和 / 黛玉生得聪明 / 凤姐为人精明: a trait within the clause that starts with the name.
_ZH_PREDICATE = re.compile(rf"[^，。！？；：“”\n]{{0,6}}?({_ZH_TRAIT_WORDS})")
_EN_KIN = re.compile(rf"\b({'|'.join(sorted(lex.EN_KINSHIP, key=lambda w: (-len(w), w)))})\b")
_ZH_TRAIT = re.compile("|".join(sorted(lex.ZH_TRAITS, key=lambda w: (-len(w), w))))
_ZH_KIN = re.compile("|".join(sorted(lex.ZH_KINSHIP, key=lambda w: (-len(w), w))))
_ROLE_LABELS = {
    "en": ("protagonist", "major character", "supporting character", "minor character"),
    "zh": ("主角", "主要角色", "配角", "次要角色"),
}


class _Context:
    """The chunk, its sentences, and lookups shared by every description."""

    def __init__(self, text: str, language: Language) -> None:
        self.text = text
        self.language = language
        self.spans = sentence_spans(text)
        self.index = SentenceIndex(self.spans)

    def sentence(self, sentence_id: int, limit: int = 200) -> str:
        start, end = self.spans[sentence_id]
        return _clip(self.text[start:end], limit)


def analyze_chunk(text: str, *, language: Language | None = None) -> ChunkAnalysis:
    """Analyse one chunk of a novel. `language` defaults to the reference's detection rule."""
    language = language or detect_language(text)
    if not text.strip():
        return ChunkAnalysis()
    context = _Context(text, language)
    extraction = entities.extract(text, language, context.index)
    people = ranked_people(extraction.people)[:MAX_CHARACTERS]
    places = entities.ranked_places(extraction)
    items = entities.ranked_items(extraction)
    relations = _relationships(context, people)
    top_weight = people[0].weight if people else 1
    characters = [
        _character(context, person, rank, top_weight, relations.get(person.name, []))
        for rank, person in enumerate(people)
    ]
    counts = _keyword_counter(text, language)
    return ChunkAnalysis(
        characters=characters,
        items=[_item(context, item, rank, places) for rank, item in enumerate(items)],
        locations=[
            LocationFinding(name=place.name, description=_first_sentence(context, place), mentions=place.mentions)
            for place in places
        ],
        era=_best_label(lex.ERA_LEXICON[language], counts, minimum=2),
        atmosphere=_atmosphere(counts, language),
        themes=_themes(counts, language),
        summary=summarize(
            [text[a:b] for a, b in context.spans], language=language, max_chars=400 if language == "en" else 200
        ),
    )


def _character(
    context: _Context, person: PersonRecord, rank: int, top_weight: int, relations: list[RelationFinding]
) -> CharacterFinding:
    sentence_ids = context.index.ids(person.spans)[:_SCAN_SENTENCES]
    evidence = _traits(context, person)
    traits = list(evidence)
    joiner = "、" if context.language == "zh" else ", "
    return CharacterFinding(
        name=person.name,
        aliases=person.aliases,
        role=_role(context.language, rank, person.weight, top_weight),
        description=evidence[traits[0]] if traits else _describing_sentence(context, sentence_ids),
        personality=joiner.join(traits[:3]) or lex.UNSTATED[context.language],
        traits=traits,
        speech_style=_speech_style(person.quotes, context.language),
        background="".join(_cue_sentences(context, sentence_ids, _background_cue, limit=1)),
        relationships=relations,
        knowledge=_cue_sentences(context, sentence_ids, _knowledge_cue, limit=3),
        mentions=person.mentions,
        dialogue_lines=person.dialogue_lines,
    )


def _role(language: Language, rank: int, weight: int, top_weight: int) -> str:
    labels = _ROLE_LABELS[language]
    if rank == 0:
        return labels[0]
    share = weight / max(1, top_weight)
    return labels[1] if share >= 0.4 else labels[2] if share >= 0.15 else labels[3]


def _traits(context: _Context, person: PersonRecord) -> dict[str, str]:
    """Traits the text states of the person, most stated first, each with the first sentence that states it:
    a trait word predicated of a mention ("Holmes was cold", 凤姐为人精明) or written just before it as an
    epithet ("the clever Elizabeth"). A trait word merely near the name says nothing of the person."""
    found: Counter[str] = Counter()
    evidence: dict[str, str] = {}
    for start, end in person.spans[: _SCAN_SENTENCES * 2]:
        sentence_id = context.index.of(start)
        s_start, s_end = context.spans[sentence_id]
        words: list[str] = []
        if context.language == "en":
            after = _EN_PREDICATE.match(context.text, end, s_end)
            before = _EN_EPITHET.search(context.text, max(s_start, start - 30), start)
            words = [m.group(1).casefold() for m in (after, before) if m]
        elif after := _ZH_PREDICATE.match(context.text, end, s_end):
            words = [after.group(1)]
        for word in words:
            found[word] += 1
            evidence.setdefault(word, context.sentence(sentence_id))
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return {word: evidence[word] for word, _ in ranked}


def _describing_sentence(context: _Context, sentence_ids: list[int]) -> str:
    """The sentence about the person richest in trait words (the first one when none has any)."""
    if not sentence_ids:
        return ""
    pattern = _EN_TRAIT if context.language == "en" else _ZH_TRAIT

    def richness(sentence_id: int) -> int:
        start, end = context.spans[sentence_id]
        sentence = context.text[start:end]
        return len(pattern.findall(sentence.casefold() if context.language == "en" else sentence))

    best = max(sentence_ids, key=lambda sid: (richness(sid), -sid))
    return context.sentence(best)


def _background_cue(sentence: str, language: Language) -> bool:
    if language == "zh":
        return any(cue in sentence for cue in lex.ZH_BACKGROUND_CUES)
    return bool(lex.EN_BACKGROUND_CUES & set(_EN_WORD.findall(sentence.casefold())))


def _knowledge_cue(sentence: str, language: Language) -> bool:
    if language == "zh":
        return any(word in sentence for word in lex.ZH_KNOW_WORDS)
    return bool(lex.EN_KNOW_VERBS & set(_EN_WORD.findall(sentence.casefold())))


def _cue_sentences(
    context: _Context, sentence_ids: list[int], cue: Callable[[str, Language], bool], *, limit: int
) -> list[str]:
    found: list[str] = []
    for sentence_id in sentence_ids:
        start, end = context.spans[sentence_id]
        if cue(context.text[start:end], context.language):
            found.append(context.sentence(sentence_id, 160))
            if len(found) >= limit:
                break
    return found


def _speech_style(quotes: list[str], language: Language) -> str:
    """How the person talks, from their quoted lines: amount, length, exclamations and questions, register."""
    if not quotes:
        return ""
    count = len(quotes)
    exclaim = sum("!" in q or "！" in q for q in quotes) / count
    ask = sum("?" in q or "？" in q for q in quotes) / count
    if language == "zh":
        average = sum(len(q) for q in quotes) / count
        formal = sum(any(m in q for m in lex.ZH_FORMAL_MARKERS) for q in quotes)
        casual = sum(any(m in q for m in lex.ZH_COLLOQUIAL_MARKERS) for q in quotes)
        parts = [f"对白{count}句", "语句较长" if average >= 30 else "语句简短"]
        parts += ["多感叹"] if exclaim >= 0.3 else []
        parts += ["常发问"] if ask >= 0.3 else []
        parts.append("措辞文雅谦敬" if formal > casual else "口吻口语化" if casual > formal else "语气平实")
        return "，".join(parts)
    words = [_EN_WORD.findall(q.casefold()) for q in quotes]
    average = sum(len(w) for w in words) / count
    formal = sum(len(lex.EN_FORMAL_MARKERS & set(w)) for w in words)
    casual = sum(sum(1 for token in w if "'" in token and token.endswith(("n't", "'m", "'ll", "'re"))) for w in words)
    parts = [f"{count} quoted line{'s' if count > 1 else ''}", "long sentences" if average >= 18 else "short sentences"]
    parts += ["often exclamatory"] if exclaim >= 0.3 else []
    parts += ["asks many questions"] if ask >= 0.3 else []
    parts.append("formal" if formal > casual else "colloquial" if casual > formal else "plain")
    return "; ".join(parts)


def _relationships(context: _Context, people: list[PersonRecord]) -> dict[str, list[RelationFinding]]:
    """Pairs of the main people who share at least two sentences; the relation is the commonest kinship
    word in those sentences, else "family" for a shared surname, else "acquaintance"."""
    top = people[:_RELATED_PEOPLE]
    sentences = {person.name: set(context.index.ids(person.spans)) for person in top}
    found: dict[str, list[tuple[int, RelationFinding]]] = {person.name: [] for person in top}
    for first, second in combinations(top, 2):
        shared = sorted(sentences[first.name] & sentences[second.name])
        if len(shared) < 2:
            continue
        label = _relation_label(context, shared, first.name, second.name)
        found[first.name].append((len(shared), RelationFinding(name=second.name, relation=label)))
        found[second.name].append((len(shared), RelationFinding(name=first.name, relation=label)))
    return {
        name: [relation for _, relation in sorted(pairs, key=lambda p: (-p[0], p[1].name))[:_MAX_RELATIONS]]
        for name, pairs in found.items()
    }


def _relation_label(context: _Context, shared: list[int], first: str, second: str) -> str:
    pattern = _ZH_KIN if context.language == "zh" else _EN_KIN
    words: Counter[str] = Counter()
    for sentence_id in shared:
        start, end = context.spans[sentence_id]
        sentence = context.text[start:end]
        words.update(pattern.findall(sentence if context.language == "zh" else sentence.casefold()))
    if words:
        return sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[0][0].removeprefix("之")
    if _same_family(first, second, context.language):
        return "亲属" if context.language == "zh" else "family"
    return "相识" if context.language == "zh" else "acquaintance"


def _same_family(first: str, second: str, language: Language) -> bool:
    if language == "zh":
        servants = ("嬷嬷", "丫头", "丫鬟", "奶娘")
        return (
            first[0] == second[0]
            and first[0] in lex.ZH_SURNAMES
            and not any(s in name for name in (first, second) for s in servants)
        )
    return first.split()[-1] == second.split()[-1] and " " in first and " " in second


def _item(context: _Context, item: EntityRecord, rank: int, places: list[EntityRecord]) -> ItemFinding:
    importance: Importance = (
        "critical" if rank == 0 and item.mentions >= 5 else "important" if item.mentions >= 3 else "minor"
    )
    item_sentences = set(context.index.ids(item.spans))
    near = [(len(item_sentences & set(context.index.ids(p.spans))), p.name) for p in places]
    near = [pair for pair in near if pair[0] > 0]
    location = sorted(near, key=lambda p: (-p[0], p[1]))[0][1] if near else ""
    return ItemFinding(
        name=item.name,
        description=_first_sentence(context, item),
        location=location,
        importance=importance,
        mentions=item.mentions,
    )


def _first_sentence(context: _Context, entity: EntityRecord) -> str:
    return context.sentence(context.index.of(entity.spans[0][0]), 160) if entity.spans else ""


def _keyword_counter(text: str, language: Language) -> Counter[str]:
    """Word counts for English; for Chinese, the counts of every lexicon keyword (substring counts). A word the
    text denies does not count: "not afraid", "never smiled", 没有笑, 不怕 (the mood is not the opposite of the
    text's)."""
    if language == "en":
        words = _EN_WORD.findall(text.casefold())
        return Counter(word for i, word in enumerate(words) if not _EN_NEGATORS & set(words[max(0, i - 2) : i]))
    keywords = {
        word
        for table in (lex.ERA_LEXICON, lex.ATMOSPHERE_LEXICON, lex.THEME_LEXICON)
        for _, words in table["zh"]
        for word in words
    }
    return Counter(
        {
            word: len(re.findall(rf"(?<![{_ZH_NEGATORS}])(?<![{_ZH_NEGATORS}].){re.escape(word)}", text))
            for word in sorted(keywords)
        }
    )


_EN_NEGATORS = frozenset({"not", "no", "never", "without", "nor", "hardly", "nobody", "didn't", "wasn't", "couldn't"})
_ZH_NEGATORS = "不没未无别莫勿"


_Buckets = tuple[tuple[str, Collection[str]], ...]


def _scores(buckets: _Buckets, counts: Counter[str]) -> list[tuple[str, int]]:
    scored = [(label, sum(counts[word] for word in words)) for label, words in buckets]
    return sorted(scored, key=lambda pair: -pair[1])  # stable: lexicon order breaks ties


def _best_label(buckets: _Buckets, counts: Counter[str], *, minimum: int) -> str:
    scored = _scores(buckets, counts)
    return scored[0][0] if scored and scored[0][1] >= minimum else ""


def _atmosphere(counts: Counter[str], language: Language) -> str:
    scored = [pair for pair in _scores(lex.ATMOSPHERE_LEXICON[language], counts) if pair[1] >= 2]
    if not scored:
        return ""
    chosen = [scored[0][0]] + [label for label, score in scored[1:2] if score * 2 >= scored[0][1]]
    return ("、" if language == "zh" else ", ").join(chosen)


def _themes(counts: Counter[str], language: Language) -> list[str]:
    return [label for label, score in _scores(lex.THEME_LEXICON[language], counts) if score >= 3][:4]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if re.search(r"[\u4e00-\u9fff]", text):
        text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

"""Chunk analyses of one text merged into the scene's analysis.

Items and locations are deduplicated by normalised name; one that is also a character's name (a chunk
that saw 林如海 only once may have taken it for a place) is dropped.

Characters are the same person when any of their names or aliases share a normalised key, or when one
name is a shortened form of another's that nothing else claims: a given name, a bare surname of a titled
name ("Darcy" → "Mr. Darcy", preferring a male title when several share it), a nickname of its full name
("Lizzy" → "Elizabeth"), or a Chinese given name of surname + given name (宝玉 → 贾宝玉). Their counts add
up; traits and knowledge are united in order of frequency; the descriptive texts come from the chunk
that mentioned the person most.

Relationships are re-keyed from names to the merged characters' keys. A relation to a name that is not
one of the scene's characters is dropped: the API exposes relationships between characters of the scene,
and a dangling name (someone mentioned once, filtered as noise) would point at nothing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sceneintruder.scenes.analysis_schema import (
    CharacterFinding,
    ChunkAnalysis,
    ItemFinding,
    LocationFinding,
    SceneAnalysis,
    SceneCharacter,
    SceneItem,
    SceneLocation,
)
from sceneintruder.textkit import lexicons as lex
from sceneintruder.textkit.text import Language, name_key, normalize_name, split_sentences
from sceneintruder.textkit.textrank import summarize

_IMPORTANCE_RANK = {"critical": 0, "important": 1, "minor": 2}
_MAX_KNOWLEDGE = 10
_MAX_TRAITS = 8
_MAX_THEMES = 5
_SUMMARY_CHARS = {"en": 600, "zh": 300}
_SLUG = re.compile(r"[^\w]+")


@dataclass
class _Person:
    """Every finding of one person across chunks."""

    findings: list[CharacterFinding] = field(default_factory=list)
    names: Counter[str] = field(default_factory=Counter)


def merge_analyses(chunks: list[ChunkAnalysis], *, language: Language, title: str | None = None) -> SceneAnalysis:
    """One scene analysis from the analyses of its chunks, in a stable order (most important first)."""
    people = _group_people([c for chunk in chunks for c in chunk.characters if normalize_name(c.name)], language)
    characters = _characters(people)
    person_keys = {name_key(name) for c in characters for name in [c.name, *c.aliases]}
    return SceneAnalysis(
        title=title,
        language=language,
        characters=characters,
        items=_items([i for chunk in chunks for i in chunk.items if name_key(i.name) not in person_keys]),
        locations=_locations(
            [loc for chunk in chunks for loc in chunk.locations if name_key(loc.name) not in person_keys]
        ),
        era=_vote([chunk.era for chunk in chunks]),
        atmosphere=_vote([chunk.atmosphere for chunk in chunks]),
        themes=_themes(chunks),
        summary=_summary([chunk.summary for chunk in chunks], language),
        chunk_count=len(chunks),
    )


def _group_people(findings: list[CharacterFinding], language: Language) -> list[_Person]:
    keys = sorted({name_key(n) for f in findings for n in [f.name, *f.aliases] if name_key(n)})
    parent = {key: key for key in keys}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(a: str, b: str) -> None:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)

    for finding in findings:
        own = name_key(finding.name)
        for alias in finding.aliases:
            if name_key(alias):
                union(own, name_key(alias))
    for key in keys:
        target = _shortened_form_of(key, keys, language)
        if target is not None:
            union(key, target)
    people: dict[str, _Person] = defaultdict(_Person)
    for finding in findings:
        person = people[find(name_key(finding.name))]
        person.findings.append(finding)
        person.names[normalize_name(finding.name)] += max(1, finding.mentions)
    return [people[root] for root in sorted(people)]


def _shortened_form_of(key: str, keys: list[str], language: Language) -> str | None:
    """The unique fuller name `key` abbreviates, if there is exactly one (see the module docstring)."""
    if language == "zh":
        fuller = [k for k in keys if len(k) == len(key) + 1 and k[1:] == key and k[0] in lex.ZH_SURNAMES]
        return fuller[0] if len(fuller) == 1 else None
    words = key.split()
    titles = {title.casefold() for title in lex.EN_TITLES}
    if len(words) != 1 or words[0] in titles:
        return None
    word = words[0]
    titled = [k for k in keys if len(k.split()) == 2 and k.split()[0] in titles and k.split()[1] == word]
    male = [k for k in titled if k.split()[0] in {t.casefold() for t in lex.EN_MALE_TITLES}]
    if len(titled) == 1 or len(male) == 1:
        return titled[0] if len(titled) == 1 else male[0]
    untitled = [k for k in keys if k != key and k.split()[0] not in titles and word in (k.split()[0], k.split()[-1])]
    if len(untitled) == 1:
        return untitled[0]
    full = lex.EN_NICKNAMES.get(word)
    owners = sorted({k for k in keys if full and k.split()[0] == full})
    return max(owners, key=len) if owners and len({k.split()[0] for k in owners}) == 1 else None


def _characters(people: list[_Person]) -> list[SceneCharacter]:
    drafts = []
    for person in people:
        # The fullest form any chunk used (Elizabeth Bennet over Elizabeth), then the commonest.
        name = sorted(person.names.items(), key=lambda kv: (-len(kv[0]), -kv[1], kv[0]))[0][0]
        lead = max(person.findings, key=lambda f: (f.mentions + f.dialogue_lines, -person.findings.index(f)))
        aliases = {normalize_name(n) for f in person.findings for n in [f.name, *f.aliases]} - {name, ""}
        drafts.append(
            SceneCharacter(
                key="",
                name=name,
                aliases=sorted(aliases, key=lambda a: (name_key(a), a)),
                role=_first_text(person.findings, lead, "role"),
                description=_first_text(person.findings, lead, "description"),
                personality=_first_text(person.findings, lead, "personality"),
                traits=_by_frequency([t for f in person.findings for t in f.traits])[:_MAX_TRAITS],
                speech_style=_first_text(person.findings, lead, "speech_style"),
                background=_first_text(person.findings, lead, "background"),
                knowledge=_by_frequency([k for f in person.findings for k in f.knowledge])[:_MAX_KNOWLEDGE],
                mentions=sum(f.mentions for f in person.findings),
                dialogue_lines=sum(f.dialogue_lines for f in person.findings),
            )
        )
    order = sorted(range(len(drafts)), key=lambda i: (-(drafts[i].mentions + drafts[i].dialogue_lines), drafts[i].name))
    keys = _unique_keys([drafts[i].name for i in order])
    index_of: dict[str, str] = {}
    for position, i in enumerate(order):
        drafts[i].key = keys[position]
        for name in [drafts[i].name, *drafts[i].aliases]:
            index_of.setdefault(name_key(name), drafts[i].key)
    for i in order:
        drafts[i].relationships = _relationships(people[i].findings, drafts[i].key, index_of)
    return [drafts[i] for i in order]


def _relationships(findings: list[CharacterFinding], own_key: str, index_of: dict[str, str]) -> dict[str, str]:
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        for relation in finding.relationships:
            target = index_of.get(name_key(relation.name))
            if target is not None and target != own_key and relation.relation.strip():
                labels[target][relation.relation.strip()] += 1
    return {
        target: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for target, counts in sorted(labels.items())
    }


def _first_text(findings: list[CharacterFinding], lead: CharacterFinding, field_name: str) -> str:
    """The lead finding's text, else the first non-empty one in chunk order."""
    for finding in [lead, *findings]:
        value = getattr(finding, field_name)
        if value:
            return value
    return ""


def _by_frequency(values: list[str]) -> list[str]:
    first_seen: dict[str, int] = {}
    counts: Counter[str] = Counter()
    for value in (v.strip() for v in values):
        if value:
            first_seen.setdefault(value, len(first_seen))
            counts[value] += 1
    return sorted(counts, key=lambda v: (-counts[v], first_seen[v]))


def _unique_keys(names: list[str]) -> list[str]:
    """Stable keys from names: lower-case words joined by "-" (CJK kept as is), numbered on collision."""
    keys: list[str] = []
    taken: set[str] = set()
    for name in names:
        base = _SLUG.sub("-", name_key(name)).strip("-") or "character"
        key, number = base, 2
        while key in taken:
            key, number = f"{base}-{number}", number + 1
        taken.add(key)
        keys.append(key)
    return keys


def _items(findings: list[ItemFinding]) -> list[SceneItem]:
    groups: dict[str, list[ItemFinding]] = defaultdict(list)
    for item in findings:
        if name_key(item.name):
            groups[name_key(item.name)].append(item)
    merged = []
    for members in groups.values():
        locations = _by_frequency([m.location for m in members])
        merged.append(
            SceneItem(
                key="",
                name=normalize_name(members[0].name),
                description=max((m.description for m in members), key=len),
                location=locations[0] if locations else "",
                importance=min((m.importance for m in members), key=_IMPORTANCE_RANK.__getitem__),
                mentions=sum(m.mentions for m in members),
            )
        )
    merged.sort(key=lambda i: (_IMPORTANCE_RANK[i.importance], -i.mentions, i.name))
    for merged_item, key in zip(merged, _unique_keys([i.name for i in merged]), strict=True):
        merged_item.key = key
    return merged


def _locations(findings: list[LocationFinding]) -> list[SceneLocation]:
    """Locations by normalised name; a one-word name folds into the unique longer name it begins
    (Netherfield → Netherfield Park)."""
    groups: dict[str, list[LocationFinding]] = defaultdict(list)
    for location in findings:
        if name_key(location.name):
            groups[name_key(location.name)].append(location)
    for key in sorted(groups):
        if key not in groups:
            continue
        longer = [k for k in groups if k != key and " " not in key and k.startswith(key + " ")]
        if len(longer) == 1:
            groups[longer[0]].extend(groups.pop(key))
    merged = [
        SceneLocation(
            key="",
            name=normalize_name(max(members, key=lambda m: (len(m.name), m.mentions)).name),
            description=max((m.description for m in members), key=len),
            mentions=sum(m.mentions for m in members),
        )
        for members in groups.values()
    ]
    merged.sort(key=lambda loc: (-loc.mentions, loc.name))
    for merged_location, key in zip(merged, _unique_keys([loc.name for loc in merged]), strict=True):
        merged_location.key = key
    return merged


def _vote(values: list[str]) -> str:
    ranked = _by_frequency(values)
    return ranked[0] if ranked else ""


def _themes(chunks: list[ChunkAnalysis]) -> list[str]:
    return _by_frequency([theme for chunk in chunks for theme in chunk.themes])[:_MAX_THEMES]


def _summary(summaries: list[str], language: Language) -> str:
    """A summary of summaries: all of them when they fit, else a TextRank pick of their sentences."""
    summaries = [s.strip() for s in summaries if s.strip()]
    joiner = "" if language == "zh" else " "
    limit = _SUMMARY_CHARS[language]
    joined = joiner.join(summaries)
    if len(joined) <= limit:
        return joined
    sentences = [sentence for text in summaries for sentence in split_sentences(text)]
    return summarize(sentences, language=language, max_chars=limit, max_sentences=6)

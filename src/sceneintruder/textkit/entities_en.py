"""People, places and items in English prose, by capitalisation, context and dialogue attribution.

A person is a capitalised word sequence that is not only ever seen at the start of a sentence, is not a
stop word (pronouns, months, interjections...), and is not mostly preceded by a locative preposition
("at Netherfield", "to London": those are places); a title (Mr., Lady...) or a dialogue attribution
("said Kitty", "Mrs. Bennet said") is enough on its own. Forms of one person are then linked: a bare
first name or surname to the unique fuller form, a nickname (Lizzy) to its full name (Elizabeth).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sceneintruder.textkit import lexicons as lex
from sceneintruder.textkit.records import EntityRecord, Extraction, PersonRecord, SentenceIndex
from sceneintruder.textkit.text import paragraph_spans

_WORD = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)*(?:['’][A-Z][a-z]+)?"
_ABBREVIATED_TITLES = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Capt", "Col", "Gen", "Lt", "Prof", "Rev", "Mme"})
# A dot follows only an abbreviated title: after "Doctor" it ends the sentence ("Doctor. Stay where you are").
_TITLES = "|".join(
    [rf"{t}\.?" for t in sorted(_ABBREVIATED_TITLES, key=lambda t: (-len(t), t))]
    + sorted(lex.EN_TITLES - _ABBREVIATED_TITLES, key=lambda t: (-len(t), t))
)
_RUN = re.compile(rf"(?<![A-Za-z])(?:(?:{_TITLES})[ \t]*\n?[ \t]*)?{_WORD}(?:[ \t]*\n?[ \t]*{_WORD}){{0,3}}")
_TOKEN = re.compile(_WORD)
_SPEECH = "|".join(lex.EN_SPEECH_VERBS)
_NAME = rf"(?:(?:{_TITLES})\s+)?{_WORD}(?:\s+{_WORD})?"
_ATTRIBUTION = re.compile(rf"\b(?:{_SPEECH})\s+(?:the\s+)?({_NAME})|({_NAME})\s+(?:{_SPEECH})\b")
_INITIAL = re.compile(r"(?:^|[.!?]\s+|[“\"‘(_—-]\s*|\n\s*\n\s*)([A-Za-z])")
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)[\s_]*$")
_NEXT_WORD = re.compile(r"(?:['’](?:s|ll|d)\b)?[\s,]*([a-z]+)")
_POSSESSIVE = re.compile(r"['’]s\s+[a-z]")
_ADJECTIVE_USE = re.compile(r"[ \t]*\n?[ \t]*[a-z]")
_DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish", "ic")
_QUOTE = re.compile(r"“[^”]*”?|\"[^\"]*\"?|(?<![A-Za-z])'(?=[A-Z])[^']*(?:'(?![A-Za-z])|$)")
_PLACE_NOUN = re.compile(
    rf"\b(?:{'|'.join(sorted(lex.EN_LOCATIVE_PREPOSITIONS - {'of', 'upon'}))})\s+the\s+"
    rf"({'|'.join(sorted(lex.EN_PLACE_NOUNS, key=lambda w: (-len(w), w)))})\b"
)
_ITEM = re.compile(
    rf"\b(?:{'|'.join(sorted(lex.EN_DETERMINERS))}|[A-Z][a-z]+['’]s)\s+(?:[a-z-]+\s+)?"
    rf"({'|'.join(sorted(lex.EN_ITEM_NOUNS, key=lambda w: (-len(w), w)))})\b"
)


@dataclass
class _Form:
    """One written form of a capitalised name ("Mr. Bennet") and the evidence gathered about it."""

    title: str
    words: tuple[str, ...]
    spans: list[tuple[int, int]] = field(default_factory=list)
    initial: int = 0
    locative: int = 0
    attributed: int = 0
    definite: int = 0  # after a determiner: "the Bank", "the Neverland", "his Ghost"
    agency: int = 0  # followed by a predicate ("Crane sat") or possessive ("Dinah's")
    adjectival: int = 0  # straight before a lowercase word that is no predicate ("Bohemian paper")

    @property
    def display(self) -> str:
        if not self.title:
            return " ".join(self.words)
        dot = "." if self.title in _ABBREVIATED_TITLES else ""
        return f"{self.title}{dot} {' '.join(self.words)}"

    @property
    def is_place(self) -> bool:
        if self.title:
            return False
        last = self.words[-1]
        if last in lex.EN_PLACE_SUFFIXES or last in lex.EN_COUNTRIES or last.endswith("shire"):
            return True
        if len(self.words) == 1 and last.endswith("land") and len(last) >= 7 and not self.attributed:
            return True  # England, Neverland, Newfoundland
        return self.attributed == 0 and self.locative > 0 and self.locative * 2 >= len(self.spans)


def extract(text: str, sentences: SentenceIndex) -> Extraction:
    del sentences  # English needs no sentence lookup here; the signature is shared with Chinese.
    forms = _collect_forms(text)
    for match in _ATTRIBUTION.finditer(_narration(text)):
        key = _form_key(match.group(1) or match.group(2))
        if key in forms:
            forms[key].attributed += 1
    people_forms = {key: form for key, form in forms.items() if not form.is_place}
    groups = _group(people_forms)
    plural_stems = {
        key[1][0] for key in forms if len(key[1]) == 1 and key[1][0].endswith("s") and _names_stem(key[1][0], forms)
    }
    people = [_person(members) for members in groups if _is_person(members, plural_stems)]
    _assign_quotes(text, people)
    places = _places(text, [form for form in forms.values() if form.is_place])
    return Extraction(people=people, places=places, items=_items(text))


def _collect_forms(text: str) -> dict[tuple[str, tuple[str, ...]], _Form]:
    initials = {match.start(1) for match in _INITIAL.finditer(text)}
    forms: dict[tuple[str, tuple[str, ...]], _Form] = {}
    for match in _RUN.finditer(text):
        parsed = _parse_run(match)
        if parsed is None:
            continue
        title, words, start, end = parsed
        form = forms.setdefault((title, words), _Form(title=title, words=words))
        form.spans.append((start, end))
        if not title and start in initials:
            form.initial += 1
        previous = _PREVIOUS_WORD.search(text, max(0, start - 24), start)
        if previous and previous.group(1).casefold() in lex.EN_LOCATIVE_PREPOSITIONS:
            form.locative += 1
        if previous and previous.group(1).casefold() in lex.EN_DETERMINERS:
            form.definite += 1
        following = _NEXT_WORD.match(text, end)
        if (following and following.group(1) in lex.EN_AGENT_VERBS) or _POSSESSIVE.match(text, end):
            form.agency += 1
        elif _ADJECTIVE_USE.match(text, end):
            form.adjectival += 1
    return forms


def _parse_run(match: re.Match[str]) -> tuple[str, tuple[str, ...], int, int] | None:
    """Title and name words of a capitalised run, without leading stop words ("When Jane" → "Jane")
    and cut at any inner stop word; None when nothing name-like is left."""
    tokens = [(m.group(), match.start() + m.start(), match.start() + m.end()) for m in _TOKEN.finditer(match.group())]
    title = ""
    if tokens[0][0] in lex.EN_TITLES and len(tokens) > 1:
        title, tokens = tokens[0][0], tokens[1:]
        start = match.start()
    else:
        while tokens and (tokens[0][0] in lex.EN_STOP or (tokens[0][0] in lex.EN_EPITHETS and len(tokens) > 1)):
            tokens = tokens[1:]
        if not tokens:
            return None
        start = tokens[0][1]
    kept: list[tuple[str, int, int]] = []
    for token in tokens:
        if token[0] in lex.EN_STOP:
            break
        kept.append(token)
    if not kept:
        return None
    return title, tuple(token[0] for token in kept), start, kept[-1][2]


def _names_stem(word: str, forms: dict[tuple[str, tuple[str, ...]], _Form]) -> bool:
    """Whether `word` is the plural of a name written elsewhere (Darlings of Darling, Neverlands)."""
    stem = word[:-1]
    return any(key[1] and key[1][-1] == stem for key in forms)


def _form_key(name: str) -> tuple[str, tuple[str, ...]]:
    words = tuple(_TOKEN.findall(name))
    if len(words) > 1 and words[0] in lex.EN_TITLES:
        return words[0], words[1:]
    return "", words


def _narration(text: str) -> str:
    """The text with everything inside quotation marks blanked (same length, so offsets still match)."""
    return _QUOTE.sub(lambda m: m.group()[0] + " " * (len(m.group()) - 2) + m.group()[-1:], text)


def _group(forms: dict[tuple[str, tuple[str, ...]], _Form]) -> list[list[_Form]]:
    """Union of the forms of one person (see the module docstring for the linking rules)."""
    parent = {key: key for key in forms}

    def find(key: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key in sorted(forms):
        target = _link_target(key, forms)
        if target is not None:
            parent[find(key)] = find(target)
    groups: dict[tuple[str, tuple[str, ...]], list[_Form]] = defaultdict(list)
    for key in sorted(forms):
        groups[find(key)].append(forms[key])
    return list(groups.values())


def _link_target(
    key: tuple[str, tuple[str, ...]], forms: dict[tuple[str, tuple[str, ...]], _Form]
) -> tuple[str, tuple[str, ...]] | None:
    title, words = key
    fuller = [
        other
        for other in forms
        if other != key
        and len(other[1]) > len(words)
        and (other[0] == title or not title)
        and _contains(other[1], words)
    ]
    if len(words) == 1 and not title:
        titled = [other for other in forms if other[0] and other[1] == words]
        male = [other for other in titled if other[0] in lex.EN_MALE_TITLES]
        candidates = titled if len(titled) == 1 else male if len(male) == 1 else []
        if not candidates and len(fuller) == 1:
            candidates = fuller  # "Ashford" of "Sergeant Owen Ashford" or of "Owen Ashford"
        nickname = lex.EN_NICKNAMES.get(words[0].casefold())
        if not candidates and nickname:
            candidates = [other for other in forms if other[1] and other[1][0].casefold() == nickname]
            candidates = candidates if len({c[1][0] for c in candidates}) == 1 else []
        return min(candidates, key=lambda c: (-len(c[1]), c)) if candidates else None
    return fuller[0] if len(fuller) == 1 else None


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return longer[: len(shorter)] == shorter or longer[-len(shorter) :] == shorter


def _is_person(members: list[_Form], plural_stems: set[str]) -> bool:
    """Whether a group of forms names a person. A title or a dialogue attribution is enough. Otherwise the
    name must be used as one: a first name and a surname written together, or a single name seen three times or
    acting ("Crane sat", "Dinah'll miss me"); and it must not be only a title ("the Duchess", "Doctor"),
    mostly written after a determiner without acting (the Bank, the Imperial Opera, his Ghost), the plural
    of a name (the Darlings), or a demonym used as an adjective ("Bohemian paper")."""
    if any(form.attributed for form in members) or any(form.title and form.words for form in members):
        return True
    total = sum(len(form.spans) for form in members)
    if all(len(form.words) == 1 and form.words[0] in lex.EN_TITLES for form in members):
        return False
    agency = sum(form.agency for form in members)
    if sum(form.definite for form in members) * 2 >= total and agency < 2:
        return False
    if all(len(form.words) == 1 and form.words[0] in plural_stems for form in members):
        return False
    if all(form.words[-1].endswith(_DEMONYM_ENDINGS) and form.adjectival == len(form.spans) for form in members):
        return False  # a demonym used as an adjective: "Bohemian paper", "a Bohemian nobleman"
    mid_sentence = total - sum(form.initial for form in members)
    if mid_sentence == 0:
        return total >= 3 and agency >= 2
    if any(len(form.words) > 1 for form in members):
        return total >= 2  # a first name and a surname
    return agency >= 1 or total >= 3


def _person(members: list[_Form]) -> PersonRecord:
    def rank(form: _Form) -> tuple[int, int, int, str]:
        nickname = len(form.words) == 1 and form.words[0].casefold() in lex.EN_NICKNAMES
        return (-(len(form.words) + bool(form.title)), nickname, -len(form.spans), form.display)

    ordered = sorted(members, key=rank)
    spans = sorted(span for form in members for span in form.spans)
    return PersonRecord(name=ordered[0].display, aliases=[form.display for form in ordered[1:]], spans=spans)


def _assign_quotes(text: str, people: list[PersonRecord]) -> None:
    """One speaker per paragraph (the novel's convention): the person named in the paragraph's first
    dialogue attribution gets every quotation of that paragraph."""
    by_form = {_form_key(name): person for person in people for name in [person.name, *person.aliases]}
    narration = _narration(text)
    for start, end in paragraph_spans(text):
        quotes = [m.group().strip('“”"') for m in _QUOTE.finditer(text, start, end)]
        if not quotes:
            continue
        for match in _ATTRIBUTION.finditer(narration, start, end):
            person = by_form.get(_form_key(match.group(1) or match.group(2)))
            if person is not None:
                person.quotes.extend(" ".join(quote.split()) for quote in quotes if quote.strip())
                break


def _places(text: str, proper: list[_Form]) -> list[EntityRecord]:
    places = [EntityRecord(name=form.display, spans=list(form.spans), proper=True) for form in proper]
    by_first = {place.name.split()[0]: place for place in places if " " in place.name}
    merged = []
    for place in places:
        fuller = by_first.get(place.name) if " " not in place.name else None
        if fuller is not None:
            fuller.spans = sorted(fuller.spans + place.spans)
        else:
            merged.append(place)
    common: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for match in _PLACE_NOUN.finditer(text):
        common[match.group(1)].append(match.span(1))
    merged.extend(EntityRecord(name=noun, spans=spans) for noun, spans in common.items())
    return merged


def _items(text: str) -> list[EntityRecord]:
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for match in _ITEM.finditer(text):
        spans[_singular(match.group(1))].append(match.span(1))
    return [EntityRecord(name=noun, spans=spans[noun]) for noun in sorted(spans)]


def _singular(noun: str) -> str:
    for cut in (2, 1):
        if noun.endswith("es"[-cut:]) and noun[:-cut] in lex.EN_ITEM_NOUNS:
            return noun[:-cut]
    return noun

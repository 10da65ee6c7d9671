"""People, places and items in Chinese prose, with jieba.

Candidates come from jieba's segmentation: words its dictionary tags as person names (nr, nrfg, nrt) and
new words its HMM finds (names of fiction are rarely in a dictionary), cleaned of the characters that
cling to names in classical prose (贾母笑, 携黛玉), plus names introduced by naming phrases (名唤雪雁,
学名王熙凤). A candidate is a person when it is introduced by such a phrase, speaks (X道：“), or acts
(X忙, X便...) often enough; address terms and collectives (老太太, 众人) never are. A given name is an
alias of the full name that is a surname plus it (黛玉 → 林黛玉).

jieba is imported once and its dictionary loaded lazily, on the first Chinese text, under a lock: the
load takes about a second and writes jieba's cache file to the temp directory. The word→tag table is
read from jieba's bundled dictionary (no network). Tagging uses that table rather than
`jieba.posseg`'s HMM tagger, which is ten times slower (about 50 s per MB) for no better names here.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping

from sceneintruder.textkit import lexicons as lex
from sceneintruder.textkit import zh_tokens
from sceneintruder.textkit.records import EntityRecord, Extraction, PersonRecord, SentenceIndex, alternation
from sceneintruder.textkit.zh_tokens import jieba

_LOAD_LOCK = threading.Lock()
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_COUNT_SUFFIX = re.compile(r"(?<=..)[一二三四五六七八九十两几百千万]+[个人位名]$")
_RARE_CHARACTER = 200  # jieba frequency below which a lone character after a surname is a given name (朱|儁)
_NUMERALS = frozenset("一二三四五六七八九十两几百千万数半")
_MEASURES = frozenset("个人位名只件次天年日月回遍声些点分斤里条张口匹头座间家把句步番遭般样想看听面时齐同起")
_NAMING = re.compile(rf"(?:{'|'.join(lex.ZH_NAMING_PATTERNS)})([\u4e00-\u9fff]{{2,3}})")
_SPEECH_AFTER = re.compile(
    r"[因又便忙笑冷回陪也亦遂方]{0,2}(?:笑道|说道|问道|答道|叹道|骂道|哭道|笑曰|问曰|答曰|道|说|问|答|喊|叫|曰)[：:]?\s*[“「『\"]"
)
_QUOTE = re.compile(r"[“「『]([^”」』]*)[”」』]?")
_DIRECTIONS = frozenset("东西南北上下前后左右内外中大小正偏旁这那此其各满一二三四五六七八九十两几")
_NOT_NAME_ENDINGS = frozenset("是了的在有不就都还很得着过里家")
_LOCATIVE_LEAD = frozenset("在到至往进入从回出于离过投赴抵住及见和与同")
_LOCATIVE_CONTEXT = re.compile(r"[在到至往进入从回出于离过投赴抵住]$")
_VERBAL_TAGS = frozenset({"v", "vd", "vi", "a", "ad", "d"})
_TAGS_WANTED = lex.ZH_NAME_TAGS | lex.ZH_PLACE_TAGS | _VERBAL_TAGS
_GOVERNORS = frozenset("与和同对向叫请见被把将随唤问教拉扯替给让跟")
_TITLED = re.compile(
    rf"(?<![\u4e00-\u9fff])?[{''.join(sorted(lex.ZH_SURNAMES))}]"
    rf"(?:{'|'.join(sorted(lex.ZH_TITLE_AFTER_SURNAME, key=lambda w: (-len(w), w)))})"
)


def word_tags() -> Mapping[str, str]:
    with _LOAD_LOCK:
        return _load_word_tags()


@functools.cache
def _load_word_tags() -> Mapping[str, str]:
    """Name, place, verb and adjective tags of jieba's bundled dictionary ("word freq tag" per line)."""
    tags: dict[str, str] = {}
    with zh_tokens.tokenizer().get_dict_file() as handle:
        for raw in handle:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3 and parts[2] in _TAGS_WANTED:
                tags[parts[0]] = parts[2]
    return tags


def extract(text: str, sentences: SentenceIndex) -> Extraction:
    del sentences  # the analyser maps spans to sentences itself
    tokenizer, tags = zh_tokens.tokenizer(), word_tags()
    tokens = [(word, start) for word, start, _ in tokenizer.tokenize(text)]
    candidates, tagged, place_words = _candidates(tokens, tokenizer, tags)
    named = {_clean(match.group(1), strip_leading=False) for match in _NAMING.finditer(text)}
    candidates |= {name for name in named if name}
    speakers = _speakers(text, tokens)
    candidates |= speakers | _surname_joined(tokens, tokenizer) | _titled(text)
    place_tagged = {word for word, is_tagged in place_words.items() if is_tagged}
    glue = lex.ZH_AGENT_FOLLOWERS | lex.ZH_TRAILING_NOISE
    candidates = {w for w in candidates if not (len(w) >= 3 and w[:-1] in candidates and w[-1] in glue)}
    known = {word for word in candidates if tokenizer.FREQ.get(word)}
    known_verbs = {word for word in known if tags.get(word) in _VERBAL_TAGS}
    names = _validated(text, candidates - known_verbs, tagged | {f"@{w}" for w in place_tagged}, named, known)
    names = _without_verbs_and_fragments(text, names)
    people = _people(text, names)
    _assign_quotes(text, people)
    person_names = {name for person in people for name in [person.name, *person.aliases]}
    return Extraction(
        people=people,
        places=_places(text, {w: t for w, t in place_words.items() if w not in person_names}, tokenizer),
        items=_items(text, tokens, person_names),
    )


def _candidates(
    tokens: list[tuple[str, int]], tokenizer: jieba.Tokenizer, tags: Mapping[str, str]
) -> tuple[set[str], set[str], dict[str, bool]]:
    """Person candidates, the ones jieba's dictionary tags as names, and place candidates (word → whether
    the dictionary tags it as a place). Dictionary place names stay person candidates too: jieba tags
    雨村 and 林如海 as places, and evidence of speech decides."""
    candidates: set[str] = set()
    tagged: set[str] = set()
    places: dict[str, bool] = {}
    for word, _ in tokens:
        if not _CJK_WORD.match(word):
            continue
        tag = tags.get(word)
        oov = not tokenizer.FREQ.get(word)
        place = _place_name(word)
        suffixed = word.endswith(lex.ZH_PLACE_SUFFIXES) and (oov or tag in lex.ZH_NAME_TAGS)  # 荣国府 is "nr"
        if place and (tag in lex.ZH_PLACE_TAGS or suffixed):
            places[place] = places.get(place, False) or tag in lex.ZH_PLACE_TAGS
        if tag in lex.ZH_NAME_TAGS or tag in lex.ZH_PLACE_TAGS or oov:
            cleaned = _clean(word)
            if cleaned:
                candidates.add(cleaned)
                if tag in lex.ZH_NAME_TAGS and cleaned == word:
                    tagged.add(cleaned)
    return candidates, tagged, places


def _speakers(text: str, tokens: list[tuple[str, int]]) -> set[str]:
    """Words right before a speech verb and an opening quote (行者道：“, 八戒笑道：“): the speakers, whether or
    not the dictionary knows them as names. Verbs caught the same way (寻思道：“) are dropped later."""
    found = set()
    for word, start in tokens:
        if _CJK_WORD.match(word) and len(word) <= 3 and _SPEECH_AFTER.match(text, start + len(word)):
            cleaned = _clean(word)
            if cleaned and cleaned not in lex.ZH_NOT_NAMES:
                found.add(cleaned)
    return found


def _surname_joined(tokens: list[tuple[str, int]], tokenizer: jieba.Tokenizer) -> set[str]:
    """A surname that jieba cut off an unknown given name (周|明远): the full name, as one candidate."""
    found = set()
    for (first, _), (second, _) in itertools.pairwise(tokens):
        if (
            first in lex.ZH_SURNAMES
            and 1 <= len(second) <= 2
            and re.fullmatch(r"[\u4e00-\u9fff]+", second)
            and second not in lex.ZH_NOT_NAMES
            and not tokenizer.FREQ.get(first + second)
            and (len(second) == 2 or tokenizer.FREQ.get(second, 0) < _RARE_CHARACTER)
        ):
            found.add(first + second)
    return found


def _titled(text: str) -> set[str]:
    """A surname and a form of address after it (许教授, 鲁提辖, 郑大官人)."""
    return {match.group() for match in _TITLED.finditer(text)}


def _clean(word: str, *, strip_leading: bool = True) -> str:
    """Drop one leading verb and trailing function characters glued to a name; "" when not name-like."""
    if strip_leading and len(word) >= 3 and word[0] in lex.ZH_LEADING_NOISE:
        word = word[1:]
    while len(word) >= 3 and word[-1] in lex.ZH_TRAILING_NOISE:
        word = word[:-1]
    if word.endswith("者") and len(word) >= 3:
        word = word[:-1]
    word = _COUNT_SUFFIX.sub("", word)  # 郭胜十人
    if len(word) < 2 or word in lex.ZH_NOT_NAMES or _counted(word) or word[-1] in _NOT_NAME_ENDINGS:
        return ""
    if all(char in lex.ZH_TRAILING_NOISE or char in lex.ZH_LEADING_NOISE for char in word):
        return ""
    return word


def _counted(word: str) -> bool:
    """A number and what it counts (三人, 两个, 十五), not a name that starts with a numeral (八戒, 三藏)."""
    return word[0] in _NUMERALS and (word[1] in _NUMERALS or word[1] in _MEASURES)


def _place_name(word: str) -> str:
    """A named place (荣国府, 荣府) without a glued locative verb (至荣府), or "" for a generic room, a
    direction (后院, 正房) or an address term."""
    if len(word) >= 3 and word[0] in _LOCATIVE_LEAD:
        word = word[1:]
    if word in lex.ZH_GENERIC_PLACES or word in lex.ZH_NOT_NAMES or word[0] in _DIRECTIONS:
        return ""
    return word


def _validated(text: str, candidates: set[str], tagged: set[str], named: set[str], known: set[str]) -> set[str]:
    """Candidates with enough evidence of being a person, counted over every occurrence in the text.

    `tagged` holds the dictionary's person names, and its place names prefixed with "@": a word the
    dictionary calls a place (雨村 is a village) is a person when it acts at least twice. A surname plus
    a validated name is its full form (林如海 once 如海 speaks). An unknown word that starts with a surname
    and is seen three times is a name (张宝, 刘焉). A word the dictionary knows but does not tag as a name
    (`known`: 行者, 八戒, 茶博士, but also 欢喜) must also be governed once, as names are and verbs never are
    (叫行者, 与八戒), or speak twice. Verbs the dictionary mistags as names (闻言, 寻思) are dropped by the caller."""
    if not candidates:
        return set()
    counts: Counter[str] = Counter()
    speech: Counter[str] = Counter()
    agency: Counter[str] = Counter()
    governed: Counter[str] = Counter()
    for match in re.finditer(alternation(candidates), text):
        name, end = match.group(), match.end()
        counts[name] += 1
        if match.start() > 0 and text[match.start() - 1] in _GOVERNORS:
            governed[name] += 1
        if _SPEECH_AFTER.match(text, end) and text[match.start() - 1 : match.start()] != "了":
            speech[name] += 1  # not 接了贬书道：“, where the speaker is before the verb
        if end < len(text) and text[end] in lex.ZH_AGENT_FOLLOWERS:
            agency[name] += 1
    valid = set()
    for name, count in counts.items():
        addressed = name.endswith(lex.ZH_ADDRESS_SUFFIXES) and name[0] in lex.ZH_SURNAMES
        name_like = name in tagged or addressed or name[0] in lex.ZH_SURNAMES
        if name in known and name not in tagged and name not in named and not governed[name] and speech[name] < 2:
            continue
        if (
            name in named
            or (name not in known and _surnamed(name) and count >= 3 and agency[name] + governed[name] >= 1)
            or (name in tagged and _surnamed(name) and count >= 3 and agency[name] + governed[name] >= 1)
            or (speech[name] >= 1 and count >= 2)
            or (name_like and agency[name] >= 1 and count >= 2)
            or (f"@{name}" in tagged and agency[name] >= 2)
            or (agency[name] >= 3 and count >= 4)
        ):
            valid.add(name)
    valid |= {
        name
        for name in counts
        if len(name) == 3 and name[0] in lex.ZH_SURNAMES and name[1] not in lex.ZH_SURNAMES and name[1:] in valid
    }
    return valid | _listed_with(text, valid, {n for n in counts if _surnamed(n)} - valid - known)


def _listed_with(text: str, valid: set[str], surnamed: set[str]) -> set[str]:
    """Surname-first words listed with a validated name (皇甫嵩、朱儁), or three or more of them listed together
    (张让、赵忠、封谞、段珪): names too."""
    if not valid or not surnamed:
        return set()
    listed: set[str] = set()
    names = alternation(valid | surnamed)
    for match in re.finditer(rf"(?:{names})(?:、(?:{names}))+", text):
        members = match.group().split("、")
        if any(member in valid for member in members) or len(members) >= 3:
            listed.update(member for member in members if member in surnamed)
    return listed


def _surnamed(name: str) -> bool:
    return name[0] in lex.ZH_SURNAMES or name[:2] in lex.ZH_DOUBLE_SURNAMES


def _without_verbs_and_fragments(text: str, names: set[str]) -> set[str]:
    """Drop what only looks like a name: a verb that follows names the way a name follows nothing (史进寻思,
    行者闻言: preceded by a name or a pronoun at most of its occurrences), and a name with one character glued
    on (邹靖引, 郑屠家) when the name alone is commoner."""
    if not names:
        return names
    pattern = re.compile(alternation(names))
    counts = Counter(match.group() for match in pattern.finditer(text))
    after_subject: Counter[str] = Counter()
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 4) : match.start()]
        if before[-1:] in lex.ZH_SUBJECTS or any(
            before.endswith(other) for other in names if other != match.group() and not match.group().startswith(other)
        ):
            after_subject[match.group()] += 1
    kept = set()
    for name in names:
        if after_subject[name] * 2 > counts[name]:
            continue
        if len(name) == 3 and name[:2] in names and counts[name[:2]] > counts[name]:
            continue
        if len(name) == 4 and name[:3] in names and counts[name[:3]] > counts[name]:
            continue
        kept.add(name)
    return kept


def _people(text: str, names: set[str]) -> list[PersonRecord]:
    if not names:
        return []
    full_of: dict[str, str] = {}
    counts = Counter(match.group() for match in re.finditer(alternation(names), text))
    for short in names:
        fuller = [n for n in names if len(n) == len(short) + 1 and n[1:] == short and n[0] in lex.ZH_SURNAMES]
        if fuller:
            full_of[short] = max(fuller, key=lambda n: (counts[n], n))
    for titled in names:
        if titled[1:] in lex.ZH_TITLE_AFTER_SURNAME:  # 鲁提辖 → 鲁达, the one other 鲁 of the text
            same = [n for n in names if n != titled and n[0] == titled[0] and n[1:] not in lex.ZH_TITLE_AFTER_SURNAME]
            full = {full_of.get(n, n) for n in same}
            if len(full) == 1:
                full_of[titled] = full.pop()
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    aliases: dict[str, set[str]] = defaultdict(set)
    for match in re.finditer(alternation(names), text):
        canonical = full_of.get(match.group(), match.group())
        spans[canonical].append(match.span())
        if canonical != match.group():
            aliases[canonical].add(match.group())
    return [
        PersonRecord(name=name, aliases=sorted(aliases[name], key=lambda a: (-counts[a], a)), spans=found)
        for name, found in sorted(spans.items())
    ]


def _assign_quotes(text: str, people: list[PersonRecord]) -> None:
    """A quotation belongs to the person named just before it with a speech verb (黛玉道：“…”)."""
    owner = {name: person for person in people for name in [person.name, *person.aliases]}
    if not owner:
        return
    speaker = re.compile(rf"({alternation(owner)})[^。！？”」\n]{{0,6}}?(?:道|说|问|答|喊|叫)[：:]?\s*$")
    for match in _QUOTE.finditer(text):
        window = text[max(0, match.start() - 14) : match.start()]
        found = speaker.search(window)
        if found and match.group(1).strip():
            owner[found.group(1)].quotes.append(match.group(1).strip())


def _places(text: str, words: dict[str, bool], tokenizer: jieba.Tokenizer) -> list[EntityRecord]:
    """Places seen twice, or once with a place suffix of three characters or more (荣禧堂); a word only
    the dictionary calls a place (朝阳) must also be reached or left at least once (至/往/在...)."""
    if not words:
        return []
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for match in re.finditer(alternation(words), text):
        if not tokenizer.FREQ.get(text[match.end() - 1 : match.end() + 1]):  # 长穗宫|绦: the 宫 is 宫绦's
            spans[match.group()].append(match.span())
    places = []
    for name, found in sorted(spans.items()):
        suffixed = name.endswith(lex.ZH_PLACE_SUFFIXES)
        located = any(_LOCATIVE_CONTEXT.search(text, max(0, start - 2), start) for start, _ in found)
        if (suffixed and (len(found) >= 2 or len(name) >= 3)) or (words[name] and located):
            places.append(EntityRecord(name=name, spans=found, proper=True))
    return places


def _items(text: str, tokens: list[tuple[str, int]], person_names: set[str]) -> list[EntityRecord]:
    """Lexicon objects: multi-character words wherever written; a single character (玉, 信) only where
    jieba made it a word of its own or a demonstrative points at it (那玉)."""
    lexicon = [word for word in lex.ZH_ITEM_WORDS if word not in person_names]
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    multi = [word for word in lexicon if len(word) > 1]
    taken: set[int] = set()
    if multi:
        for match in re.finditer(alternation(multi), text):
            if not _inside_name(match.start(), text, person_names):
                spans[match.group()].append(match.span())
                taken.update(range(*match.span()))
    single = {word for word in lexicon if len(word) == 1}
    counted = {start for word, start in tokens if word in single and start not in taken}
    for start in counted:
        spans[text[start]].append((start, start + 1))
    for match in re.finditer(rf"[那这此其]([{''.join(sorted(single))}])", text):
        if match.start(1) not in taken and match.start(1) not in counted:
            spans[match.group(1)].append(match.span(1))
    return [EntityRecord(name=name, spans=sorted(found)) for name, found in sorted(spans.items())]


def _inside_name(offset: int, text: str, person_names: set[str]) -> bool:
    return any(text.startswith(name, offset - i) for name in person_names for i in range(len(name)))

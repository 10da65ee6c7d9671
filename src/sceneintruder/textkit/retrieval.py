"""Passages of a book that bear on a question: Okapi BM25 over paragraphs, in process.

Chat replies with no model answer from the book itself: the passages where the speaking character appears and
that share content words with the question. The book is cut into passages (paragraphs, long ones into runs of
sentences), each indexed by its content terms: English words without function words, lightly stemmed; Chinese
character bigrams (no word segmentation needed, and a two-character name is one term). Scoring is BM25 (k1
1.5, b 0.75), written out here rather than taken from a package: the formula is a dozen lines, and the packages
that offer it bring numpy/scipy for corpora a thousand times larger than one book.

A passage counts only when it covers at least half of the question's information (the IDF-weighted share of
its terms, words the book never uses included), so a single common word shared with the question ("day") is not
an answer. Pure and deterministic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sceneintruder.textkit import _personas_words as words
from sceneintruder.textkit import zh_tokens
from sceneintruder.textkit._personas_text import FUNCTION_WORDS, stem
from sceneintruder.textkit.text import Language, split_sentences

PASSAGE_CHARS = 420  # a paragraph longer than this is indexed as runs of sentences up to about this size
_K1 = 1.5
_B = 0.75
_MIN_COVERAGE = 0.5
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_SHORT_SENTENCE = 80
_POSSESSIVE = re.compile(r"['’]s$")
_EN_FRAME = frozenset(stem(word) for word in words.EXTRA_FUNCTION_WORDS | words.QUESTION_FRAME_WORDS)
_ZH_FRAME = words.ZH_STOP_BIGRAMS | words.ZH_QUESTION_FRAME
# A question's word the book never uses still counts as information the passage must cover (a name the book
# does not know is not answered by a passage sharing the surname); Chinese questions word things differently
# from the book more often (初见 for 看见), so there it counts less.
_UNSEEN_WEIGHT_ZH = 0.3
# Where a character is present: a passage naming it; one up to _NEAR passages away (weighed _NEARBY); one of the
# same section (a segment of the book: a scene, a chapter) that names it elsewhere (weighed _SAME_SECTION), as
# in a long exchange of dialogue where nobody is named.
_NEAR = 2
_NEARBY = 0.8
_SAME_SECTION = 0.6


def terms(text: str, language: Language) -> list[str]:
    """Index terms of a text, with repeats: stemmed English content words (a possessive 's dropped, an irregular
    verb form taken to its base: lent → lend); for Chinese
    also its character bigrams and its characters that are not function characters (药, 摔)."""
    found = [
        stem(words.IRREGULAR_VERBS.get(token, token))
        for token in (_POSSESSIVE.sub("", t.casefold()).strip("'’-") for t in _EN_WORD.findall(text))
        if len(token) > 2 and token not in FUNCTION_WORDS
    ]
    if language == "zh":
        for run in _CJK_RUN.findall(text):
            found += [run[i : i + 2] for i in range(len(run) - 1)]
            found += [char for char in run if char not in words.ZH_STOP_CHARS]
    return found


def query_terms(text: str, language: Language, *, ignore: Iterable[str] = ()) -> list[str]:
    """A question's terms without the words that only frame it ("what happened", "你记得") and without
    `ignore` (the asked character's own names: every passage about it has them). Chinese questions are cut into
    words first, so only bigrams inside a word count (宝玉 and 初见 from 你初见宝玉时, not 玉时), and a word of
    one character is its own term (药 in 你吃什么药)."""
    frame = _ZH_FRAME if language == "zh" else _EN_FRAME
    ignored = {term for name in ignore for term in terms(name, language)}
    if language == "zh":
        found = [t for word in zh_tokens.cut(text) for t in _zh_word_terms(word)]
    else:
        found = terms(text, language)
    return list(dict.fromkeys(t for t in found if t not in frame and t not in ignored))


def _zh_word_terms(word: str) -> list[str]:
    if len(word) == 1:
        return [] if word in words.ZH_STOP_CHARS or not _CJK_RUN.match(word) else [word]
    return [t for t in terms(word, "zh") if len(t) > 1 or not _CJK_RUN.match(t)]


@dataclass(frozen=True)
class Hit:
    passage: str
    score: float
    matched: tuple[str, ...]  # the question's terms the passage contains


class PassageIndex:
    """BM25 over a book's passages, built once per book (see the module's docstring)."""

    def __init__(self, passages: Sequence[str], language: Language, sections: Sequence[int] | None = None) -> None:
        """`sections[i]`: which part of the book (a scene, a chapter) passage i belongs to; one part by default."""
        self.passages = tuple(passages)
        self.language = language
        self._sections = tuple(sections) if sections is not None else (0,) * len(self.passages)
        self._members: dict[int, list[int]] = {}
        for index, section in enumerate(self._sections):
            self._members.setdefault(section, []).append(index)
        self._counts = [Counter(terms(passage, language)) for passage in self.passages]
        self._lengths = [sum(counts.values()) for counts in self._counts]
        self._average = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        self._postings: dict[str, list[int]] = {}
        for index, counts in enumerate(self._counts):
            for term in counts:
                self._postings.setdefault(term, []).append(index)
        total = len(self.passages)
        self._idf = {
            term: math.log(1 + (total - len(ids) + 0.5) / (len(ids) + 0.5)) for term, ids in self._postings.items()
        }
        self._rarest = max(self._idf.values(), default=0.0)
        self._folded = [passage.casefold() for passage in self.passages] if language == "en" else list(self.passages)

    @classmethod
    def from_texts(cls, texts: Iterable[str], language: Language) -> PassageIndex:
        """The passages of `texts` (a book's segments, in order), each text a section."""
        pairs = [(passage, section) for section, text in enumerate(texts) for passage in passages_of(text)]
        return cls([passage for passage, _ in pairs], language, [section for _, section in pairs])

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, query: str, *, within: Collection[str] = (), limit: int = 3) -> list[Hit]:
        """The passages that answer `query` best, best first: only passages where one of `within` is present
        (when `within` is given: named there, nearby or in the same section), and only those covering at least
        half the query's information. `within`'s names are not query terms."""
        wanted = query_terms(query, self.language, ignore=within)
        unseen = self._rarest * (_UNSEEN_WEIGHT_ZH if self.language == "zh" else 1.0)
        weights = {term: self._idf.get(term, unseen) for term in wanted}
        information = sum(weights.values())
        if not information:
            return []
        candidates = sorted({index for term in wanted for index in self._postings.get(term, ())})
        mention = _mention_pattern(within, self.language)
        named: dict[int, bool] = {}

        def is_named(index: int) -> bool:
            if index not in named:
                named[index] = mention is not None and bool(mention.search(self._folded[index]))
            return named[index]

        hits = []
        for index in candidates:
            counts = self._counts[index]
            matched = [term for term in wanted if term in counts]
            if sum(weights[t] for t in matched) < _MIN_COVERAGE * information:
                continue
            score = self._score(index, matched)
            if mention is not None and not is_named(index):
                nearby = range(max(0, index - _NEAR), min(len(self.passages), index + _NEAR + 1))
                if any(is_named(other) for other in nearby):
                    score *= _NEARBY
                elif any(is_named(other) for other in self._members[self._sections[index]]):
                    score *= _SAME_SECTION
                else:
                    continue
            hits.append(Hit(self.passages[index], score, tuple(matched)))
        hits.sort(key=lambda hit: -hit.score)
        return hits[:limit]

    def _score(self, index: int, matched: Sequence[str]) -> float:
        counts, length = self._counts[index], self._lengths[index]
        norm = _K1 * (1 - _B + _B * length / self._average) if self._average else _K1
        return sum(self._idf[t] * counts[t] * (_K1 + 1) / (counts[t] + norm) for t in matched)


def passages_of(text: str) -> list[str]:
    """A text's passages: its paragraphs (blank-line separated when the text has blank lines, else one per line),
    long ones cut into runs of whole sentences of about PASSAGE_CHARS."""
    found: list[str] = []
    breaks = r"\n\s*\n" if re.search(r"\n\s*\n", text) else r"\n"  # hard-wrapped lines stay together
    for paragraph in re.split(breaks, text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph) <= PASSAGE_CHARS:
            found.append(paragraph)
            continue
        run = ""
        for sentence in split_sentences(paragraph):
            if run and len(run) + len(sentence) > PASSAGE_CHARS:
                found.append(run.strip())
                run = ""
            run += sentence
        if run.strip():
            found.append(run.strip())
    return found


def best_sentences(passage: str, query: str, language: Language, *, ignore: Iterable[str] = (), limit: int = 2) -> str:
    """The sentence of `passage` that shares most terms with `query`, with a neighbour that shares some too, or
    else, when it is short, with the one before it (up to `limit` sentences, in the passage's order)."""
    sentences = [s for s in split_sentences(passage) if s.strip()]
    if len(sentences) <= 1:
        return passage.strip()
    wanted = set(query_terms(query, language, ignore=ignore))
    overlap = [len(wanted & set(terms(sentence, language))) for sentence in sentences]
    best = max(range(len(sentences)), key=lambda i: (overlap[i], -i))
    chosen = [best]
    for neighbour in (best + 1, best - 1):
        if len(chosen) < limit and 0 <= neighbour < len(sentences) and overlap[neighbour]:
            chosen.append(neighbour)
    if len(chosen) == 1 < limit and len(sentences[best]) < _SHORT_SENTENCE:
        chosen.append(best - 1 if best else best + 1)  # a short line ("Crane kept them there.") needs what it follows
    return "".join(sentences[i] for i in sorted(chosen)).strip()


def _mention_pattern(names: Collection[str], language: Language) -> re.Pattern[str] | None:
    folded = sorted({name.strip().casefold() for name in names if name.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternation = "|".join(re.escape(name) for name in folded)
    return re.compile(alternation if language == "zh" else rf"(?<![a-z])(?:{alternation})(?![a-z])")

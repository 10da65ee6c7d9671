"""Plain-text utilities the analysis pipeline and the story engine share.

Everything here is pure and deterministic. Splitting functions return exact slices of their input, so a
caller can always map a piece back to its offsets, and the pieces cover the text with nothing lost and
nothing duplicated (`"".join(pieces) == text`). Whitespace between pieces stays attached to the piece
before it; strip for display, never for bookkeeping.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "zh"]

# A sentence ends at terminal punctuation plus any closing quotes/brackets right after it, at a blank
# line (so a heading without punctuation stands alone), or at a line break after CJK text (Chinese
# layouts put one paragraph per line; hard-wrapped English lines end in Latin letters).
_SENTENCE_END = re.compile(
    r"(?:[。！？!?．]+|…+|\.{3,}|(?<![.])\.(?![.]))[”’」』）)》〉\"'\]]*"
    r"|\n[ \t\u3000]*\n|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\n"
)
# Abbreviations whose period does not end an English sentence ("Mr. Bennet").
_ABBREVIATIONS = frozenset(
    re.findall(r"\S+", "mr mrs ms dr st sr jr mt prof rev capt col gen lt sgt hon messrs mme mlle no vs etc esq cf ft")
)
_WORD_BEFORE = re.compile(r"([A-Za-z]+)$")
_CLAUSE_END = re.compile(r"[，,;；:：、—–]+[”’」』）)\"']*")
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n\s*")
_NEWLINES = re.compile(r"\n\s*")
_WHITESPACE = re.compile(r"\s+")
_OPEN_QUOTES = "\"'“‘「『《【(（〈"
_CLOSE_QUOTES = "\"'”’」』》】)）〉"


@dataclass(frozen=True, slots=True)
class TextChunk:
    """One analysis chunk: `text == source[start:end]`."""

    index: int
    start: int
    end: int
    text: str


_SAMPLE_WINDOWS = 64
_SAMPLE_WINDOW_CHARS = 1000


def _language_sample(text: str) -> str:
    """All of a short text; 64 evenly spaced 1,000-character windows of a long one (a novel's language does not
    change page to page, and counting every character of a megabyte in Python takes ~70 ms)."""
    if len(text) <= _SAMPLE_WINDOWS * _SAMPLE_WINDOW_CHARS:
        return text
    step = len(text) // _SAMPLE_WINDOWS
    return "".join(text[i * step : i * step + _SAMPLE_WINDOW_CHARS] for i in range(_SAMPLE_WINDOWS))


def detect_language(text: str) -> Language:
    """The reference's rule (`isEnglishText`): English when Latin letters are more than half of
    Latin letters + CJK ideographs (U+4E00-U+9FFF) + digits. Empty text counts as English."""
    latin = cjk = digits = 0
    for char in _language_sample(text):
        if "\u4e00" <= char <= "\u9fff":
            cjk += 1
        elif char.isdigit():
            digits += 1
        elif char.isalpha() and char <= "\u024f":
            latin += 1
    total = latin + cjk + digits
    if total == 0:
        return "en"
    return "en" if latin * 2 > total else "zh"


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences of `text[start:end]`; they tile that range exactly.

    A sentence ends at 。！？!?．… or a period that is not part of an abbreviation or an initial, plus any
    closing quotes, or at a paragraph break; the whitespace after it belongs to it. Quoted speech is not
    treated specially: a full stop inside a quotation ends a sentence, which is what both summaries and
    co-occurrence want.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        full_stop = match.group().startswith(".") and not match.group().startswith("..")
        # An ASCII full stop ends a sentence only before whitespace, and never after "Mr" or "J".
        if full_stop and ((stop < end and not text[stop].isspace()) or _is_abbreviation(text, match)):
            continue
        while stop < end and text[stop].isspace():
            stop += 1
        if stop > cursor and text[cursor:stop].strip():
            spans.append((cursor, stop))
            cursor = stop
    if cursor < end:
        if spans and not text[cursor:end].strip():
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((cursor, end))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (English and Chinese punctuation), as exact slices."""
    return [text[a:b] for a, b in sentence_spans(text)]


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraph offsets tiling `text`.

    Paragraphs are separated by blank lines when the text has any (Gutenberg-style hard-wrapped prose);
    otherwise every line is a paragraph (the usual layout of Chinese web novels).
    """
    separator = _BLANK_LINE if _BLANK_LINE.search(text) else _NEWLINES
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in separator.finditer(text):
        if match.end() > cursor and text[cursor : match.start()].strip():
            spans.append((cursor, match.end()))
            cursor = match.end()
    if cursor < len(text):
        if spans and not text[cursor:].strip():
            spans[-1] = (spans[-1][0], len(text))
        else:
            spans.append((cursor, len(text)))
    return spans


def split_segments(text: str, target_chars: int = 900) -> list[str]:
    """The story's "original segments" (reference §7.6): paragraphs packed into pieces of about
    `target_chars` characters, a paragraph longer than that cut between sentences (between clauses, and
    only as a last resort mid-clause). Unlike the reference, nothing past the 12th segment is dropped.

    Returns [] for blank text; otherwise `"".join(result) == text`.
    """
    return [chunk.text for chunk in chunk_text(text, max_chars=target_chars)]


def chunk_text(text: str, max_chars: int, overlap_chars: int = 0) -> list[TextChunk]:
    """Analysis chunks of at most `max_chars` characters, cut at paragraph boundaries where possible,
    else at sentence, clause, whitespace and finally any boundary.

    With `overlap_chars`, each chunk after the first starts up to that many characters before the end
    of the previous one (moved forward to a sentence start when one is in range), so an entity cut by
    a boundary is seen whole at least once. The caller sizes `max_chars` from the model's context.
    Without overlap the chunks tile the text exactly; with it, their union still covers all of it.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if not 0 <= overlap_chars < max_chars:
        raise ValueError("overlap_chars must be >= 0 and smaller than max_chars")
    if not text.strip():
        return []
    budget = max_chars - overlap_chars
    cores = _pack(text, budget)
    chunks: list[TextChunk] = []
    for index, (start, end) in enumerate(cores):
        if index and overlap_chars:
            start = _overlap_start(text, start, overlap_chars, after=chunks[-1].start)
        chunks.append(TextChunk(index=index, start=start, end=end, text=text[start:end]))
    return chunks


def normalize_name(name: str) -> str:
    """A name as displayed: NFKC (full-width letters and digits become half-width), surrounding quotes,
    brackets and punctuation removed, a trailing possessive dropped, inner whitespace collapsed, and
    the middle dots of transliterated names unified (约翰・史密斯 → 约翰·史密斯)."""
    value = unicodedata.normalize("NFKC", name)
    value = re.sub(r"[・•‧∙⋅]", "·", value)
    value = _WHITESPACE.sub(" ", value).strip()
    value = value.strip(_OPEN_QUOTES + _CLOSE_QUOTES + " ,，。.;；:：!！?？-—")
    value = re.sub(r"['’]s$", "", value)
    return value.strip()


def name_key(name: str) -> str:
    """The comparison key of a name: normalised, case-folded, periods dropped ("Mr. Bennet" and
    "MR BENNET" compare equal)."""
    value = normalize_name(name).casefold().replace(".", " ")
    return _WHITESPACE.sub(" ", value).strip()


def _is_abbreviation(text: str, match: re.Match[str]) -> bool:
    """True when the period of `match` follows a title/abbreviation or a single-letter initial."""
    before = _WORD_BEFORE.search(text, max(0, match.start() - 12), match.start())
    if before is None:
        return False
    word = before.group(1)
    return word.casefold() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _pack(text: str, budget: int) -> list[tuple[int, int]]:
    """Greedy packing of the finest boundaries needed so that no piece exceeds `budget`."""
    pieces: list[tuple[int, int]] = []
    current_start: int | None = None
    current_end = 0
    for unit_start, unit_end in _units(text, budget):
        if current_start is not None and unit_end - current_start > budget:
            pieces.append((current_start, current_end))
            current_start = None
        if current_start is None:
            current_start = unit_start
        current_end = unit_end
    if current_start is not None:
        pieces.append((current_start, current_end))
    return pieces


def _units(text: str, budget: int) -> list[tuple[int, int]]:
    """Paragraphs, with any paragraph longer than `budget` broken into sentences, clauses and cuts."""
    units: list[tuple[int, int]] = []
    for start, end in paragraph_spans(text):
        if end - start <= budget:
            units.append((start, end))
            continue
        for s_start, s_end in sentence_spans(text, start, end):
            if s_end - s_start <= budget:
                units.append((s_start, s_end))
            else:
                units.extend(_split_long(text, s_start, s_end, budget))
    return units


def _split_long(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """A sentence longer than `budget`: cut after the last clause mark, else the last whitespace,
    that keeps the piece within budget; a hard cut only when neither exists."""
    pieces: list[tuple[int, int]] = []
    while end - start > budget:
        limit = start + budget
        cut = 0
        for match in _CLAUSE_END.finditer(text, start, limit):
            cut = match.end()
        if cut <= start:
            space = max(text.rfind(" ", start, limit), text.rfind("\n", start, limit))
            cut = space + 1 if space > start else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _overlap_start(text: str, core_start: int, overlap_chars: int, *, after: int) -> int:
    """Where an overlapping chunk begins: the first sentence start within `overlap_chars` before
    `core_start` (and after the previous chunk's start, so chunks always advance); else the first word
    start in the window; else the window's beginning."""
    floor = max(after + 1, core_start - overlap_chars)
    spans = sentence_spans(text, floor, core_start)
    # The first span starts at `floor`, usually mid-sentence; the second starts at a real boundary.
    if len(spans) > 1:
        return spans[1][0]
    space = re.compile(r"\s+").search(text, floor, core_start)
    return space.end() if space and space.end() < core_start else floor

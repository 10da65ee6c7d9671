"""Extractive summaries: TextRank over sentences (Mihalcea & Tarau 2004), in pure Python.

Sentences are nodes; edge weights are the overlap of their terms normalised by the log of their lengths;
PageRank (damping 0.85) ranks them; the best are returned in text order within a character budget.
For a very long input the ranking runs over an evenly spaced sample of sentences, which keeps the cost
bounded (the graph is quadratic) while still drawing from the whole text.
"""

from __future__ import annotations

import math
import re

_EN_TERM = re.compile(r"[a-z][a-z'-]+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_EN_STOP = frozenset(
    re.findall(
        r"\S+",
        "the a an and or but of to in on at by for with from as is was were be been being it its he she they them "
        "his her their him i you we me my your our that this these those which who whom what not no so if then "
        "than had has have do did does would could should will shall may might must can very much more most all "
        "any some such there here one said says upon into out up about over only just also",
    )
)
_DAMPING = 0.85
_ITERATIONS = 40
_MAX_NODES = 200


def summarize(sentences: list[str], *, language: str, max_chars: int, max_sentences: int = 3) -> str:
    """The top-ranked sentences, in their original order, joined and cut to `max_chars`."""
    candidates = [(index, sentence.strip()) for index, sentence in enumerate(sentences)]
    candidates = [(index, text) for index, text in candidates if _worth_ranking(text, language)]
    if not candidates:
        fallback = " ".join(s.strip() for s in sentences if s.strip())
        return _cut(fallback, max_chars)
    if len(candidates) > _MAX_NODES:
        step = len(candidates) / _MAX_NODES
        candidates = [candidates[int(i * step)] for i in range(_MAX_NODES)]
    terms = [_terms(text, language) for _, text in candidates]
    scores = _pagerank(terms)
    ranked = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    used = 0
    for position in ranked:
        length = len(candidates[position][1])
        if chosen and used + length > max_chars:
            continue
        chosen.append(position)
        used += length
        if len(chosen) >= max_sentences:
            break
    joiner = "" if language == "zh" else " "
    return _cut(joiner.join(candidates[i][1] for i in sorted(chosen)), max_chars)


def _worth_ranking(text: str, language: str) -> bool:
    """Skip headings and fragments: they make poor summary sentences."""
    if language == "zh":
        return len(_CJK.findall(text)) > 0 and len(text) >= 8
    return len(text.split()) >= 6


def _terms(text: str, language: str) -> frozenset[str]:
    if language == "zh":
        runs = _CJK.findall(text)
        return frozenset(run[i : i + 2] for run in runs for i in range(max(1, len(run) - 1)))
    words = (_stem(word) for word in _EN_TERM.findall(text.casefold()))
    return frozenset(word for word in words if word not in _EN_STOP)


def _stem(word: str) -> str:
    """A crude suffix strip, enough for overlap counting ("danced"/"dancing"/"dance")."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _pagerank(terms: list[frozenset[str]]) -> list[float]:
    size = len(terms)
    weights: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            shared = len(terms[i] & terms[j])
            if not shared or len(terms[i]) < 2 or len(terms[j]) < 2:
                continue
            weight = shared / (math.log(len(terms[i])) + math.log(len(terms[j])))
            weights[i].append((j, weight))
            weights[j].append((i, weight))
    totals = [sum(weight for _, weight in edges) for edges in weights]
    scores = [1.0] * size
    for _ in range(_ITERATIONS):
        updated = [
            (1 - _DAMPING) + _DAMPING * sum(scores[j] * weight / totals[j] for j, weight in weights[i] if totals[j])
            for i in range(size)
        ]
        converged = max(abs(a - b) for a, b in zip(updated, scores, strict=True)) < 1e-6
        scores = updated
        if converged:
            break
    return scores


_CJK_WIDE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK_WIDE}])\s+|\s+(?=[{_CJK_WIDE}])")


def _cut(text: str, max_chars: int) -> str:
    """Whitespace collapsed (and dropped next to CJK, where line wraps are not spaces), then bounded."""
    text = _SPACE_BY_CJK.sub("", " ".join(text.split()))
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + "…"

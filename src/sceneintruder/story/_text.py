"""Small text helpers for prompts and summaries: clipping to a budget and a node's one-line digest."""

from __future__ import annotations

import functools
import re

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=[.;；])\s")


def clip(text: str, limit: int) -> str:
    """`text` with its whitespace collapsed, at most `limit` characters (an ellipsis marks a cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)].rstrip() + "…"


@functools.lru_cache(maxsize=1024)  # texts of at most DIGEST_SOURCE_CHARS (_state): a few MB at most
def digest(text: str, limit: int = 160) -> str:
    """The opening sentence or two of `text`, within `limit` characters: a line of the rolling summary.

    Kept for the texts seen last: every story move makes the rolling summary again from the path's last texts,
    twelve of which the previous move digested already."""
    flat = " ".join(text.split())
    taken = ""
    for sentence in _SENTENCE_END.split(flat):
        sentence = sentence.strip()
        if not sentence:
            continue
        candidate = f"{taken} {sentence}".strip() if taken else sentence
        if len(candidate) > limit:
            break
        taken = candidate
        if len(taken) >= limit // 2:
            break
    return taken or clip(flat, limit)


def bounded_lines(lines: list[str], limit: int) -> list[str]:
    """The last lines of `lines` whose total length stays within `limit` (the newest matter most)."""
    kept: list[str] = []
    total = 0
    for line in reversed(lines):
        if total + len(line) > limit:
            break
        kept.append(line)
        total += len(line) + 1
    return kept[::-1]

"""Extractive chapter summaries: the chapter's most central sentences (TextRank), no model involved."""

from __future__ import annotations

from sceneintruder.textkit import text as textkit_text
from sceneintruder.textkit import textrank

SUMMARY_CHARS = 200


def extractive_summary(prose: str, *, max_chars: int = SUMMARY_CHARS) -> str:
    prose = prose.strip()
    if not prose:
        return ""
    language = textkit_text.detect_language(prose)
    return textrank.summarize(textkit_text.split_sentences(prose), language=language, max_chars=max_chars)

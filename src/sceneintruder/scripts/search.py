"""Full-text search over a script's memory: the entries that bear on a chapter, without reading the whole book.

An entry is indexed by its terms (`textkit.retrieval.terms`): stemmed English content words, and for Chinese its
character bigrams and content characters, so a two-character name (林冲) is one term and matches with no word
segmentation. The terms are stored space-separated in `script_memory.terms`, and the database's own full-text
engine ranks them:

- SQLite: an FTS5 table `script_memory_fts` (`unicode61` tokenizer: every space-separated term is one token,
  CJK bigrams included), ranked by `bm25()`. It has no foreign key: rows go with their entry or script here.
- PostgreSQL: a GIN index on `to_tsvector('simple', terms)`, ranked by `ts_rank`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.scripts.models import ScriptMemory
from sceneintruder.textkit import retrieval

MAX_QUERY_TERMS = 24
_SAFE = re.compile(r"[^\w]", re.UNICODE)


def _token(term: str) -> str:
    """A term as a token every full-text parser keeps whole: ASCII as it is, anything else as `x<hex>` (the
    PostgreSQL parser may drop CJK characters under a C locale; SQLite's would keep them, but one form is
    simpler)."""
    return term if term.isascii() else "x" + term.encode("utf-8").hex()


def _tokens(value: str) -> list[str]:
    found = (_SAFE.sub("", term).lower() for term in retrieval.terms(value, "zh"))
    return [_token(term) for term in found if term]


def terms_of(value: str) -> str:
    return " ".join(dict.fromkeys(_tokens(value)))


def query_of(primary: str, secondary: str = "") -> str:
    """A search query: every term of `primary` (the chapter's outline, the writer's request), then the terms
    `secondary` (the current text) uses most, up to MAX_QUERY_TERMS in all: a handful of telling terms rank
    better, and cost less, than every word of a page."""
    chosen = list(dict.fromkeys(_tokens(primary)))[:MAX_QUERY_TERMS]
    counts = Counter(_tokens(secondary))
    for term, _ in counts.most_common():
        if len(chosen) >= MAX_QUERY_TERMS:
            break
        if term not in chosen:
            chosen.append(term)
    return " ".join(chosen)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def index(session: AsyncSession, entry: ScriptMemory) -> None:
    entry.terms = terms_of(" ".join(part for part in (entry.character, entry.text) if part))
    if _dialect(session) == "sqlite":
        await session.flush()
        await session.execute(
            text("INSERT INTO script_memory_fts (terms, memory_id, script_id) VALUES (:terms, :id, :script)"),
            {"terms": entry.terms, "id": entry.id, "script": entry.script_id},
        )


async def forget_script(session: AsyncSession, script_id: str) -> None:
    if _dialect(session) == "sqlite":
        await session.execute(text("DELETE FROM script_memory_fts WHERE script_id = :script"), {"script": script_id})


async def search(session: AsyncSession, script_id: str, query: str, *, limit: int) -> list[str]:
    """Ids of the script's memory entries best matching `query` (terms, as `query_of` makes), best first."""
    words = query.split()[:MAX_QUERY_TERMS]
    if not words or limit <= 0:
        return []
    if _dialect(session) == "sqlite":
        match = " OR ".join(f'"{word}"' for word in words)
        rows: Sequence[tuple[str]] = (
            await session.execute(
                text(
                    "SELECT memory_id FROM script_memory_fts WHERE script_memory_fts MATCH :match "
                    "AND script_id = :script ORDER BY bm25(script_memory_fts) LIMIT :limit"
                ),
                {"match": match, "script": script_id, "limit": limit},
            )
        ).all()
    else:
        query_text = " | ".join(f"'{word}'" for word in words)
        rows = (
            await session.execute(
                text(
                    "SELECT id FROM script_memory WHERE script_id = :script "
                    "AND to_tsvector('simple', terms) @@ to_tsquery('simple', :query) "
                    "ORDER BY ts_rank(to_tsvector('simple', terms), to_tsquery('simple', :query)) DESC, seq "
                    "LIMIT :limit"
                ),
                {"query": query_text, "script": script_id, "limit": limit},
            )
        ).all()
    return [str(row[0]) for row in rows]

"""What a command sees of the book, bounded whatever the book's length (§11.2 gave the model the whole draft).

- the chapter's outline (title, summary, beats);
- the end of the previous chapter's prose (its last PREVIOUS_ENDING_CHARS characters);
- the summaries of the RECENT_SUMMARIES chapters before it, and of chapter 1 (the premise as written);
- the memory entries relevant to this chapter: full-text search (`search.py`) over the chapter's outline, the
  current text and the writer's request; the threads and foreshadowing due around this chapter or overdue; the
  latest state of the characters named.

A handful of indexed queries, each reading a bounded number of rows: the cost does not grow with the book.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.scripts import search
from sceneintruder.scripts.models import ScriptChapter, ScriptMemory, ScriptSummary

PREVIOUS_ENDING_CHARS = 1200
RECENT_SUMMARIES = 8
SEARCHED_MEMORY = 10
DUE_MEMORY = 6
DUE_WINDOW = 3  # chapters either side of the current one
CHARACTER_STATES = 6
QUERY_CHARS = 2000
OPEN = ("open", "planned")


async def build(
    session: AsyncSession, script_id: str, chapter: int, *, current_text: str = "", request: str = ""
) -> dict[str, Any]:
    row = await session.get(ScriptChapter, (script_id, chapter))
    outline = {"title": row.title, "summary": row.summary, "outline": row.outline} if row else {}
    outline_text = "\n".join(v for v in (outline.get("title"), outline.get("summary"), outline.get("outline")) if v)
    previous_ending = ""
    if chapter > 1:
        tail = await session.scalar(
            select(func.substr(ScriptChapter.user_draft, -PREVIOUS_ENDING_CHARS)).where(
                ScriptChapter.script_id == script_id, ScriptChapter.index == chapter - 1
            )
        )
        previous_ending = (tail or "").strip()
    recent = (
        await session.execute(
            select(ScriptSummary.chapter, ScriptSummary.summary)
            .where(
                ScriptSummary.script_id == script_id,
                ScriptSummary.chapter.between(max(2, chapter - RECENT_SUMMARIES), chapter - 1),
            )
            .union_all(
                select(ScriptSummary.chapter, ScriptSummary.summary).where(
                    ScriptSummary.script_id == script_id, ScriptSummary.chapter == 1, ScriptSummary.chapter < chapter
                )
            )
        )
    ).all()
    summaries = [{"chapter": c, "summary": s} for c, s in sorted(recent) if s]
    query = search.query_of(f"{outline_text} {request}", current_text[:QUERY_CHARS])
    found_ids = await search.search(session, script_id, query, limit=SEARCHED_MEMORY)
    found = (
        {m.id: m for m in (await session.scalars(select(ScriptMemory).where(ScriptMemory.id.in_(found_ids)))).all()}
        if found_ids
        else {}
    )
    due = (
        await session.scalars(
            select(ScriptMemory)
            .where(
                ScriptMemory.script_id == script_id,
                ScriptMemory.kind.in_(("thread", "foreshadowing")),
                ScriptMemory.status.in_(OPEN),
                ScriptMemory.payoff_by.is_not(None),
                ScriptMemory.payoff_by <= chapter + DUE_WINDOW,
            )
            .order_by(ScriptMemory.payoff_by)
            .limit(DUE_MEMORY)
        )
    ).all()
    chosen: dict[str, ScriptMemory] = {}
    for entry in [*(found[i] for i in found_ids if i in found), *due]:
        if entry.chapter <= chapter:
            chosen.setdefault(entry.id, entry)
    named = sorted({e.character for e in chosen.values() if e.character})[:CHARACTER_STATES]
    states: dict[str, dict[str, Any]] = {}
    if named:
        for entry in (
            await session.scalars(
                select(ScriptMemory)
                .where(
                    ScriptMemory.script_id == script_id,
                    ScriptMemory.kind == "character_state",
                    ScriptMemory.character.in_(named),
                    ScriptMemory.chapter <= chapter,
                )
                .order_by(ScriptMemory.chapter, ScriptMemory.seq)
            )
        ).all():
            states.setdefault(entry.character, {}).update(entry.attrs.get("state") or {})
    memory = [
        {"id": e.id, "kind": e.kind, "text": e.text, "chapter": e.chapter, "payoff_by": e.payoff_by}
        for e in chosen.values()
        if e.kind != "character_state"
    ]
    memory += [
        {
            "id": f"state:{name}",
            "kind": "character_state",
            "text": f"{name}: " + "; ".join(f"{k}={v}" for k, v in s.items()),
        }
        for name, s in states.items()
    ]
    return {
        "chapter": chapter,
        "outline": outline,
        "outline_text": outline_text,
        "previous_ending": previous_ending,
        "summaries": summaries,
        "memory": memory,
    }

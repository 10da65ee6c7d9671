"""The book's memory: facts, open threads, foreshadowing (planted in chapter N, expected by chapter M) and
character state per chapter, as rows; merged from a command's `memory_update` or added by the writer.

A `memory_update` takes the reference's keys (`added_facts`, `open_threads`, `foreshadowing`, `character_state`,
each entry a string or an object with `text`) and ours: `resolved_threads` and `paid_foreshadowing` (ids or
texts) close entries, a foreshadowing entry may say `payoff_by` (else it is expected within
FORESHADOW_WINDOW chapters). Exact duplicate texts are skipped, as in the reference (§11.2.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.scripts import search
from sceneintruder.scripts.models import ScriptMemory
from sceneintruder.scripts.records import numbered_id

FORESHADOW_WINDOW = 10  # chapters a foreshadowing without a stated payoff is expected to pay off within
MAX_PER_KIND = 3  # entries taken from one model update per kind (the reference's cap)
MAX_TEXT = 1000
PREFIX = {"fact": "fact", "thread": "thread", "foreshadowing": "foreshadow", "character_state": "state"}
INITIAL_STATUS = {"fact": "", "thread": "open", "foreshadowing": "planned", "character_state": ""}
CLOSED = {"thread": "closed", "foreshadowing": "paid"}


def _text_of(entry: Any) -> str:
    if isinstance(entry, str):
        return entry.strip()[:MAX_TEXT]
    if isinstance(entry, dict):
        return str(entry.get("text") or entry.get("content") or "").strip()[:MAX_TEXT]
    return ""


def _chapter_of(entry: Any, *keys: str) -> int | None:
    if not isinstance(entry, dict):
        return None
    for key in keys:
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 10_000:
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return max(1, min(10_000, int(value.strip())))
    return None


async def _seq(session: AsyncSession, script_id: str) -> int:
    found = await session.scalar(select(func.max(ScriptMemory.seq)).where(ScriptMemory.script_id == script_id))
    return int(found or 0)


async def entries(session: AsyncSession, script_id: str, kinds: Sequence[str] | None = None) -> list[ScriptMemory]:
    statement = select(ScriptMemory).where(ScriptMemory.script_id == script_id)
    if kinds:
        statement = statement.where(ScriptMemory.kind.in_(kinds))
    return list((await session.scalars(statement.order_by(ScriptMemory.seq))).all())


async def add(
    session: AsyncSession,
    script_id: str,
    *,
    kind: str,
    text: str,
    chapter: int,
    seq: int,
    payoff_by: int | None = None,
    character: str = "",
    attrs: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> ScriptMemory:
    if kind == "foreshadowing" and payoff_by is None:
        payoff_by = chapter + FORESHADOW_WINDOW
    entry = ScriptMemory(
        id=numbered_id(PREFIX[kind]),
        script_id=script_id,
        seq=seq,
        kind=kind,
        text=text,
        status=INITIAL_STATUS[kind],
        chapter=chapter,
        payoff_by=payoff_by,
        character=character[:200],
        attrs=attrs or {},
        provenance=provenance or {},
        created_at=utcnow(),
    )
    session.add(entry)
    await search.index(session, entry)
    return entry


async def apply_update(
    session: AsyncSession, script_id: str, update: dict[str, Any], *, chapter: int, provenance: dict[str, Any]
) -> dict[str, int]:
    """Merge one `memory_update` into the rows; returns how many entries were added and closed."""
    current = await entries(session, script_id)
    seen = {(e.kind, e.text) for e in current if e.kind != "character_state"}
    seq = await _seq(session, script_id)
    added = closed = 0
    for key, kind in (("added_facts", "fact"), ("open_threads", "thread"), ("foreshadowing", "foreshadowing")):
        raw = update.get(key)
        for entry in (raw if isinstance(raw, list) else [])[:MAX_PER_KIND]:
            text = _text_of(entry)
            if not text or (kind, text) in seen:
                continue
            seen.add((kind, text))
            seq += 1
            attrs: dict[str, Any] = {"tags": [], "confidence": 0.8} if kind == "fact" else {}
            payoff = _chapter_of(entry, "payoff_by", "payoff_chapter", "payoff")
            await add(
                session, script_id, kind=kind, text=text, chapter=chapter, seq=seq, payoff_by=payoff,
                attrs=attrs, provenance=provenance,
            )  # fmt: skip
            added += 1
    states = update.get("character_state")
    if isinstance(states, dict):
        for name, values in list(states.items())[: MAX_PER_KIND * 4]:
            if not isinstance(name, str) or not name.strip() or not isinstance(values, dict):
                continue
            state = {str(k)[:100]: str(v)[:300] for k, v in list(values.items())[:20]}
            seq += 1
            summary = "; ".join(f"{k}: {v}" for k, v in state.items())
            await add(
                session, script_id, kind="character_state", text=summary, chapter=chapter, seq=seq,
                character=name.strip(), attrs={"state": state}, provenance=provenance,
            )  # fmt: skip
            added += 1
    for key, kind in (("resolved_threads", "thread"), ("paid_foreshadowing", "foreshadowing")):
        raw = update.get(key)
        wanted = {_text_of(entry) for entry in (raw if isinstance(raw, list) else [])} - {""}
        for entry in current:
            if entry.kind == kind and entry.status != CLOSED[kind] and (entry.id in wanted or entry.text in wanted):
                entry.status, entry.resolved_chapter = CLOSED[kind], chapter
                closed += 1
    return {"added": added, "closed": closed}


# --- views --------------------------------------------------------------------------------------------------------


def character_states(rows: Sequence[ScriptMemory]) -> dict[str, dict[str, Any]]:
    """Each character's state as of the latest chapter: the per-chapter states merged in order (the reference's
    shallow merge by key)."""
    merged: dict[str, dict[str, Any]] = {}
    for entry in sorted((e for e in rows if e.kind == "character_state"), key=lambda e: (e.chapter, e.seq)):
        merged.setdefault(entry.character, {}).update(entry.attrs.get("state") or {})
    return merged


def memory_json(rows: Sequence[ScriptMemory]) -> dict[str, Any]:
    """The reference's memory.json shape (version 1)."""
    latest = max((e.created_at for e in rows), default=None)
    return {
        "version": 1,
        "updated_at": rfc3339(latest) if latest else None,
        "facts": [
            {
                "id": e.id,
                "text": e.text,
                "tags": list(e.attrs.get("tags") or []),
                "confidence": e.attrs.get("confidence"),
            }
            for e in rows
            if e.kind == "fact"
        ],
        "character_state": character_states(rows),
        "open_threads": [{"id": e.id, "text": e.text, "status": e.status} for e in rows if e.kind == "thread"],
        "foreshadowing": [{"id": e.id, "text": e.text, "status": e.status} for e in rows if e.kind == "foreshadowing"],
    }


def entry_json(entry: ScriptMemory, *, written_through: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": entry.id,
        "kind": entry.kind,
        "text": entry.text,
        "status": entry.status,
        "chapter": entry.chapter,
        "payoff_by": entry.payoff_by,
        "resolved_chapter": entry.resolved_chapter,
        "character": entry.character,
        "state": dict(entry.attrs.get("state") or {}),
        "provider": entry.provenance.get("provider", "writer") if entry.provenance else "writer",
    }
    if entry.kind in CLOSED:
        out["overdue"] = is_overdue(entry, written_through)
    return out


def is_overdue(entry: ScriptMemory, written_through: int) -> bool:
    """Still open, with a payoff chapter the book has already written past."""
    return (
        entry.kind in CLOSED
        and entry.status != CLOSED[entry.kind]
        and entry.payoff_by is not None
        and written_through > entry.payoff_by
    )


def ledger_json(rows: Sequence[ScriptMemory], *, written_through: int) -> dict[str, Any]:
    """Ours, beside the reference's memory: foreshadowing and threads with their chapters and whether they are
    overdue, and character state per chapter."""
    foreshadowing = [entry_json(e, written_through=written_through) for e in rows if e.kind == "foreshadowing"]
    threads = [entry_json(e, written_through=written_through) for e in rows if e.kind == "thread"]
    states = [
        {"character": e.character, "chapter": e.chapter, "state": dict(e.attrs.get("state") or {}), "id": e.id}
        for e in sorted((e for e in rows if e.kind == "character_state"), key=lambda e: (e.chapter, e.seq))
    ]
    return {
        "written_through": written_through,
        "foreshadowing": foreshadowing,
        "threads": threads,
        "character_states": states,
        "overdue": sum(1 for item in foreshadowing + threads if item.get("overdue")),
    }

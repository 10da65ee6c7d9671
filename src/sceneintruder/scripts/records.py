"""Rows of a script: loading one for its owner (locked for a write), and the small writes every workflow shares.

Every write of a workflow happens in one transaction that starts by taking the script's row (`SELECT ... FOR
UPDATE` on PostgreSQL; SQLite's writers are serial), so two writers of one script go one after the other and
each sees what the other committed (the reference's read-modify-write of JSON files lost updates, §12.20).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from sceneintruder.core.clock import utcnow
from sceneintruder.core.principal import Principal
from sceneintruder.db.ownership import can_access
from sceneintruder.scripts.errors import script_not_found
from sceneintruder.scripts.models import (
    Script,
    ScriptChapter,
    ScriptDraft,
    ScriptProse,
    ScriptRoster,
    ScriptSummary,
    ScriptWorkflow,
)
from sceneintruder.scripts.schemas import SCRIPT_ID

WRITER = "writer"


def numbered_id(prefix: str) -> str:
    """`<prefix>_<digits>` as the reference's ids (`script_<unixnano>`), with six random digits after the clock so
    two ids made in one nanosecond differ and an id cannot be guessed from the time alone."""
    return f"{prefix}_{time.time_ns()}{secrets.randbelow(10**6):06d}"


async def owned(session: AsyncSession, script_id: str, principal: Principal, *, for_update: bool = False) -> Script:
    """The script if `principal` owns it (or is an admin); else 404 RESOURCE_NOT_FOUND, as for a missing one."""
    if not SCRIPT_ID.match(script_id):
        raise script_not_found(script_id)
    statement = select(Script).where(Script.id == script_id)
    if for_update:
        statement = statement.with_for_update()
    script = await session.scalar(statement)
    if script is None or not can_access(script, principal):
        raise script_not_found(script_id)
    return script


def touch(script: Script) -> None:
    script.updated_at = utcnow()
    script.revision = (script.revision or 0) + 1


async def _next_seq(session: AsyncSession, column: Any, script_column: Any, script_id: str) -> int:
    return (
        int(await session.scalar(select(func.coalesce(func.max(column), 0)).where(script_column == script_id)) or 0) + 1
    )


# --- drafts -------------------------------------------------------------------------------------------------------


def scene_text(content: dict[str, Any], chapter: int, scene: int) -> str | None:
    for ch in content.get("chapters") or []:
        if ch.get("index") == chapter:
            for sc in ch.get("scenes") or []:
                if sc.get("index") == scene:
                    return str(sc.get("text") or "")
    return None


def with_scene_text(
    content: dict[str, Any], chapter: int, scene: int, text: str, *, chapter_title: str = "", extra: dict[str, Any]
) -> dict[str, Any]:
    """A copy of `content` with (chapter, scene).text set (the chapter and scene appended if missing), sorted."""
    chapters = [dict(ch, scenes=[dict(sc) for sc in ch.get("scenes") or []]) for ch in content.get("chapters") or []]
    target = next((ch for ch in chapters if ch.get("index") == chapter), None)
    if target is None:
        target = {"index": chapter, "scenes": []}
        if chapter_title:
            target["title"] = chapter_title
        chapters.append(target)
    scenes = target["scenes"]
    found = next((sc for sc in scenes if sc.get("index") == scene), None)
    if found is None:
        found = {"index": scene}
        scenes.append(found)
    found.pop("offline", None)
    found.update({"text": text, **extra})
    scenes.sort(key=lambda sc: int(sc.get("index") or 0))
    chapters.sort(key=lambda ch: int(ch.get("index") or 0))
    return {"chapters": chapters}


async def get_draft(session: AsyncSession, script_id: str, draft_id: str) -> ScriptDraft | None:
    draft = await session.get(ScriptDraft, draft_id)
    return draft if draft is not None and draft.script_id == script_id else None


async def add_draft(
    session: AsyncSession,
    script: Script,
    *,
    content: dict[str, Any],
    notes: dict[str, Any],
    source: str,
    provenance: dict[str, Any] | None = None,
) -> ScriptDraft:
    draft = ScriptDraft(
        id=numbered_id("draft"),
        script_id=script.id,
        seq=await _next_seq(session, ScriptDraft.seq, ScriptDraft.script_id, script.id),
        content=content,
        notes={k: v for k, v in notes.items() if v not in (None, "")},
        source=source,
        provenance=provenance or {},
        created_at=utcnow(),
    )
    session.add(draft)
    return draft


# --- workflow -----------------------------------------------------------------------------------------------------


async def append_workflow(
    session: AsyncSession,
    script: Script,
    *,
    type_: str,
    target: dict[str, int],
    output: dict[str, Any],
    draft_id: str | None = None,
    assist_mode: str = "",
    user_input: str = "",
    command: str = "",
    provenance: dict[str, Any] | None = None,
    refs: dict[str, Any] | None = None,
) -> ScriptWorkflow:
    """One history item; it `depends_on` the item before it (the reference's chain)."""
    last = await session.scalar(
        select(ScriptWorkflow.id)
        .where(ScriptWorkflow.script_id == script.id)
        .order_by(ScriptWorkflow.seq.desc())
        .limit(1)
    )
    links = dict(refs or {})
    if last:
        links["depends_on"] = [last]
    item = ScriptWorkflow(
        id=numbered_id("wf"),
        script_id=script.id,
        seq=await _next_seq(session, ScriptWorkflow.seq, ScriptWorkflow.script_id, script.id),
        type=type_,
        draft_id=draft_id,
        refs=links,
        assist_mode=assist_mode,
        user_input=user_input,
        command=command,
        target=target,
        output=output,
        provenance=provenance or {},
        created_at=utcnow(),
    )
    session.add(item)
    return item


# --- chapters and their prose -------------------------------------------------------------------------------------


async def chapter(session: AsyncSession, script_id: str, index: int) -> ScriptChapter:
    """The chapter row, created empty if missing (outline fields blank, no prose)."""
    row = await session.get(ScriptChapter, (script_id, index))
    if row is None:
        row = ScriptChapter(script_id=script_id, index=index, title="", summary="", outline="", user_draft="")
        session.add(row)
        await session.flush()
    return row


async def chapters_in(session: AsyncSession, script_id: str, first: int, last: int) -> list[ScriptChapter]:
    """Chapters `first`..`last` with their outline fields; their prose is not read (`user_draft` deferred)."""
    return list(
        (
            await session.scalars(
                select(ScriptChapter)
                .options(defer(ScriptChapter.user_draft, raiseload=True))
                .where(ScriptChapter.script_id == script_id, ScriptChapter.index.between(first, last))
                .order_by(ScriptChapter.index)
            )
        ).all()
    )


async def keep_prose(
    session: AsyncSession,
    script_id: str,
    index: int,
    text: str,
    *,
    source: str,
    provenance: dict[str, Any] | None = None,
    workflow_id: str | None = None,
    adopt: bool = True,
) -> bool:
    """A new version of chapter `index`'s prose. The writer's own words become the chapter's `user_draft`;
    a command's text does only when the chapter has no prose yet (and `adopt`: offline prompts are not prose),
    else it is kept beside it (a version the writer can take). Returns whether `user_draft` changed."""
    row = await chapter(session, script_id, index)
    session.add(
        ScriptProse(
            script_id=script_id,
            chapter=index,
            text=text,
            source=source,
            workflow_id=workflow_id,
            provenance=provenance or {},
            created_at=utcnow(),
        )
    )
    if source == WRITER or (adopt and not row.user_draft.strip()):
        row.user_draft = text
        row.updated_at = utcnow()
        return True
    return False


async def prose_versions(session: AsyncSession, script_id: str, index: int) -> Sequence[ScriptProse]:
    return (
        await session.scalars(
            select(ScriptProse)
            .where(ScriptProse.script_id == script_id, ScriptProse.chapter == index)
            .order_by(ScriptProse.id)
        )
    ).all()


# --- summaries and rosters ----------------------------------------------------------------------------------------


async def upsert_summary(
    session: AsyncSession,
    script_id: str,
    index: int,
    *,
    summary: str,
    draft_id: str,
    source: str,
    next_options: list[dict[str, Any]] | None = None,
    provenance: dict[str, Any] | None = None,
) -> None:
    row = await session.get(ScriptSummary, (script_id, index))
    if row is None:
        row = ScriptSummary(script_id=script_id, chapter=index)
        session.add(row)
    row.summary, row.draft_id, row.source = summary, draft_id, source
    row.conflict_state = row.conflict_state or ""
    if next_options is not None:
        row.next_options = next_options
    row.provenance = provenance or {}
    row.updated_at = utcnow()


async def roster(session: AsyncSession, script_id: str, kind: str) -> list[dict[str, Any]]:
    row = await session.get(ScriptRoster, (script_id, kind))
    return list(row.entries) if row is not None else []


async def save_roster(session: AsyncSession, script_id: str, kind: str, entries: list[dict[str, Any]]) -> None:
    row = await session.get(ScriptRoster, (script_id, kind))
    if row is None:
        session.add(ScriptRoster(script_id=script_id, kind=kind, entries=entries))
    else:
        row.entries = entries

"""Scripts as projects: create, list (the caller's own), read with everything attached, update, delete; and the
continuity check of a whole book, cached per revision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.principal import Principal
from sceneintruder.scripts import continuity, memory, records, search, views
from sceneintruder.scripts.models import (
    Script,
    ScriptChapter,
    ScriptDraft,
    ScriptOutlineRun,
    ScriptSummary,
    ScriptWorkflow,
)
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.scripts.schemas import (
    DEFAULT_WORKFLOW_LIMIT,
    MAX_WORKFLOW_LIMIT,
    ScriptCreate,
    ScriptUpdate,
    normalise_framework,
)

CONTINUITY_CACHE_SIZE = 64


async def create(runtime: ScriptsRuntime, *, principal: Principal, body: ScriptCreate) -> dict[str, Any]:
    title = (body.title or "").strip()
    if not title:
        raise BadRequest("title is required", details="title")
    now = utcnow()
    script = Script(
        id=records.numbered_id("script"),
        owner_id=principal.user_id,
        title=title,
        type=(body.type or "").strip() or "novel",
        framework=normalise_framework(body.framework) if body.framework is not None else None,
        recommended_commands=[dict(c) for c in views.RECOMMENDED_COMMANDS],
        active_draft_id=None,
        cursor={"chapter": 1, "scene": 1, "segment": 0},
        revision=0,
        created_at=now,
        updated_at=now,
    )
    async with runtime.db.writer() as session:
        session.add(script)
        await session.flush()
        await records.save_roster(session, script.id, "characters", [])
        await records.save_roster(session, script.id, "items", [])
        await session.commit()
        return views.brief_json(script)


async def list_scripts(runtime: ScriptsRuntime, *, principal: Principal) -> list[dict[str, Any]]:
    """The caller's scripts, most recently updated first (the reference listed everyone's, §12.4)."""
    async with runtime.db.reader() as session:
        rows = (
            await session.scalars(
                select(Script).where(Script.owner_id == principal.user_id).order_by(Script.updated_at.desc())
            )
        ).all()
        return [views.project_json(row) for row in rows]


async def update(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: ScriptUpdate
) -> dict[str, Any]:
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        if body.title is not None and body.title.strip():
            script.title = body.title.strip()
        if body.type is not None and body.type.strip():
            script.type = body.type.strip()
        if "framework" in body.model_fields_set and body.framework is not None:
            script.framework = normalise_framework(body.framework)
        records.touch(script)
        await session.commit()
        out = views.brief_json(script)
        out["framework"] = script.framework
        out["recommended_commands"] = list(script.recommended_commands or [])
        cursor = views.cursor_of(script)
        if script.active_draft_id or any(cursor.values()):
            out["state"] = views.state_of(script)
        return out


async def remove(runtime: ScriptsRuntime, *, script_id: str, principal: Principal) -> dict[str, Any]:
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        await search.forget_script(session, script.id)
        await session.delete(script)
        await session.commit()
    if script.job_id:
        job = await runtime.jobs.get(script.job_id)
        if job is not None and not job.status.is_final:
            await runtime.jobs.cancel(job.id, principal)
    return {"id": script_id}


# --- detail -------------------------------------------------------------------------------------------------------


async def chapters(session: AsyncSession, script_id: str) -> list[ScriptChapter]:
    return list(
        (
            await session.scalars(
                select(ScriptChapter).where(ScriptChapter.script_id == script_id).order_by(ScriptChapter.index)
            )
        ).all()
    )


async def detail(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, workflow_limit: int | None
) -> dict[str, Any]:
    limit = (
        DEFAULT_WORKFLOW_LIMIT if not workflow_limit or workflow_limit <= 0 else min(workflow_limit, MAX_WORKFLOW_LIMIT)
    )
    async with runtime.db.reader() as session:
        script = await records.owned(session, script_id, principal)
        active = await records.get_draft(session, script_id, script.active_draft_id) if script.active_draft_id else None
        drafts = (  # the list needs no content: only the active draft's is read (above)
            await session.scalars(
                select(ScriptDraft)
                .options(defer(ScriptDraft.content))
                .where(ScriptDraft.script_id == script_id)
                .order_by(ScriptDraft.seq.desc())
            )
        ).all()
        rows = await memory.entries(session, script_id)
        summaries = (
            await session.scalars(
                select(ScriptSummary).where(ScriptSummary.script_id == script_id).order_by(ScriptSummary.chapter)
            )
        ).all()
        chapter_rows = await chapters(session, script_id)
        characters = await records.roster(session, script_id, "characters")
        items = await records.roster(session, script_id, "items")
        workflow = (
            await session.scalars(
                select(ScriptWorkflow)
                .where(ScriptWorkflow.script_id == script_id)
                .order_by(ScriptWorkflow.seq.desc())
                .limit(limit)
            )
        ).all()
        run = await session.get(ScriptOutlineRun, script_id)
    out = views.project_json(script)
    out.update(
        {
            "drafts": [views.draft_meta(d) for d in drafts],
            "memory": memory.memory_json(rows),
            "chapter_summaries": {"items": [views.summary_json(s) for s in summaries]},
            "chapter_draft": {"chapters": [views.chapter_json(c) for c in chapter_rows]},
            "characters": characters,
            "items": items,
            "workflow_items": [views.workflow_json(w) for w in reversed(workflow)],
        }
    )
    if active is not None:
        out["active_draft"] = views.draft_json(active)
    book = best_prose(chapter_rows, active)
    written_through = max((index for index, text in book if text.strip()), default=0)
    out["ledger"] = memory.ledger_json(rows, written_through=written_through)
    out["continuity"] = {
        "warnings": check_cached(runtime, script, book, characters, rows),
        "revision": script.revision,
    }
    if run is not None:
        out["outline_run"] = outline_run_json(run)
    return out


def outline_run_json(run: ScriptOutlineRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "mode": run.mode,
        "status": run.status,
        "first_chapter": run.first_chapter,
        "last_chapter": run.last_chapter,
        "next_chapter": run.next_chapter,
        "batch_size": run.batch_size,
        "batches": run.batches,
        "salvaged": run.salvaged,
        "failures": run.failures,
        "last_error": run.last_error,
        "task_id": run.job_id,
        **(
            {"provider": run.provenance.get("provider"), "offline": run.provenance.get("offline")}
            if run.provenance
            else {}
        ),
    }


def best_prose(chapter_rows: list[ScriptChapter], active: ScriptDraft | None) -> list[tuple[int, str]]:
    """Each chapter's best prose: the writer's `user_draft`, else the active draft's scenes of that chapter."""
    scenes: dict[int, str] = {}
    if active is not None:
        for chapter in active.content.get("chapters") or []:
            texts = [
                str(s.get("text") or "").strip()
                for s in sorted(chapter.get("scenes") or [], key=lambda s: s.get("index") or 0)
                if not s.get("offline")  # the offline provider's prompts are not prose
            ]
            scenes[int(chapter.get("index") or 0)] = "\n\n".join(t for t in texts if t)
    indexes = sorted({c.index for c in chapter_rows} | set(scenes))
    by_index = {c.index: c for c in chapter_rows}
    out = []
    for index in indexes:
        row = by_index.get(index)
        text = row.user_draft.strip() if row is not None and row.user_draft.strip() else scenes.get(index, "")
        out.append((index, text))
    return out


def check_cached(
    runtime: ScriptsRuntime,
    script: Script,
    book: list[tuple[int, str]],
    characters: list[dict[str, Any]],
    rows: list[Any],
) -> list[dict[str, Any]]:
    """The continuity warnings of this revision of the book (computed once per revision in this process)."""
    key = (script.id, script.revision)
    cache = runtime.continuity_cache
    if key in cache:
        cache.move_to_end(key)
        return list(cache[key])
    warnings = continuity.check(book, continuity.roster_people(characters, rows), rows)
    cache[key] = warnings
    while len(cache) > CONTINUITY_CACHE_SIZE:
        cache.popitem(last=False)
    return list(warnings)


async def continuity_report(runtime: ScriptsRuntime, *, script_id: str, principal: Principal) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        script = await records.owned(session, script_id, principal)
        rows = await memory.entries(session, script_id)
        chapter_rows = await chapters(session, script_id)
        active = await records.get_draft(session, script_id, script.active_draft_id) if script.active_draft_id else None
        characters = await records.roster(session, script_id, "characters")
    book = best_prose(chapter_rows, active)
    written_through = max((index for index, text in book if text.strip()), default=0)
    return {
        "script_id": script_id,
        "revision": script.revision,
        "warnings": check_cached(runtime, script, book, characters, rows),
        "ledger": memory.ledger_json(rows, written_through=written_through),
    }

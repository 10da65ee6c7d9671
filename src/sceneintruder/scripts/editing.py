"""What the writer does by hand: chapter prose, a manual edit of the draft, rewinding, the characters and items
lists, memory entries. Each is one transaction on the script's locked row.

Nothing the writer typed is lost: chapter prose is appended as a version (`ScriptProse`) before it becomes the
chapter's `user_draft`; a manual edit makes a new immutable draft; rewinding only moves the active pointer.
"""

from __future__ import annotations

from typing import Any

import orjson

from sceneintruder.core.clock import rfc3339
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.principal import Principal
from sceneintruder.scripts import memory, records, views
from sceneintruder.scripts.errors import chapter_not_found, draft_not_found, memory_entry_not_found
from sceneintruder.scripts.models import ScriptChapter, ScriptMemory
from sceneintruder.scripts.projects import chapters
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.scripts.schemas import DRAFT_ID, ChapterDraftIn, DraftIn, MemoryEntryIn, MemoryEntryPatch, RewindIn
from sceneintruder.scripts.summaries import extractive_summary

PREVIEW_EDIT_USER_DRAFT = "__preview_edit_user_draft__"
MAX_ROSTER_ENTRIES = 500
MAX_ROSTER_BYTES = 262_144


async def put_chapter_draft(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: ChapterDraftIn
) -> dict[str, Any]:
    if body.chapter <= 0:
        raise BadRequest("chapter 必须大于 0", details="chapter")
    text = body.user_draft.strip()
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        await records.keep_prose(session, script_id, body.chapter, text, source=records.WRITER)
        if text:
            await records.upsert_summary(
                session, script_id, body.chapter, summary=extractive_summary(text), draft_id="", source="extractive"
            )
        records.touch(script)
        await session.commit()
        return {"chapters": [views.chapter_json(c) for c in await chapters(session, script_id)]}


async def put_draft(runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: DraftIn) -> dict[str, Any]:
    target = body.target.resolved()
    user_prompt = (body.user_prompt or "").strip() or "manual_edit"
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        base_id = (body.draft_id or "").strip() or script.active_draft_id
        content: dict[str, Any] = {"chapters": []}
        if base_id:
            base = await records.get_draft(session, script_id, base_id) if DRAFT_ID.match(base_id) else None
            if base is None:  # the reference started from nothing, losing every other scene (§12.23)
                raise draft_not_found(base_id)
            content = base.content
        draft = await records.add_draft(
            session,
            script,
            content=records.with_scene_text(content, target["chapter"], target["scene"], body.text, extra={}),
            notes={"user_prompt": user_prompt},
            source="manual_edit",
        )
        script.active_draft_id, script.cursor = draft.id, target
        if user_prompt == PREVIEW_EDIT_USER_DRAFT:
            await records.keep_prose(session, script_id, target["chapter"], body.text.strip(), source=records.WRITER)
        await records.append_workflow(
            session,
            script,
            type_="manual_edit",
            target=target,
            output={"main_text": body.text[:300]},
            draft_id=draft.id,
            command="manual_edit",
            user_input=user_prompt,
            refs={"derived_from": base_id} if base_id else None,
        )
        records.touch(script)
        await session.commit()
        return {
            "draft_id": draft.id,
            "active_draft_id": draft.id,
            "cursor": views.cursor_of(script),
            "updated_at": rfc3339(script.updated_at),
        }


async def rewind(runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: RewindIn) -> dict[str, Any]:
    draft_id = (body.draft_id or "").strip()
    if not draft_id:
        raise BadRequest("draft_id is required", details="draft_id")
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        draft = await records.get_draft(session, script_id, draft_id) if DRAFT_ID.match(draft_id) else None
        if draft is None:
            raise draft_not_found(draft_id)
        first = sorted(draft.content.get("chapters") or [], key=lambda c: c.get("index") or 0)
        chapter = int(first[0].get("index") or 1) if first else 1
        scenes = sorted(first[0].get("scenes") or [], key=lambda s: s.get("index") or 0) if first else []
        scene = int(scenes[0].get("index") or 1) if scenes else 1
        script.active_draft_id = draft.id
        script.cursor = {"chapter": chapter, "scene": scene, "segment": 0}
        records.touch(script)
        await session.commit()
        return views.project_json(script)


# --- characters and items -----------------------------------------------------------------------------------------


def roster_entries(body: Any, kind: str) -> list[dict[str, Any]]:
    """An array of objects, or `{<kind>: [...]}`; entries that are not objects are dropped. Anything else is 400
    (the reference saved `[]` for it, wiping the list, §12.23)."""
    entries = body.get(kind) if isinstance(body, dict) else body
    if not isinstance(entries, list):
        raise BadRequest("请求参数无效", details=f'expected an array of objects or {{"{kind}": [...]}}')
    kept = [entry for entry in entries if isinstance(entry, dict)]
    if len(kept) > MAX_ROSTER_ENTRIES or len(orjson.dumps(kept)) > MAX_ROSTER_BYTES:
        raise BadRequest("请求参数无效", details=f"at most {MAX_ROSTER_ENTRIES} entries and {MAX_ROSTER_BYTES} bytes")
    return kept


async def get_roster(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, kind: str
) -> list[dict[str, Any]]:
    async with runtime.db.reader() as session:
        await records.owned(session, script_id, principal)
        return await records.roster(session, script_id, kind)


async def put_roster(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, kind: str, body: Any
) -> list[dict[str, Any]]:
    entries = roster_entries(body, kind)
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        await records.save_roster(session, script_id, kind, entries)
        records.touch(script)
        await session.commit()
    return entries


# --- prose versions and memory entries ----------------------------------------------------------------------------


async def prose_versions(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, chapter: int
) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        await records.owned(session, script_id, principal)
        row = await session.get(ScriptChapter, (script_id, chapter))
        if row is None:
            raise chapter_not_found(chapter)
        versions = await records.prose_versions(session, script_id, chapter)
    return {
        "chapter": chapter,
        "user_draft": row.user_draft,
        "versions": [
            {
                "version": number,
                "source": v.source,
                "created_at": rfc3339(v.created_at),
                "text": v.text,
                "current": v.text == row.user_draft,
                **(
                    {"provider": v.provenance.get("provider"), "offline": v.provenance.get("offline")}
                    if v.provenance
                    else {}
                ),
            }
            for number, v in enumerate(versions, start=1)
        ],
    }


async def add_memory(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: MemoryEntryIn
) -> dict[str, Any]:
    if body.kind == "character_state" and (not body.character.strip() or not body.state):
        raise BadRequest("请求参数无效", details="a character state needs character and state")
    if body.kind != "character_state" and not body.text.strip():
        raise BadRequest("请求参数无效", details="text is required")
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        rows = await memory.entries(session, script_id)
        state = {k[:100]: v[:300] for k, v in body.state.items()}
        entry = await memory.add(
            session,
            script_id,
            kind=body.kind,
            text=body.text.strip() or "; ".join(f"{k}: {v}" for k, v in state.items()),
            chapter=body.chapter,
            seq=max((r.seq for r in rows), default=0) + 1,
            payoff_by=body.payoff_by,
            character=body.character.strip(),
            attrs={"state": state}
            if body.kind == "character_state"
            else ({"tags": [], "confidence": 1.0} if body.kind == "fact" else {}),
        )
        records.touch(script)
        await session.commit()
        return memory.entry_json(entry)


async def patch_memory(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, entry_id: str, body: MemoryEntryPatch
) -> dict[str, Any]:
    async with runtime.db.writer() as session:
        script = await records.owned(session, script_id, principal, for_update=True)
        entry = await session.get(ScriptMemory, entry_id[:64])
        if entry is None or entry.script_id != script_id:
            raise memory_entry_not_found(entry_id[:64])
        if body.status is not None:
            allowed = {"thread": ("open", "closed"), "foreshadowing": ("planned", "paid")}.get(entry.kind, ())
            if body.status not in allowed:
                raise BadRequest("请求参数无效", details=f"a {entry.kind} entry's status is one of {list(allowed)}")
            entry.status = body.status
            closed = body.status in ("closed", "paid")
            entry.resolved_chapter = (body.chapter or entry.resolved_chapter) if closed else None
        if body.payoff_by is not None:
            entry.payoff_by = body.payoff_by
        records.touch(script)
        await session.commit()
        return memory.entry_json(entry)

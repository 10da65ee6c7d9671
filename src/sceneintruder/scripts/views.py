"""The JSON a script's rows are answered as: the reference's shapes (spec §9.2), with ours beside them."""

from __future__ import annotations

from typing import Any

from sceneintruder.core.clock import rfc3339
from sceneintruder.scripts.models import Script, ScriptChapter, ScriptDraft, ScriptSummary, ScriptWorkflow

RECOMMENDED_COMMANDS: list[dict[str, Any]] = [
    {
        "id": "expand_scene",
        "label": "扩写本章",
        "assist_mode": "completion",
        "command": "根据本章大纲写出/补全本章正文，与前文保持一致",
    },
    {
        "id": "polish_language",
        "label": "润色语言",
        "assist_mode": "polish",
        "command": "收紧语言、调整节奏，不改变情节",
    },
    {
        "id": "add_tension",
        "label": "增强张力",
        "assist_mode": "inspiration",
        "command": "加强冲突与悬念，并给出 2-3 个可能的走向",
    },
]


def cursor_of(script: Script) -> dict[str, int]:
    cursor = script.cursor or {}
    return {
        "chapter": int(cursor.get("chapter", 1)),
        "scene": int(cursor.get("scene", 1)),
        "segment": int(cursor.get("segment", 0)),
    }


def state_of(script: Script) -> dict[str, Any]:
    state: dict[str, Any] = {"cursor": cursor_of(script)}
    if script.active_draft_id:
        state["active_draft_id"] = script.active_draft_id
    return state


def brief_json(script: Script) -> dict[str, Any]:
    return {
        "id": script.id,
        "title": script.title,
        "type": script.type,
        "created_at": rfc3339(script.created_at),
        "updated_at": rfc3339(script.updated_at),
    }


def project_json(script: Script) -> dict[str, Any]:
    out = brief_json(script)
    if script.framework is not None:
        out["framework"] = script.framework
    out["recommended_commands"] = list(script.recommended_commands or [])
    out["state"] = state_of(script)
    return out


def draft_meta(draft: ScriptDraft) -> dict[str, Any]:
    out: dict[str, Any] = {"draft_id": draft.id, "created_at": rfc3339(draft.created_at), "source": draft.source}
    if draft.notes.get("user_prompt"):
        out["user_prompt"] = draft.notes["user_prompt"]
    if draft.provenance:
        out["offline"] = bool(draft.provenance.get("offline"))
    return out


def draft_json(draft: ScriptDraft) -> dict[str, Any]:
    return {
        "draft_id": draft.id,
        "created_at": rfc3339(draft.created_at),
        "content": draft.content,
        "notes": draft.notes,
        "source": draft.source,
        **({"provenance": draft.provenance} if draft.provenance else {}),
    }


def chapter_json(row: ScriptChapter) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": row.index,
        "title": row.title,
        "summary": row.summary,
        "outline": row.outline,
        "user_draft": row.user_draft,
    }
    if row.outline_provenance:
        out["outline_provider"] = row.outline_provenance.get("provider", "")
        out["outline_offline"] = bool(row.outline_provenance.get("offline"))
    return out


def summary_json(row: ScriptSummary) -> dict[str, Any]:
    return {
        "chapter": row.chapter,
        "draft_id": row.draft_id,
        "summary": row.summary,
        "conflict_state": row.conflict_state,
        "next_options": list(row.next_options or []),
        "source": row.source,
        **({"offline": bool(row.provenance.get("offline"))} if row.provenance else {}),
    }


def workflow_json(item: ScriptWorkflow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "created_at": rfc3339(item.created_at),
        "target": item.target,
        "output": item.output,
    }
    for key in ("draft_id", "assist_mode", "user_input", "command"):
        value = getattr(item, key)
        if value:
            out[key] = value
    if item.refs:
        out["refs"] = item.refs
    if item.provenance:
        out.update({k: item.provenance[k] for k in ("provider", "model", "offline") if k in item.provenance})
    return out

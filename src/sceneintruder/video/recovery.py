"""What the overview says about resuming (spec §4.8), pure: which clips of the current version are done,
failed or pending, and whether generating again would resume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def recovery(
    clips: Sequence[Mapping[str, Any]],
    results: Mapping[str, str],
    meta: Mapping[str, Any],
    active: tuple[str, str] | None,
) -> dict[str, Any]:
    """`results`: frame id -> status of this version's clip rows; `active`: (task id, status) of a live job."""
    completed = [c["frame_id"] for c in clips if results.get(c["frame_id"]) == "completed"]
    failed = [c["frame_id"] for c in clips if results.get(c["frame_id"]) == "failed"]
    pending = [c["frame_id"] for c in clips if results.get(c["frame_id"]) != "completed"]
    generation = str(meta.get("generation_status") or "idle")
    resume_from = ""
    if active is not None and active[1] in ("queued", "running"):
        status = "running"
    elif generation == "running":
        status, resume_from = ("interrupted", "interrupted_task") if pending else ("completed", "")
    elif generation == "failed":
        status, resume_from = (
            ("resumable", "failed_clips" if failed else "incomplete_clips") if pending else ("failed", "")
        )
    elif generation == "completed_degraded":
        status, resume_from = ("resumable", "failed_clips") if failed else ("completed_degraded", "")
    elif generation == "completed":
        status = "completed"
    else:
        status = "completed" if clips and not pending else "idle"
    return {
        "status": status,
        "can_resume": bool(resume_from) and bool(pending),
        "resume_from": resume_from,
        "pending_frame_ids": pending,
        "failed_frame_ids": failed,
        "completed_frame_ids": completed,
        "active_task_id": active[0] if active else "",
        "active_task_status": active[1] if active else "",
        "last_progress": meta.get("last_progress", 0),
        "last_message": meta.get("last_error") or "",
    }

"""The writing assistant's public functions (framework-free) and its start-up wiring (`install`).

The workflows live in their own modules: `projects` (create, list, detail, update, delete, continuity),
`editing` (chapter prose, manual edits, rewind, rosters, memory entries), `outlining` (the outline jobs),
`commanding` (chapter commands), `export` (whole-book exports). This module names what routes may call.
"""

from __future__ import annotations

from typing import Any

from sceneintruder.core.principal import Principal
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.scripts import commanding, editing, export, offline, outlining, projects
from sceneintruder.scripts.export import ExportStream
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.scripts.schemas import GenerateIn
from sceneintruder.web.state import AppState

__all__ = [
    "ExportStream",
    "ScriptsRuntime",
    "add_memory",
    "continuity_report",
    "create",
    "detail",
    "export_book",
    "get_roster",
    "install",
    "list_scripts",
    "patch_memory",
    "prose_versions",
    "put_chapter_draft",
    "put_draft",
    "put_roster",
    "remove",
    "rewind",
    "run_command",
    "start_generate",
    "update",
]

create = projects.create
list_scripts = projects.list_scripts
detail = projects.detail
update = projects.update
remove = projects.remove
continuity_report = projects.continuity_report
get_roster = editing.get_roster
put_roster = editing.put_roster
put_chapter_draft = editing.put_chapter_draft
put_draft = editing.put_draft
rewind = editing.rewind
prose_versions = editing.prose_versions
add_memory = editing.add_memory
patch_memory = editing.patch_memory
run_command = commanding.run


async def start_generate(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: GenerateIn
) -> dict[str, Any]:
    """The whole book's outline, then chapter 1's key beats, as a job. A run that stopped part-way (restart,
    cancel, vendor failure) continues where it stopped unless `restart`."""
    outlining.ready(runtime)
    task_id = await outlining.start(
        runtime, script_id=script_id, principal=principal, payload={"mode": "generate", "restart": body.restart}
    )
    return {"task_id": task_id}


async def export_book(
    runtime: ScriptsRuntime,
    *,
    script_id: str,
    principal: Principal,
    fmt: str | None,
    include_meta: str | None,
    source: str | None,
) -> dict[str, Any] | ExportStream:
    """`format=json`: the reference's envelope data; any other format: a file, streamed."""
    chosen = export.parse_format(fmt)
    book = await export.load_book(
        runtime,
        script_id=script_id,
        principal=principal,
        source="draft" if (source or "").strip().lower() == "draft" else "chapters",
        include_meta=export.parse_bool(include_meta),
    )
    return export.json_export(book) if chosen == "json" else export.file_export(book, chosen)


def install(state: AppState) -> ScriptsRuntime:
    """The writing assistant, built once: its offline skills and its outline job kind."""
    offline.register(state.llm)
    runtime = ScriptsRuntime(
        db=state.db,
        llm=state.llm,
        jobs=state.components.get(JobRegistry),
        locks=state.scene_locks,
    )
    runtime.jobs.register_kind(outlining.JOB, outlining.outline_job(runtime), timeout_seconds=3600)
    return runtime

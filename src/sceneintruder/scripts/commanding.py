"""Commands on a chapter (§11.2): `expand_scene`, `polish_language`, `add_tension`, or any writer's command;
`fill_outline_next` starts an outline job (`outlining.py`) and answers with its result when it ends within
COMMAND_WAIT_SECONDS, else with its `task_id`.

The model sees a bounded context (`context.py`), answers strict JSON (re-asked once, then the offline skill,
labelled). All of a command's writes are one transaction: a new draft version with the scene's text, the cursor,
the memory update, the chapter's summary, the chapter's prose version (`expand_scene`) and the history item. An
`expand_scene` result becomes the chapter's `user_draft` only when the chapter has none: the writer's own prose
stays, and the result is kept beside it as a version (§12.20). A reply that cannot be used writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sceneintruder.core.principal import Principal
from sceneintruder.jobs.schemas import JobStatus
from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scripts import context, memory, outlining, records
from sceneintruder.scripts.llm_schemas import TASK_COMMAND, CommandAnswer
from sceneintruder.scripts.models import Script, ScriptChapter
from sceneintruder.scripts.prompts import command_messages
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.scripts.schemas import CommandIn
from sceneintruder.scripts.summaries import extractive_summary

FILL_OUTLINE_NEXT = "fill_outline_next"
EXPAND_SCENE = "expand_scene"
CURRENT_TEXT_CHARS = 12_000  # of the scene's (or chapter's) text a command sees
FILL_RUNNING = "大纲补全进行中：第{first}-{last}章（共{total}章），完成后刷新即可查看。"


async def run(runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: CommandIn) -> dict[str, Any]:
    outlining.ready(runtime)  # the reference checks the model before the script (503 first)
    if body.command_id() == FILL_OUTLINE_NEXT:
        return await _fill_outline_next(runtime, script_id=script_id, principal=principal, body=body)
    return await _chapter_command(runtime, script_id=script_id, principal=principal, body=body)


async def _fill_outline_next(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: CommandIn
) -> dict[str, Any]:
    found = await outlining.fill_range(runtime, script_id=script_id, principal=principal, batch=body.batch_size())
    if isinstance(found, int):
        return {
            "draft_id": "",
            "workflow_item_id": "",
            "output": {"main_text": outlining.FILL_DONE.format(total=found)},
        }
    first, last, total = found
    task_id = await outlining.start(
        runtime,
        script_id=script_id,
        principal=principal,
        payload={"mode": "fill", "first": first, "last": last, "total": total},
    )
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(runtime.command_wait_seconds):
            job = await runtime.jobs.wait(task_id, poll_seconds=0.1)
            if job.status is JobStatus.COMPLETED and isinstance(job.result, dict) and job.result.get("output"):
                result = job.result
                return {
                    "draft_id": "",
                    "workflow_item_id": str(result.get("workflow_item_id") or ""),
                    "output": result["output"],
                    "task_id": task_id,
                    **{k: result[k] for k in ("provider", "model", "offline") if k in result},
                }
            if job.status is not JobStatus.COMPLETED:
                message = job.message or job.error or "大纲补全失败"
                return {"draft_id": "", "workflow_item_id": "", "output": {"main_text": f"（补全失败：{message}）"},
                        "task_id": task_id}  # fmt: skip
    return {
        "draft_id": "",
        "workflow_item_id": "",
        "output": {"main_text": FILL_RUNNING.format(first=first, last=last, total=total)},
        "task_id": task_id,
    }


async def _chapter_command(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, body: CommandIn
) -> dict[str, Any]:
    command_id = body.command_id()
    expand = command_id == EXPAND_SCENE
    target = body.target.resolved()
    chapter, scene = target["chapter"], target["scene"]
    assist_mode = body.assist_mode.strip() or "inspiration"
    async with runtime.db.reader() as session:
        script = await records.owned(session, script_id, principal)
        active = await records.get_draft(session, script_id, script.active_draft_id) if script.active_draft_id else None
        current = records.scene_text(active.content, chapter, scene) if active else None
        if current is None:  # the chapter's own prose, never another chapter's scene (§12.22)
            found = await session.get(ScriptChapter, (script_id, chapter))
            current = found.user_draft if found is not None else ""
        seen = await context.build(
            session, script_id, chapter, current_text=current, request=f"{body.command} {body.user_input}"
        )
    framework = dict(script.framework or {})
    if len(current) > CURRENT_TEXT_CHARS:  # bounded like the rest: a polish sees the start, others the end
        polish = command_id == "polish_language" or assist_mode == "polish"
        current = current[:CURRENT_TEXT_CHARS] if polish else current[-CURRENT_TEXT_CHARS:]
    request = {
        "assist_mode": assist_mode,
        "command": body.command,
        "user_input": body.user_input,
        "current_text": current,
    }
    result = await runtime.llm.complete_structured(
        task=TASK_COMMAND,
        schema=CommandAnswer,
        messages=command_messages(title=script.title, framework=framework, request=request, context=seen),
        inputs={
            **request,
            "command_id": command_id,
            "outline_text": seen["outline_text"],
            "previous_ending": seen["previous_ending"],
            "title": script.title,
        },
        call=CallInfo(TASK_COMMAND, user_id=principal.user_id),
        sampling=Sampling(temperature=0.8, max_tokens=2400 if expand else 1200),
    )
    answer = result.value
    main_text = answer.main_text.strip()
    provenance = Provenance.of(result.completion).wire()
    if not main_text:
        raise ProviderBadResponse(
            "执行 command 失败",
            provider=provenance["provider"],
            model=provenance["model"],
            vendor_code="empty_main_text",
        )
    output: dict[str, Any] = {"main_text": main_text}
    for key in ("environment", "subtext"):
        if getattr(answer, key).strip():
            output[key] = getattr(answer, key).strip()
    if answer.dialogue_variants:
        output["dialogue_variants"] = answer.dialogue_variants
    if answer.branches:
        output["branches"] = answer.branches
    async with runtime.db.writer() as session:
        locked = await records.owned(session, script_id, principal, for_update=True)
        response = await _persist(
            session, locked, body=body, target=target, assist_mode=assist_mode, output=output,
            memory_update=answer.memory_update, provenance=provenance, expand=expand,
        )  # fmt: skip
        await session.commit()
    return {**response, **provenance}


async def _persist(
    session: Any,
    script: Script,
    *,
    body: CommandIn,
    target: dict[str, int],
    assist_mode: str,
    output: dict[str, Any],
    memory_update: dict[str, Any],
    provenance: dict[str, Any],
    expand: bool,
) -> dict[str, Any]:
    chapter, scene = target["chapter"], target["scene"]
    main_text = output["main_text"]
    base = await records.get_draft(session, script.id, script.active_draft_id) if script.active_draft_id else None
    chapter_row = await session.get(ScriptChapter, (script.id, chapter))  # no empty row made for a title
    chapter_title = chapter_row.title if chapter_row is not None else ""
    draft = await records.add_draft(
        session,
        script,
        content=records.with_scene_text(
            base.content if base else {"chapters": []}, chapter, scene, main_text, chapter_title=chapter_title,
            extra={"offline": True} if provenance["offline"] else {},
        ),
        notes={"user_prompt": body.user_input, "ai_summary": extractive_summary(main_text, max_chars=160)},
        source="command",
        provenance=provenance,
    )  # fmt: skip
    script.active_draft_id, script.cursor = draft.id, target
    applied = {"added": 0, "closed": 0}
    if memory_update:
        applied = await memory.apply_update(session, script.id, memory_update, chapter=chapter, provenance=provenance)
    await records.upsert_summary(
        session, script.id, chapter, summary=extractive_summary(main_text), draft_id=draft.id,
        source="offline" if provenance["offline"] else "model",
        next_options=list(output.get("branches") or [])[:5], provenance=provenance,
    )  # fmt: skip
    item = await records.append_workflow(
        session, script, type_="command", target=target, output=output, draft_id=draft.id, assist_mode=assist_mode,
        user_input=body.user_input, command=body.command or body.command_id(), provenance=provenance,
        refs={"derived_from": base.id} if base else None,
    )  # fmt: skip
    if expand:
        await records.keep_prose(
            session,
            script.id,
            chapter,
            main_text,
            source="command",
            provenance=provenance,
            workflow_id=item.id,
            adopt=not provenance["offline"],  # offline, the "expansion" is prompts for the writer, not prose
        )
    records.touch(script)
    response: dict[str, Any] = {"draft_id": draft.id, "workflow_item_id": item.id, "output": output}
    if memory_update:
        response["memory_update"] = {**memory_update, "applied": applied}
    return response

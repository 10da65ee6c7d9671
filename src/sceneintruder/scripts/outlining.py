"""Outlines, in batches, as jobs: `generate` (the whole book, then chapter 1's key beats) and `fill_outline_next`
(the next blank batch). One outline job per script at a time (409 otherwise).

A batch asks for chapters S..E (at most 20) with the six chapters before it as context, up to three times, until
the reply passes the reference's acceptance rule (≥ 70% of the batch titled and summarised); a reply cut off
mid-way still gives the chapters it finished (`parsing.py`). A transient vendor failure (unavailable, timeout,
rate limit) retries the batch after a pause, up to BATCH_RETRIES times.

Each batch commits its chapters and the run's checkpoint (`ScriptOutlineRun.next_chapter`) in one transaction,
so a run cut by a restart, a cancel or a vendor failure continues where it stopped at the next `generate`
(unless `restart`), never redoing a batch it wrote. What a writer typed is never touched: a batch writes only the
outline fields (title, summary, beats); `fill` writes only the blank ones; `user_draft` is never written here.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import BadRequest, Conflict, ServiceNotReady
from sceneintruder.core.principal import Principal
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.errors import ProviderError
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scripts import records
from sceneintruder.scripts.errors import script_not_found
from sceneintruder.scripts.llm_schemas import TASK_KEY_BEATS, TASK_OUTLINE
from sceneintruder.scripts.models import Script, ScriptChapter, ScriptOutlineRun
from sceneintruder.scripts.parsing import OutlineBatch, accepted, max_tokens_for, parse_outline
from sceneintruder.scripts.prompts import beats_messages, outline_messages
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.scripts.schemas import MAX_CHAPTERS, chapter_count

JOB = "script_outline"
GENERATE_BATCH = 20
DEFAULT_CHAPTERS = 20
MIN_GENERATED = 8  # the reference's clamp for generate: 8..300
ATTEMPTS = 3
BATCH_RETRIES = 3
RETRY_PAUSE_SECONDS = 0.5
TRANSIENT = frozenset({"unavailable", "timeout", "rate_limit"})
FILL_DONE = "大纲已全部补全：共 {total} 章。"
FILL_WRITTEN = "已补全大纲：第{first}-{last}章（可重复执行继续补全）。"
FILL_UNPARSABLE = "（补全失败：模型输出解析失败，请重试）"
BEATS_EMPTY = "（生成失败：正文为空）"


def _lock_key(script_id: str) -> str:
    return f"script:{script_id}"


async def _running_job(runtime: ScriptsRuntime, script: Script) -> str | None:
    if not script.job_id:
        return None
    job = await runtime.jobs.get(script.job_id)
    return job.id if job is not None and not job.status.is_final else None


async def start(runtime: ScriptsRuntime, *, script_id: str, principal: Principal, payload: dict[str, Any]) -> str:
    """Start an outline job for the caller's script (404 if it is not theirs, 409 while one runs)."""
    async with runtime.locks.hold(_lock_key(script_id)):
        async with runtime.db.reader() as session:
            script = await records.owned(session, script_id, principal)
        running = await _running_job(runtime, script)
        if running is not None:
            raise Conflict("该剧本已有大纲任务在运行", details={"task_id": running})
        job = await runtime.jobs.start(JOB, script.owner_id, {"script_id": script_id, **payload})
        async with runtime.db.writer() as session:
            locked = await records.owned(session, script_id, principal, for_update=True)
            locked.job_id = job.id
            await session.commit()
    return job.id


def ready(runtime: ScriptsRuntime) -> None:
    status = runtime.llm.status()
    if not status.ready:
        raise ServiceNotReady(details=status.state)


# --- fill_outline_next ------------------------------------------------------------------------------------------


async def fill_range(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, batch: int
) -> tuple[int, int, int] | int:
    """The next batch to fill (first, last, total), or the total when every chapter is outlined. The book's
    length is `chapter_count`, else the chapters it has, else 20 (the reference took 1 without a count, and
    deleted the chapters past a lowered count, §12.21: chapters past it are kept here)."""
    async with runtime.db.reader() as session:
        script = await records.owned(session, script_id, principal)
        if script.framework is None:
            raise BadRequest("script project missing framework", details="framework")
        rows = await records.chapters_in(session, script_id, 1, MAX_CHAPTERS)
    total = chapter_count(script.framework) or max((r.index for r in rows), default=0) or DEFAULT_CHAPTERS
    by_index = {r.index: r for r in rows}
    for index in range(1, total + 1):
        row = by_index.get(index)
        if row is None or not row.title.strip() or not row.summary.strip():
            return index, min(index + batch - 1, total), total
    return total


# --- the job ----------------------------------------------------------------------------------------------------


async def _previous(session: Any, script_id: str, first: int) -> list[dict[str, Any]]:
    rows = await records.chapters_in(session, script_id, max(1, first - 6), first - 1)
    return [{"index": r.index, "title": r.title, "summary": r.summary, "outline": r.outline} for r in rows if r.title]


async def _batch(
    runtime: ScriptsRuntime, ctx: JobContext, script: Script, first: int, last: int, total: int
) -> tuple[OutlineBatch, dict[str, Any], int, int]:
    """One batch, up to ATTEMPTS replies until one is accepted (else the best read); transient vendor failures
    are retried after a pause. Returns the batch, who wrote it, how many replies it took and how many of them
    were cut off mid-way (their finished chapters read)."""
    async with runtime.db.reader() as session:
        previous = await _previous(session, script.id, first)
    framework = dict(script.framework or {})
    messages = outline_messages(
        title=script.title, framework=framework, first=first, last=last, total=total, previous=previous
    )
    inputs = {"first": first, "last": last, "total": total, "framework": framework, "title": script.title}
    sampling = Sampling(temperature=0.7, max_tokens=max_tokens_for(last - first + 1))
    best: OutlineBatch | None = None
    provenance: dict[str, Any] = {}
    replies = cut = 0
    failures = 0
    while replies < ATTEMPTS:
        try:
            completion = await runtime.llm.complete(
                messages,
                call=CallInfo(TASK_OUTLINE, user_id=ctx.owner_id, job_id=ctx.job_id),
                sampling=sampling,
                response_format="json",
                inputs=inputs,
            )
        except ProviderError as error:
            failures += 1
            if error.kind not in TRANSIENT or failures > BATCH_RETRIES:
                raise
            await _record_failure(runtime, script.id, error)
            await asyncio.sleep(RETRY_PAUSE_SECONDS * 2 ** (failures - 1))
            continue
        replies += 1
        batch = parse_outline(completion.text, first, last)
        cut += int(batch.salvaged)
        good = sum(1 for c in batch.chapters.values() if c["title"] and c["summary"])
        if best is None or good > sum(1 for c in best.chapters.values() if c["title"] and c["summary"]):
            best, provenance = batch, Provenance.of(completion).wire()
        if accepted(batch, first, last):
            return batch, Provenance.of(completion).wire(), replies, cut
    return best or OutlineBatch({}, False), provenance, replies, cut


async def _record_failure(runtime: ScriptsRuntime, script_id: str, error: ProviderError) -> None:
    async with runtime.db.writer() as session:
        run = await session.get(ScriptOutlineRun, script_id)
        if run is not None:
            run.failures += 1
            run.last_error = f"{error.kind}: {error.message}"[:500]
            run.updated_at = utcnow()
            await session.commit()


async def _write_batch(
    runtime: ScriptsRuntime,
    script_id: str,
    run_id: str,
    batch: OutlineBatch,
    first: int,
    last: int,
    *,
    blanks_only: bool,
    provenance: dict[str, Any],
    cut: int,
) -> None:
    async with runtime.db.writer() as session:
        script = await session.get(Script, script_id, with_for_update=True)
        run = await session.get(ScriptOutlineRun, script_id)
        if script is None or run is None or run.run_id != run_id:
            return  # deleted, or a newer run took over
        existing = {r.index: r for r in await records.chapters_in(session, script_id, first, last)}
        for index in range(first, last + 1):
            row = existing.get(index)
            if row is None:
                row = ScriptChapter(script_id=script_id, index=index, title="", summary="", outline="", user_draft="")
                session.add(row)
            found = batch.chapters.get(index, {"title": "", "summary": "", "outline": ""})
            fields = {
                "title": found["title"] or f"第{index}章",
                "summary": found["summary"],
                "outline": found["outline"],
            }
            for name, value in fields.items():
                if not blanks_only or not getattr(row, name).strip():
                    setattr(row, name, value)
            row.outline_run, row.outline_provenance, row.updated_at = run_id, provenance, utcnow()
        run.next_chapter = last + 1
        run.batches += 1
        run.salvaged += cut
        run.provenance = provenance
        run.updated_at = utcnow()
        records.touch(script)
        await session.commit()


async def _open_run(runtime: ScriptsRuntime, ctx: JobContext, script: Script) -> tuple[ScriptOutlineRun, int]:
    """This job's run: the stopped one it continues (same mode and range, not `restart`), else a new one."""
    payload = ctx.payload
    mode = str(payload.get("mode") or "generate")
    if mode == "fill":
        first, last, total = int(payload["first"]), int(payload["last"]), int(payload["total"])
        batch = last - first + 1
    else:
        total = max(MIN_GENERATED, min(MAX_CHAPTERS, chapter_count(script.framework) or DEFAULT_CHAPTERS))
        first, last, batch = 1, total, GENERATE_BATCH
    async with runtime.db.writer() as session:
        await session.get(Script, script.id, with_for_update=True)
        run = await session.get(ScriptOutlineRun, script.id)
        resumable = (
            run is not None
            and run.status != "done"
            and run.mode == mode
            and (run.first_chapter, run.last_chapter) == (first, last)
            and not payload.get("restart")
        )
        if run is None:
            run = ScriptOutlineRun(script_id=script.id)
            session.add(run)
        if not resumable:
            run.run_id, run.mode, run.first_chapter, run.last_chapter = ctx.job_id, mode, first, last
            run.next_chapter, run.batch_size, run.batches, run.salvaged, run.failures = first, batch, 0, 0, 0
            run.last_error, run.started_at, run.provenance = "", utcnow(), {}
        run.status, run.job_id, run.updated_at = "running", ctx.job_id, utcnow()
        await session.commit()
        session.expunge(run)
    return run, total


async def _stop_run(runtime: ScriptsRuntime, script_id: str, job_id: str, status: str, error: str = "") -> None:
    async with runtime.db.writer() as session:
        run = await session.get(ScriptOutlineRun, script_id)
        if run is not None and run.job_id == job_id:
            run.status, run.updated_at = status, utcnow()
            if error:
                run.last_error = error[:500]
            await session.commit()


async def _key_beats(runtime: ScriptsRuntime, ctx: JobContext, script: Script) -> dict[str, Any]:
    """Chapter 1's key beats as a new draft version (the active draft with scene 1.1 set; nothing else lost)."""
    async with runtime.db.reader() as session:
        row = await session.get(ScriptChapter, (script.id, 1))
    chapter: dict[str, Any] = {"index": 1, "title": row.title if row else "", "summary": row.summary if row else "",
               "outline": row.outline if row else ""}  # fmt: skip
    framework = dict(script.framework or {})
    completion = await runtime.llm.complete(
        beats_messages(title=script.title, framework=framework, chapter=chapter),
        call=CallInfo(TASK_KEY_BEATS, user_id=ctx.owner_id, job_id=ctx.job_id),
        sampling=Sampling(temperature=0.6, max_tokens=900),
        inputs={"chapter": chapter, "framework": framework, "title": script.title},
    )
    beats = completion.text.strip() or BEATS_EMPTY
    provenance = Provenance.of(completion).wire()
    async with runtime.db.writer() as session:
        locked = await session.get(Script, script.id, with_for_update=True)
        if locked is None:
            return {}
        base = await records.get_draft(session, script.id, locked.active_draft_id) if locked.active_draft_id else None
        content = records.with_scene_text(
            base.content if base else {"chapters": []}, 1, 1, beats, chapter_title=chapter["title"],
            extra={"offline": True} if provenance["offline"] else {},
        )  # fmt: skip
        draft = await records.add_draft(
            session, locked, content=content, notes={"user_prompt": "generate_initial"}, source="generate",
            provenance=provenance,
        )  # fmt: skip
        await records.upsert_summary(
            session,
            script.id,
            1,
            summary=chapter["summary"],
            draft_id=draft.id,
            source="outline",
            provenance=provenance,
        )
        locked.active_draft_id, locked.cursor = draft.id, {"chapter": 1, "scene": 1, "segment": 0}
        records.touch(locked)
        await session.commit()
        return {"draft_id": draft.id, "key_beats": provenance}


def outline_job(runtime: ScriptsRuntime) -> JobHandler:
    async def run(ctx: JobContext) -> dict[str, Any]:
        script_id = str(ctx.payload["script_id"])
        await ctx.progress(5, "加载项目")
        async with runtime.db.reader() as session:
            script = await session.get(Script, script_id)
        if script is None:
            raise script_not_found(script_id)
        checkpoint, total = await _open_run(runtime, ctx, script)
        mode, first, last = checkpoint.mode, checkpoint.first_chapter, checkpoint.last_chapter
        done_at_start = checkpoint.next_chapter - first
        span = last - first + 1
        await ctx.progress(15, "生成大纲", resumed_from=checkpoint.next_chapter if done_at_start else None)
        provenance: dict[str, Any] = {}
        replies = 0
        try:
            start = checkpoint.next_chapter
            while start <= last:
                end = min(start + checkpoint.batch_size - 1, last)
                share = (start - first) / span
                await ctx.progress(
                    15 + 70 * share, f"生成大纲（第{start}-{end}章；共{total}章）", first=start, last=end
                )
                batch, provenance, used, cut = await _batch(runtime, ctx, script, start, end, total)
                replies += used
                if mode == "fill" and not batch.chapters:
                    await _stop_run(runtime, script_id, ctx.job_id, "done", "unparsable")
                    return await _fill_item(runtime, script_id, first, last, FILL_UNPARSABLE, provenance)
                await _write_batch(
                    runtime, script_id, checkpoint.run_id, batch, start, end, blanks_only=mode == "fill",
                    provenance=provenance, cut=cut,
                )  # fmt: skip
                start = end + 1
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(_stop_run(runtime, script_id, ctx.job_id, "stopped", "cancelled"))
            raise
        except Exception as error:
            await _stop_run(runtime, script_id, ctx.job_id, "stopped", str(error))
            raise
        result: dict[str, Any] = {
            "script_id": script_id,
            "chapters": span,
            "resumed_from": first + done_at_start if done_at_start else None,
            "replies": replies,
            **provenance,
        }
        if mode == "fill":
            result.update(
                await _fill_item(
                    runtime, script_id, first, last, FILL_WRITTEN.format(first=first, last=last), provenance
                )
            )
        else:
            await ctx.progress(88, "生成第1章第1场关键点")
            result.update(await _key_beats(runtime, ctx, script))
            await ctx.progress(95, "写入草稿与更新状态")
        await _stop_run(runtime, script_id, ctx.job_id, "done")
        return result

    return run


async def _fill_item(
    runtime: ScriptsRuntime, script_id: str, first: int, last: int, message: str, provenance: dict[str, Any]
) -> dict[str, Any]:
    async with runtime.db.writer() as session:
        script = await session.get(Script, script_id, with_for_update=True)
        if script is None:
            return {}
        item = await records.append_workflow(
            session, script, type_="fill_outline", target={"chapter": first, "scene": 0, "segment": 0},
            output={"main_text": message}, assist_mode="system", command="fill_outline_next",
            provenance=provenance, refs={"range": [first, last]},
        )  # fmt: skip
        records.touch(script)
        await session.commit()
        return {"draft_id": "", "workflow_item_id": item.id, "output": {"main_text": message}}

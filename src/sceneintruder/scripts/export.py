"""Exporting a whole book (§11.6, done better): the outline's chapter titles and each chapter's best prose (the
writer's `user_draft`, else the active draft's scenes of that chapter; `source=draft` gives the reference's
draft-only export), as markdown, txt, HTML (Markdown rendered by markdown-it-py, raw HTML escaped), the
reference's JSON envelope, or EPUB (ebooklib: an e-book a reader opens, one XHTML document per chapter).

File formats are streamed chapter by chapter as they are rendered, never written to disk (the reference left a
file under `exports/` per call). Parts made offline (outline skeletons, prompts) are named in a visible notice.
"""

from __future__ import annotations

import html
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from ebooklib import epub
from markdown_it import MarkdownIt
from sqlalchemy import select

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.exporting import ExportFormatInvalid
from sceneintruder.core.principal import Principal
from sceneintruder.scripts import memory, records, views
from sceneintruder.scripts.errors import export_failed
from sceneintruder.scripts.models import ScriptChapter, ScriptDraft, ScriptProse, ScriptSummary
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.textkit import text as textkit_text

FORMATS = {
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "txt": ("text/plain; charset=utf-8", "txt"),
    "html": ("text/html; charset=utf-8", "html"),
    "epub": ("application/epub+zip", "epub"),
    "json": ("application/json", "json"),
}
NOTICE = {
    "zh": "离线生成说明：{parts}由 sceneintruder 内置的离线提供方生成，未使用任何语言模型"
    "（大纲骨架与写作提示，不是正文）。",
    "en": "Generated offline: {parts} were made by sceneintruder's built-in offline provider, with no language model "
    "(outline skeletons and writing prompts, not prose).",
}
PARTS = {
    "zh": {"outline": "大纲", "prose": "部分章节内容"},
    "en": {"outline": "the outline", "prose": "some chapter texts"},
}
NO_PROSE = {"zh": "（本章尚无正文）", "en": "(No prose yet.)"}


@dataclass(frozen=True)
class Chapter:
    index: int
    title: str
    summary: str
    prose: str
    source: str  # user_draft | draft | none


@dataclass(frozen=True)
class Book:
    script_id: str
    title: str
    language: str
    chapters: list[Chapter]
    notice: str
    appendix: dict[str, Any] | None


@dataclass(frozen=True)
class ExportStream:
    """A file export: its media type, download name and body (an iterator of bytes)."""

    media_type: str
    filename: str
    body: AsyncIterator[bytes]


def parse_format(value: str | None) -> str:
    fmt = (value or "markdown").strip().lower() or "markdown"
    if fmt == "md":
        fmt = "markdown"
    if fmt not in FORMATS:
        raise ExportFormatInvalid(details="支持的格式: json/markdown/txt/html/epub")
    return fmt


def parse_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "t", "true", "yes", "on")


async def load_book(
    runtime: ScriptsRuntime, *, script_id: str, principal: Principal, source: str, include_meta: bool
) -> Book:
    async with runtime.db.reader() as session:
        script = await records.owned(session, script_id, principal)
        active = await session.get(ScriptDraft, script.active_draft_id) if script.active_draft_id else None
        rows = (
            await session.scalars(
                select(ScriptChapter).where(ScriptChapter.script_id == script_id).order_by(ScriptChapter.index)
            )
        ).all()
        made_by_command = (
            await session.execute(
                select(ScriptProse.chapter, ScriptProse.text, ScriptProse.provenance).where(
                    ScriptProse.script_id == script_id, ScriptProse.source == "command"
                )
            )
        ).all()
        appendix = None
        if include_meta:
            summaries = (
                await session.scalars(
                    select(ScriptSummary).where(ScriptSummary.script_id == script_id).order_by(ScriptSummary.chapter)
                )
            ).all()
            appendix = {
                "memory.json": memory.memory_json(await memory.entries(session, script_id)),
                "chapter_summaries.json": {"items": [views.summary_json(s) for s in summaries]},
                "chapter_draft.json": {"chapters": [views.chapter_json(r) for r in rows]},
            }
    if source == "draft" and active is None:
        raise export_failed("no active draft")
    scenes: dict[int, tuple[str, str, bool]] = {}  # index -> (title, text, made offline)
    for chapter in (active.content.get("chapters") or []) if active else []:
        ordered = sorted(chapter.get("scenes") or [], key=lambda s: s.get("index") or 0)
        if source != "draft":  # offline prompts are not the book's prose
            ordered = [s for s in ordered if not s.get("offline")]
        text = "\n\n".join(str(s.get("text") or "").strip() for s in ordered if str(s.get("text") or "").strip())
        offline = any(s.get("offline") for s in ordered)
        scenes[int(chapter.get("index") or 0)] = (str(chapter.get("title") or ""), text, offline)
    by_index = {r.index: r for r in rows}
    offline_prose = {(c, t) for c, t, p in made_by_command if (p or {}).get("offline")}
    offline_parts: set[str] = set()
    chapters = []
    indexes = sorted(set(scenes) if source == "draft" else set(by_index) | set(scenes))
    for index in indexes:
        row = by_index.get(index)
        draft_title, draft_text, draft_offline = scenes.get(index, ("", "", False))
        if source != "draft" and row is not None and row.user_draft.strip():
            prose, origin = row.user_draft.strip(), "user_draft"
            if (index, row.user_draft) in offline_prose:
                offline_parts.add("prose")
        elif draft_text:
            prose, origin = draft_text, "draft"
            if draft_offline:
                offline_parts.add("prose")
        else:
            prose, origin = "", "none"
        if row is not None and (row.outline_provenance or {}).get("offline"):
            offline_parts.add("outline")
        title = (row.title if row is not None and row.title.strip() else draft_title).strip() or f"第{index}章"
        chapters.append(Chapter(index, title, row.summary if row is not None else "", prose, origin))
    if not chapters:
        raise export_failed("nothing to export: no chapter and no draft")
    sample = " ".join([script.title, *(c.title for c in chapters[:20]), *(c.prose[:200] for c in chapters[:5])])
    language = "zh" if textkit_text.detect_language(sample) == "zh" else "en"
    notice = ""
    if offline_parts:
        parts = "、" if language == "zh" else " and "
        notice = NOTICE[language].format(parts=parts.join(PARTS[language][p] for p in sorted(offline_parts)))
    return Book(script.id, script.title, language, chapters, notice, appendix)


# --- renderers ----------------------------------------------------------------------------------------------------


def _markdown_parts(book: Book) -> Iterator[str]:
    yield f"# {book.title}\n\n"
    if book.notice:
        yield f"> **{book.notice}**\n\n"
    for chapter in book.chapters:
        body = chapter.prose or (
            f"> {chapter.summary}\n\n*{NO_PROSE[book.language]}*" if chapter.summary else f"*{NO_PROSE[book.language]}*"
        )
        yield f"## {chapter.title}\n\n{body}\n\n"
    if book.appendix:
        yield "---\n\n## 附录 / Appendix\n\n"
        for name, value in book.appendix.items():
            pretty = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
            yield f"### {name}\n\n```json\n{pretty}\n```\n\n"


def _text_parts(book: Book) -> Iterator[str]:
    yield f"{book.title}\n\n"
    if book.notice:
        yield f"[{book.notice}]\n\n"
    for chapter in book.chapters:
        yield f"{chapter.title}\n\n{chapter.prose or NO_PROSE[book.language]}\n\n"
    if book.appendix:
        yield "==== 附录 / Appendix ====\n\n"
        for name, value in book.appendix.items():
            pretty = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
            yield f"[{name.removesuffix('.json')}]\n{pretty}\n\n"


def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})  # raw HTML in the prose is shown, never executed


def _html_parts(book: Book) -> Iterator[str]:
    renderer = _renderer()
    lang = "zh-CN" if book.language == "zh" else "en"
    yield (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(book.title)}</title>'
        "<style>body{font-family:serif;max-width:42rem;margin:2rem auto;line-height:1.7}"
        ".notice{border-left:4px solid #c90;padding:.5rem 1rem;background:#fff8e5}</style></head><body>\n"
    )
    yield f"<h1>{html.escape(book.title)}</h1>\n"
    if book.notice:
        yield f'<p class="notice"><strong>{html.escape(book.notice)}</strong></p>\n'
    for part in _markdown_parts(Book(book.script_id, book.title, book.language, book.chapters, "", book.appendix)):
        if part.startswith("# "):
            continue
        yield renderer.render(part)
    yield "</body></html>\n"


def _epub(book: Book) -> bytes:
    renderer = _renderer()
    volume = epub.EpubBook()
    volume.set_identifier(f"sceneintruder:{book.script_id}")
    volume.set_title(book.title)
    volume.set_language("zh" if book.language == "zh" else "en")
    if book.notice:
        volume.add_metadata("DC", "description", book.notice)
    documents = []
    if book.notice:
        notice = epub.EpubHtml(title="Notice", file_name="notice.xhtml", lang=volume.language)
        notice.content = f"<h1>{html.escape(book.title)}</h1><p><strong>{html.escape(book.notice)}</strong></p>"
        documents.append(notice)
    for chapter in book.chapters:
        page = epub.EpubHtml(title=chapter.title, file_name=f"chapter_{chapter.index:04d}.xhtml", lang=volume.language)
        page.content = f"<h2>{html.escape(chapter.title)}</h2>" + renderer.render(
            chapter.prose or NO_PROSE[book.language]
        )
        documents.append(page)
    for document in documents:
        volume.add_item(document)
    volume.toc = documents
    volume.add_item(epub.EpubNcx())
    volume.add_item(epub.EpubNav())
    volume.spine = ["nav", *documents]
    buffer = io.BytesIO()
    epub.write_epub(buffer, volume)
    return buffer.getvalue()


async def _stream(parts: Iterator[str]) -> AsyncIterator[bytes]:
    chunk: list[str] = []
    size = 0
    for part in parts:
        chunk.append(part)
        size += len(part)
        if size >= 64_000:
            yield "".join(chunk).encode("utf-8")
            chunk, size = [], 0
    if chunk:
        yield "".join(chunk).encode("utf-8")


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def file_export(book: Book, fmt: str) -> ExportStream:
    media_type, extension = FORMATS[fmt]
    filename = f"{book.script_id}_{utcnow().strftime('%Y%m%dT%H%M%S')}.{extension}"
    if fmt == "epub":
        return ExportStream(media_type, filename, _once(_epub(book)))
    parts = {"markdown": _markdown_parts, "txt": _text_parts, "html": _html_parts}[fmt](book)
    return ExportStream(media_type, filename, _stream(parts))


def json_export(book: Book) -> dict[str, Any]:
    """The reference's envelope data (§11.6), with the format named truly and no file written (§12.25)."""
    content = "".join(_markdown_parts(book))
    return {
        "scene_id": book.script_id,
        "title": book.title,
        "format": "json",
        "content_format": "markdown",
        "content": content,
        "generated_at": rfc3339(utcnow()),
        "export_type": "script",
        "characters": None,
        "conversations": None,
        "summary": "",
        "file_path": "",
        "file_size": len(content.encode("utf-8")),
        "offline": bool(book.notice),
        **({"notice": book.notice} if book.notice else {}),
        "chapters": [
            {"index": c.index, "title": c.title, "source": c.source, "chars": len(c.prose)} for c in book.chapters
        ],
    }

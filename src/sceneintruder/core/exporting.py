"""Rendering an export document as markdown, plain text, HTML or CSV (JSON exports keep their own structure).

A document is a title plus sections; a section has free text and/or a table. CSV uses the long format
`section,item,field,value` so every document, whatever its tables, is one machine-readable sheet.
Nothing is written to disk: the reference wrote every export under data/exports and never cleaned up.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NotRequired

from typing_extensions import TypedDict

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import BadRequest, NotFound

EXPORT_VERSION = "1.0"  # the version every export document declares


class ExportResult(TypedDict):
    """The reference's ExportResult (spec §5b): what the `json` format of every export answers in `data`."""

    scene_id: str
    title: str
    format: str
    content: str  # the exported document, as text
    generated_at: str
    export_type: str  # scene | interactions | story
    characters: list[Any]
    conversations: list[Any]
    summary: str
    file_path: str  # the file name a download would have
    file_size: int
    stats: dict[str, Any]
    offline: bool  # ours: the content was generated offline (no language model)
    notice: NotRequired[str]  # ours: the line saying so, also at the top of the document
    story_data: NotRequired[dict[str, Any]]  # the story export's whole StoryData


@dataclass(frozen=True)
class ExportFile:
    """An export in a file format (markdown, txt, html, csv): sent as an attachment named `<stem>.<extension>`."""

    content: str
    fmt: ExportFormat
    stem: str


Exported = ExportResult | ExportFile
"""What an export route answers: the JSON ExportResult (`format=json`), or a file."""


class ExportFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    TXT = "txt"
    HTML = "html"
    CSV = "csv"


class ExportFormatInvalid(BadRequest):
    code = ErrorCode.EXPORT_FORMAT_INVALID
    default_message = "不支持的导出格式"


class ExportDataEmpty(NotFound):
    """There is nothing to export (e.g. a story with no node yet)."""

    code = ErrorCode.EXPORT_DATA_EMPTY
    default_message = "没有可导出的数据"


MEDIA_TYPES = {
    ExportFormat.MARKDOWN: ("text/markdown; charset=utf-8", "md"),
    ExportFormat.TXT: ("text/plain; charset=utf-8", "txt"),
    ExportFormat.HTML: ("text/html; charset=utf-8", "html"),
    ExportFormat.CSV: ("text/csv; charset=utf-8", "csv"),
    ExportFormat.JSON: ("application/json", "json"),
}


@dataclass
class ExportTable:
    columns: list[str]
    rows: list[list[str]]
    key_column: int = 0  # which column identifies a row in the CSV's `item` column


@dataclass
class ExportSection:
    key: str  # stable, language-neutral name used in CSV
    title: str
    text: str = ""
    table: ExportTable | None = None


@dataclass
class ExportDocument:
    title: str
    sections: list[ExportSection] = field(default_factory=list)
    language: str = "en"
    notice: str = ""  # a visible line under the title (e.g. that the content was generated offline)


OFFLINE_NOTICE = {
    "en": (
        "Generated offline: no language model was used. The analysis and texts were computed from the book by "
        "sceneintruder's built-in offline provider."
    ),
    "zh": "离线生成：未使用任何语言模型。分析与文本由 sceneintruder 内置的离线提供方根据原文计算得出。",
}


def offline_fields(notice: str) -> dict[str, Any]:
    """What an export document's `export_info` says about it: generated offline or not, and the notice."""
    return {"generated_offline": bool(notice), **({"notice": notice} if notice else {})}


def offline_notice(language: str, offline: bool) -> str:
    """The line every export of offline-made content carries (empty when a model made it)."""
    return OFFLINE_NOTICE["zh" if language == "zh" else "en"] if offline else ""


def render(document: ExportDocument, fmt: ExportFormat) -> str:
    if fmt is ExportFormat.MARKDOWN:
        return _markdown(document)
    if fmt is ExportFormat.TXT:
        return _text(document)
    if fmt is ExportFormat.HTML:
        return _html(document)
    if fmt is ExportFormat.CSV:
        return _csv(document)
    raise ValueError(f"{fmt} is rendered by the caller")


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", "<br>")


def _markdown(document: ExportDocument) -> str:
    lines = [f"# {document.title}", ""]
    if document.notice:
        lines += [f"> **{document.notice}**", ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        if section.text:
            lines += [section.text.strip(), ""]
        if section.table and section.table.rows:
            lines.append("| " + " | ".join(_cell(c) for c in section.table.columns) + " |")
            lines.append("|" + "---|" * len(section.table.columns))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in section.table.rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _text(document: ExportDocument) -> str:
    lines = [document.title, "=" * min(80, max(8, len(document.title) * 2)), ""]
    if document.notice:
        lines += [f"[{document.notice}]", ""]
    for section in document.sections:
        lines += [section.title, "-" * min(80, max(8, len(section.title) * 2))]
        if section.text:
            lines += [section.text.strip()]
        if section.table and section.table.rows:
            for row in section.table.rows:
                lines.append(
                    " · ".join(f"{col}: {val}" for col, val in zip(section.table.columns, row, strict=True) if val)
                )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _html(document: ExportDocument) -> str:
    esc = html.escape
    body = [f"<h1>{esc(document.title)}</h1>"]
    if document.notice:
        body.append(f'<p class="notice"><strong>{esc(document.notice)}</strong></p>')
    for section in document.sections:
        body.append(f'<section id="{esc(section.key)}"><h2>{esc(section.title)}</h2>')
        for paragraph in section.text.strip().split("\n\n") if section.text.strip() else []:
            body.append(f"<p>{esc(paragraph).replace(chr(10), '<br>')}</p>")
        if section.table and section.table.rows:
            header = "".join(f"<th>{esc(c)}</th>" for c in section.table.columns)
            rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in section.table.rows)
            body.append(f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>")
        body.append("</section>")
    lang = "zh-CN" if document.language == "zh" else "en"
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(document.title)}</title>'
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )


def _csv(document: ExportDocument) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "field", "value"])
    if document.notice:
        writer.writerow(["notice", "", "text", document.notice])
    for section in document.sections:
        if section.text:
            writer.writerow([section.key, "", "text", section.text])
        if section.table:
            for row in section.table.rows:
                item = row[section.table.key_column]
                for column, value in zip(section.table.columns, row, strict=True):
                    writer.writerow([section.key, item, column, value])
    return out.getvalue()


def export_result(
    *,
    scene_id: str,
    title: str,
    fmt: ExportFormat,
    content: str,
    export_type: str,
    filename: str,
    characters: list[Any],
    conversations: list[Any],
    summary: str,
    stats: dict[str, Any],
    notice: str = "",
) -> ExportResult:
    """The reference's ExportResult (spec §5b), used by the `json` format of every export; `offline` and `notice`
    say when its content was generated offline."""
    result: ExportResult = {
        "scene_id": scene_id,
        "title": title,
        "format": fmt.value,
        "content": content,
        "generated_at": rfc3339(utcnow()),
        "export_type": export_type,
        "characters": characters,
        "conversations": conversations,
        "summary": summary,
        "file_path": filename,
        "file_size": len(content.encode("utf-8")),
        "stats": stats,
        "offline": bool(notice),
    }
    if notice:
        result["notice"] = notice
    return result

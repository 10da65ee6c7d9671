"""`GET /comic/export?format=zip|html|pdf|cbz`: the comic as a file, built under DATA_DIR and served with
HTTP Range (spec §8.21).

- zip: the workspace as the reference laid it out (`scene_<id>/analysis.json`, `key_elements.json`,
  `metrics.json`, `prompts/<frame>.json`, `images/<frame>.<ext>`, `references/...`), plus `NOTICE.txt` when
  anything in it was made offline.
- html: one self-contained page, images inlined as data URLs with their real type (it works offline and
  references no `/api` URL, §8.20), frames in storyboard order with their description and prompt.
- pdf: the comic's pages (pages.py), one PDF page each. img2pdf embeds the page JPEGs as they are (no second
  lossy encoding, A4 page size): chosen over fpdf2 because the pages are already images.
- cbz: the same pages as `001.jpg`, ... with a `ComicInfo.xml` valid against the Anansi ComicInfo v2.0 schema.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import img2pdf
import orjson

from sceneintruder.comic import records
from sceneintruder.comic.files import EXPORTS, IMAGES, REFERENCES, ComicFiles
from sceneintruder.comic.models import ComicBreakdown, ComicWorkspace
from sceneintruder.comic.pages import PAGE, PanelImage, render_pages
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.core.clock import utcnow
from sceneintruder.core.exporting import ExportDataEmpty, ExportFormatInvalid
from sceneintruder.providers.image.fonts import Fonts

FORMATS = ("zip", "html", "pdf", "cbz")
MEDIA_TYPES = {
    "zip": "application/zip",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "cbz": "application/vnd.comicbook+zip",
}
OFFLINE_NOTICE = (
    "Made offline: the storyboard, prompts and key elements were computed from the text by sceneintruder's "
    "built-in rules and the panels drawn by its offline renderer, without a language or image model."
)


@dataclass(frozen=True)
class ComicContent:
    scene_id: str
    title: str
    language: str
    breakdown: dict[str, Any]
    prompts: list[dict[str, Any]]
    key_elements: dict[str, Any] | None
    metrics: dict[str, Any]
    references: list[tuple[str, str]]  # (element id, file name)
    images: list[tuple[str, str, str, bool]]  # (frame id, file name, content type, offline)

    @property
    def offline(self) -> bool:
        flags = [bool(self.breakdown.get("offline"))]
        flags += [bool(p.get("offline")) for p in self.prompts]
        flags += [offline for *_, offline in self.images]
        return any(flags)


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def build(content: ComicContent, fmt: str, files: ComicFiles, fonts: Fonts, stamp: datetime) -> Path:
    """Write the export atomically and return its path (CPU and disk work: run in a thread). Older exports of
    the same format are removed."""
    name = f"comic_{stamp:%Y%m%d_%H%M%S}.{fmt}"
    if fmt == "zip":
        data = _zip(content, files)
    elif fmt == "html":
        data = _html(content, files).encode("utf-8")
    else:
        pages = render_pages(_panels(content, files), fonts, title=content.title)
        data = img2pdf.convert(pages, layout_fun=_a4()) if fmt == "pdf" else _cbz(content, pages, stamp)
    target = files.write(EXPORTS, name, data)
    for old in target.parent.glob(f"comic_*.{fmt}"):
        if old.name != name:
            old.unlink(missing_ok=True)
    return target


def _a4() -> Any:
    return img2pdf.get_layout_fun((img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)))


def _panels(content: ComicContent, files: ComicFiles) -> list[PanelImage]:
    shots = {f["id"]: (f.get("staging") or {}).get("shot", "medium") for f in content.breakdown.get("frames") or []}
    return [
        PanelImage(frame_id, files.read(IMAGES, file_name), shots.get(frame_id, "medium"), offline)
        for frame_id, file_name, _, offline in content.images
    ]


def _zip(content: ComicContent, files: ComicFiles) -> bytes:
    root = f"scene_{content.scene_id}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{root}/analysis.json", _json(content.breakdown))
        if content.key_elements is not None:
            archive.writestr(f"{root}/key_elements.json", _json(content.key_elements))
        archive.writestr(f"{root}/metrics.json", _json(content.metrics))
        for prompt in content.prompts:
            archive.writestr(f"{root}/prompts/{prompt['frame_id']}.json", _json(prompt))
        for _, file_name, _, _ in content.images:
            archive.writestr(f"{root}/images/{file_name}", files.read(IMAGES, file_name))
        if content.references:
            index = {element_id: file_name for element_id, file_name in content.references}
            archive.writestr(f"{root}/references/index.json", _json(index))
            for _, file_name in content.references:
                archive.writestr(f"{root}/references/{file_name}", files.read(REFERENCES, file_name))
        if content.offline:
            archive.writestr(f"{root}/NOTICE.txt", OFFLINE_NOTICE + "\n")
    return out.getvalue()


def _html(content: ComicContent, files: ComicFiles) -> str:
    prompts = {p["frame_id"]: p for p in content.prompts}
    images = {frame_id: (name, mime) for frame_id, name, mime, _ in content.images}
    title = html.escape(content.title or f"Comic {content.scene_id}")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(content.language or "en")}"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em}"
        "img{max-width:100%;border:3px solid #111}pre{white-space:pre-wrap;background:#f4f4f4;padding:.6em}"
        ".notice{background:#fff3c4;border:1px solid #d9b84a;padding:.6em}</style></head><body>",
        f"<h1>{title}</h1>",
    ]
    if content.offline:
        parts.append(f'<p class="notice">{html.escape(OFFLINE_NOTICE)}</p>')
    for frame in content.breakdown.get("frames") or []:
        frame_id = frame["id"]
        parts.append(f"<hr><h2>{html.escape(frame_id)}</h2><p>{html.escape(frame.get('description') or '')}</p>")
        if frame_id in prompts:
            parts.append(f"<pre>{html.escape(str(prompts[frame_id].get('prompt') or ''))}</pre>")
        if frame_id in images:
            name, mime = images[frame_id]
            encoded = base64.b64encode(files.read(IMAGES, name)).decode("ascii")
            parts.append(f'<img alt="{html.escape(frame_id)}" src="data:{mime};base64,{encoded}">')
    parts.append("</body></html>")
    return "\n".join(parts)


def comic_info(content: ComicContent, pages: Sequence[bytes], stamp: datetime) -> str:
    """ComicInfo.xml, elements in the order the v2.0 schema's sequence requires."""
    frames = content.breakdown.get("frames") or []
    summary = " ".join(str(f.get("description") or "") for f in frames)[:2000]
    cast = [str(c.get("name")) for c in (content.key_elements or {}).get("characters") or []]
    places = [str(c.get("name")) for c in (content.key_elements or {}).get("locations") or []]
    notes = OFFLINE_NOTICE if content.offline else "Made with sceneintruder."
    fields = [
        ("Title", content.title),
        ("Summary", summary),
        ("Notes", notes),
        ("Year", str(stamp.year)),
        ("Month", str(stamp.month)),
        ("Day", str(stamp.day)),
        ("PageCount", str(len(pages))),
        ("LanguageISO", content.language or "en"),
        ("Manga", "No"),
        ("Characters", ", ".join(cast)),
        ("Locations", ", ".join(places)),
    ]
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<ComicInfo>"]
    lines += [f"  <{tag}>{escape(value)}</{tag}>" for tag, value in fields if value]
    lines.append("  <Pages>")
    for index, page in enumerate(pages):
        kind = "FrontCover" if index == 0 else "Story"
        lines.append(
            f'    <Page Image="{index}" Type="{kind}" ImageSize="{len(page)}" '
            f'ImageWidth="{PAGE[0]}" ImageHeight="{PAGE[1]}" />'
        )
    lines += ["  </Pages>", "</ComicInfo>", ""]
    return "\n".join(lines)


def _cbz(content: ComicContent, pages: Sequence[bytes], stamp: datetime) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, page in enumerate(pages, start=1):
            archive.writestr(f"{index:03d}.jpg", page)
        archive.writestr("ComicInfo.xml", comic_info(content, pages, stamp))
    return out.getvalue()


async def export_file(
    runtime: ComicRuntime, *, scene_id: str, title: str, language: str, fmt: str
) -> tuple[Path, str, str]:
    """Build the export of the scene's comic in `fmt`: (file, media type, download name)."""
    fmt = (fmt or "zip").strip().lower()
    if fmt not in FORMATS:
        raise ExportFormatInvalid(details="zip, html, pdf or cbz")
    async with runtime.db.reader() as session:
        row = await session.get(ComicBreakdown, scene_id)
        if row is None:
            raise ExportDataEmpty("missing analysis", details=scene_id)
        breakdown = records.breakdown_json(row, await records.frames(session, scene_id))
        prompts = await records.prompts(session, scene_id)
        elements = await records.key_elements(session, scene_id)
        refs = await records.references(session, scene_id)
        images = await records.images(session, scene_id)
        workspace = await session.get(ComicWorkspace, scene_id)
        metrics = dict(workspace.metrics or {}) if workspace is not None else {}
    if not breakdown["frames"]:
        raise ExportDataEmpty("no frames", details=scene_id)
    if fmt in ("pdf", "cbz") and not images:
        raise ExportDataEmpty("还没有生成图片", details="generate the panels first")
    content = ComicContent(
        scene_id=scene_id,
        title=title,
        language=breakdown.get("language") or language or "en",
        breakdown=breakdown,
        prompts=prompts,
        key_elements=elements,
        metrics=metrics,
        references=[(r.element_id, r.file_name) for r in refs],
        images=[(i.frame_id, i.file_name, i.content_type, i.offline) for i in images],
    )
    stamp = utcnow()
    files = ComicFiles(runtime.data_dir, scene_id)
    path = await asyncio.to_thread(build, content, fmt, files, runtime.fonts, stamp)
    return path, MEDIA_TYPES[fmt], f"comic_{scene_id}_{stamp:%Y%m%d_%H%M%S}.{fmt}"

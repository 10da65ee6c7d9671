"""`GET /comic/video/export?format=zip|html|mp4`: files built under DATA_DIR and served with HTTP Range.

- mp4: the composed film.
- html: one self-contained page: the film inlined as a data URL (it plays offline and names no `/api` URL,
  spec §8.20), with the timeline's shots, their narration and subtitles.
- zip: `scene_<id>/video/`: timeline.json, meta.json, the panels, each shot's narration and the film.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import zipfile
from pathlib import Path
from typing import Any

import orjson

from sceneintruder.comic import service as comic_service
from sceneintruder.core.clock import utcnow
from sceneintruder.core.exporting import ExportDataEmpty, ExportFormatInvalid
from sceneintruder.core.storage import atomic_write_bytes
from sceneintruder.video.files import VideoFiles
from sceneintruder.video.models import VideoState
from sceneintruder.video.runtime import VideoRuntime

FORMATS = ("zip", "html", "mp4")
MEDIA_TYPES = {"zip": "application/zip", "html": "text/html; charset=utf-8", "mp4": "video/mp4"}
NOTICE = (
    "Rendered offline: a Ken Burns film of the comic's panels, with subtitles and espeak-ng narration, composed "
    "by ffmpeg without a video model."
)


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def _zip(scene_id: str, state: VideoState, film: Path | None, files: VideoFiles, panels: dict[str, Path]) -> bytes:
    root = f"scene_{scene_id}/video"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{root}/timeline.json", _json(state.timeline))
        archive.writestr(f"{root}/meta.json", _json(state.meta))
        archive.writestr(f"{root}/NOTICE.txt", NOTICE + "\n")
        for frame_id, path in panels.items():
            if path.is_file():
                archive.write(path, f"{root}/images/{path.name}")
            narration = files.narration(state.version, frame_id)
            if narration.is_file():
                archive.write(narration, f"{root}/audio/narration/{narration.name}")
        if film is not None:
            archive.write(film, f"{root}/renders/{film.name}", compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _html(title: str, state: VideoState, film: Path) -> str:
    encoded = base64.b64encode(film.read_bytes()).decode("ascii")
    rows = "".join(
        f"<li><b>{html.escape(c['frame_id'])}</b> ({c['duration_sec']} s, {html.escape(c['camera_motion'])}): "
        f"{html.escape(c.get('narration') or '')}</li>"
        for c in state.timeline.get("clips") or []
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;background:#111;color:#eee}"
        "video{width:100%}.notice{background:#3a3320;padding:.6em}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="notice">{html.escape(NOTICE)}</p>'
        f'<video controls src="data:video/mp4;base64,{encoded}"></video><ol>{rows}</ol></body></html>'
    )


def _build(scene_id: str, title: str, state: VideoState, fmt: str, files: VideoFiles, panels: dict[str, Path]) -> Path:
    name = str((state.meta or {}).get("render_artifact_path") or "")
    film = files.render(name) if name else None
    film = film if film is not None and film.is_file() else None
    stamp = utcnow()
    target = files.export(f"video_{stamp:%Y%m%d_%H%M%S}.{fmt}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "mp4":
        if film is None:
            raise ExportDataEmpty("还没有合成的视频", details="generate the film first")
        return film
    if fmt == "html":
        if film is None:
            raise ExportDataEmpty("还没有合成的视频", details="generate the film first")
        data = _html(title, state, film).encode("utf-8")
    else:
        data = _zip(scene_id, state, film, files, panels)
    atomic_write_bytes(target, data)
    for old in target.parent.glob(f"video_*.{fmt}"):
        if old.name != target.name:
            old.unlink(missing_ok=True)
    return target


async def export_file(
    runtime: VideoRuntime, *, scene_id: str, title: str, state: VideoState | None, fmt: str
) -> tuple[Path, str, str]:
    fmt = (fmt or "zip").strip().lower()
    if fmt not in FORMATS:
        raise ExportFormatInvalid(details="zip, html or mp4")
    if state is None:
        raise ExportDataEmpty(details=scene_id)
    frames = await comic_service.film_frames(runtime.comic, scene_id=scene_id) or []
    panels = {frame.frame_id: frame.image_path for frame in frames}
    files = VideoFiles(runtime.data_dir, scene_id)
    path = await asyncio.to_thread(_build, scene_id, title, state, fmt, files, panels)
    return path, MEDIA_TYPES[fmt], f"video_{scene_id}_{utcnow():%Y%m%d_%H%M%S}.{fmt}"

"""File responses for exports: `?format=` parsing and an attachment response (shared by every export route)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sceneintruder.core.exporting import MEDIA_TYPES, Exported, ExportFile, ExportFormat, ExportFormatInvalid
from sceneintruder.web.envelope import ok

DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`format=json`: the ExportResult envelope; any other format: the file itself, as an attachment",
        "content": {
            media_type.split(";")[0]: {"schema": {"type": "string"}}
            for media_type, _ in MEDIA_TYPES.values()
            if "json" not in media_type
        },
    }
}
"""For an export route's `responses=`: the file media types beside the JSON envelope (OpenAPI)."""


def parse_export_format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value.strip().lower())
    except ValueError:
        raise ExportFormatInvalid(details="json, markdown, txt, html or csv") from None


def download(content: str, fmt: ExportFormat, filename_stem: str) -> Response:
    media_type, extension = MEDIA_TYPES[fmt]
    return Response(
        content.encode("utf-8"),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename_stem}.{extension}"'},
    )


def export_response(exported: Exported, message: str = "导出成功") -> Response:
    """An export's answer: the file as an attachment, or the ExportResult in the envelope (`format=json`)."""
    if isinstance(exported, ExportFile):
        return download(exported.content, exported.fmt, exported.stem)
    return ok(exported, message)

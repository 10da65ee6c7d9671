"""Step 4, reference images: a picture per key element (a face, a costume, a place) that vendors accepting
reference images are sent when a frame names the element.

An upload is all or nothing (spec §8.32): every file is checked first (an element of the key elements, a
real PNG, JPEG or WebP by its bytes, at most `comic_reference_max_bytes`, and all of the scene's references
together at most `comic_references_total_bytes`), then all are written. Re-uploading an element in another
format removes the old file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sceneintruder.comic import records
from sceneintruder.comic.errors import (
    ComicKeyElementsNotFound,
    ComicReferenceNotFound,
    ComicReferencesNotFound,
    FileUploadFailed,
)
from sceneintruder.comic.files import REFERENCES, ComicFiles
from sceneintruder.comic.models import ComicReference
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.comic.schemas import check_id
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import PayloadTooLarge
from sceneintruder.providers.image.base import sniff_mime
from sceneintruder.scenes.errors import FileInvalid


@dataclass(frozen=True)
class Upload:
    element_id: str
    data: bytes


def _element_ids(elements: dict[str, Any]) -> set[str]:
    return {str(item.get("id")) for kind in ("characters", "objects", "locations") for item in elements.get(kind) or []}


async def upload(runtime: ComicRuntime, *, scene_id: str, uploads: Sequence[Upload]) -> dict[str, Any]:
    if not uploads:
        raise FileUploadFailed("没有上传任何文件", details="send element_id + file, or file_<element_id> parts")
    limit, total_limit = runtime.settings.comic_reference_max_bytes, runtime.settings.comic_references_total_bytes
    async with runtime.db.reader() as session:
        elements = await records.key_elements(session, scene_id)
        current = {row.element_id: row for row in await records.references(session, scene_id)}
    if elements is None:
        raise ComicKeyElementsNotFound("请先提取关键元素，再上传参考图", details=scene_id)
    known = _element_ids(elements)
    checked: list[tuple[str, bytes, str]] = []
    for item in uploads:
        try:
            element_id = check_id(item.element_id, "element id")
        except ValueError as exc:
            raise FileUploadFailed(str(exc), details=item.element_id[:80]) from None
        if element_id not in known:
            raise FileInvalid("参考图对应的关键元素不存在", details=element_id)
        if len(item.data) > limit:
            raise PayloadTooLarge("参考图过大", details=f"{element_id}: the limit is {limit} bytes")
        mime = sniff_mime(item.data)
        if mime is None:
            raise FileInvalid("参考图必须是 PNG、JPEG 或 WebP 图片", details=element_id)
        checked.append((element_id, item.data, mime))
    replaced = {element_id for element_id, _, _ in checked}
    total = sum(len(data) for _, data, _ in checked) + sum(
        row.size_bytes for element_id, row in current.items() if element_id not in replaced
    )
    if total > total_limit:
        raise PayloadTooLarge("参考图总大小超出限制", details=f"the limit is {total_limit} bytes per scene")
    files = ComicFiles(runtime.data_dir, scene_id)
    stale: list[str] = []
    uploaded: list[dict[str, Any]] = []
    for element_id, data, mime in checked:
        files.write(REFERENCES, files.name_for(element_id, mime), data)
    async with runtime.db.writer() as session:
        await records.workspace(session, scene_id)
        for element_id, data, mime in checked:
            name = files.name_for(element_id, mime)
            row = await session.get(ComicReference, (scene_id, element_id))
            if row is None:
                row = ComicReference(scene_id=scene_id, element_id=element_id)
                session.add(row)
            elif row.file_name != name:
                stale.append(row.file_name)
            row.file_name, row.content_type, row.size_bytes, row.uploaded_at = name, mime, len(data), utcnow()
            uploaded.append(
                {"element_id": element_id, "file_name": name, "content_type": mime, "size_bytes": len(data)}
            )
        await session.commit()
    for name in stale:
        files.remove(REFERENCES, name)
    return {"uploaded": sorted(uploaded, key=lambda item: item["element_id"])}


async def index(runtime: ComicRuntime, *, scene_id: str, missing_ok: bool = False) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        rows = await records.references(session, scene_id)
    if not rows and not missing_ok:
        raise ComicReferencesNotFound(details=scene_id)
    updated = max((row.uploaded_at for row in rows), default=None)
    return {
        "scene_id": scene_id,
        "references": {row.element_id: records.reference_json(row) for row in rows},
        "updated_at": rfc3339(updated) if updated else None,
    }


async def image(runtime: ComicRuntime, *, scene_id: str, element_id: str) -> tuple[bytes, str]:
    async with runtime.db.reader() as session:
        rows = await records.references(session, scene_id)
    if not rows:
        raise ComicReferencesNotFound(details=scene_id)
    row = next((r for r in rows if r.element_id == element_id), None)
    if row is None:
        raise ComicReferenceNotFound(details=element_id)
    try:
        return ComicFiles(runtime.data_dir, scene_id).read(REFERENCES, row.file_name), row.content_type
    except FileNotFoundError:
        raise ComicReferenceNotFound(details=element_id) from None


async def remove(runtime: ComicRuntime, *, scene_id: str, element_id: str) -> dict[str, Any]:
    async with runtime.db.writer() as session:
        row = await session.get(ComicReference, (scene_id, element_id))
        if row is None:
            raise ComicReferenceNotFound(details=element_id)
        name = row.file_name
        await session.delete(row)
        await session.commit()
    ComicFiles(runtime.data_dir, scene_id).remove(REFERENCES, name)
    return await index(runtime, scene_id=scene_id, missing_ok=True)

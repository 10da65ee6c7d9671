"""Reading and writing the comic's rows, shared by the steps. Functions take an open session; the caller
commits. Order everywhere: frames by `order`, then id (spec §8.8)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.comic.models import (
    ComicBreakdown,
    ComicFrame,
    ComicImage,
    ComicKeyElements,
    ComicPrompt,
    ComicReference,
    ComicWorkspace,
)
from sceneintruder.core.clock import rfc3339 as iso
from sceneintruder.core.clock import utcnow


async def workspace(session: AsyncSession, scene_id: str) -> ComicWorkspace:
    """The scene's workspace row, created if missing, and locked for the rest of the transaction: every write
    to a scene's comic takes it first, so two writers of one scene (two requests, a request and a job) go one
    after the other on PostgreSQL too (SQLite serialises writers anyway). A concurrent creation is taken as is."""
    row = await session.get(ComicWorkspace, scene_id, with_for_update=True)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(ComicWorkspace(scene_id=scene_id, metrics={}))
        except IntegrityError:  # another transaction created it first
            pass
        row = await session.get(ComicWorkspace, scene_id, with_for_update=True, populate_existing=True)
        assert row is not None
    return row


async def frames(session: AsyncSession, scene_id: str) -> list[ComicFrame]:
    rows = await session.scalars(
        select(ComicFrame).where(ComicFrame.scene_id == scene_id).order_by(ComicFrame.order, ComicFrame.frame_id)
    )
    return list(rows.all())


def frame_json(frame: ComicFrame) -> dict[str, Any]:
    return {
        "id": frame.frame_id,
        "order": frame.order,
        "description": frame.description,
        "story_node_ids": list(frame.story_node_ids or []),
        "staging": dict(frame.staging or {}),
    }


def breakdown_json(row: ComicBreakdown, frame_rows: Sequence[ComicFrame]) -> dict[str, Any]:
    provenance = dict(row.provenance or {})
    return {
        "scene_id": row.scene_id,
        "language": row.language,
        "target_frames": row.target_frames,
        "frames": [frame_json(frame) for frame in frame_rows],
        "model": row.model,
        "generated_at": iso(row.generated_at),
        "source": row.source,
        **provenance,
    }


async def replace_breakdown(
    session: AsyncSession,
    scene_id: str,
    *,
    language: str,
    target_frames: int,
    source: str,
    node_id: str | None,
    provenance: dict[str, Any],
    new_frames: Sequence[dict[str, Any]],
) -> list[str]:
    """Store a storyboard in place of the last: frames that no longer exist lose their prompt and image rows
    (spec §8.10); a kept frame whose description changed keeps them (the writer may re-run prompts). Returns
    the image file names that are no longer referenced, for the caller to delete after its commit."""
    await workspace(session, scene_id)
    row = await session.get(ComicBreakdown, scene_id)
    if row is None:
        row = ComicBreakdown(scene_id=scene_id)
        session.add(row)
    row.language, row.target_frames, row.source, row.node_id = language, target_frames, source, node_id
    row.model = str(provenance.get("model") or "")
    row.provenance = provenance
    row.generated_at = utcnow()
    keep = [str(frame["id"]) for frame in new_frames]
    gone_images = await session.scalars(
        select(ComicImage.file_name).where(ComicImage.scene_id == scene_id, ComicImage.frame_id.not_in(keep))
    )
    orphaned = list(gone_images.all())
    for table in (ComicImage, ComicPrompt):
        await session.execute(delete(table).where(table.scene_id == scene_id, table.frame_id.not_in(keep)))
    await session.execute(delete(ComicFrame).where(ComicFrame.scene_id == scene_id))
    for frame in new_frames:
        session.add(
            ComicFrame(
                scene_id=scene_id,
                frame_id=str(frame["id"]),
                order=int(frame["order"]),
                description=str(frame.get("description") or ""),
                story_node_ids=list(frame.get("story_node_ids") or []),
                staging=dict(frame.get("staging") or {}),
            )
        )
    await session.flush()
    return orphaned


async def prompts(session: AsyncSession, scene_id: str) -> list[dict[str, Any]]:
    """The prompts of the storyboard's frames, in frame order."""
    rows = await session.execute(
        select(ComicPrompt.data)
        .join(ComicFrame, (ComicFrame.scene_id == ComicPrompt.scene_id) & (ComicFrame.frame_id == ComicPrompt.frame_id))
        .where(ComicPrompt.scene_id == scene_id)
        .order_by(ComicFrame.order, ComicFrame.frame_id)
    )
    return [dict(data) for (data,) in rows.all()]


async def save_prompt(session: AsyncSession, scene_id: str, frame_id: str, data: dict[str, Any]) -> dict[str, Any]:
    await workspace(session, scene_id)
    data = {**data, "frame_id": frame_id}
    row = await session.get(ComicPrompt, (scene_id, frame_id))
    if row is None:
        session.add(ComicPrompt(scene_id=scene_id, frame_id=frame_id, data=data, updated_at=utcnow()))
    else:
        row.data, row.updated_at = data, utcnow()
    await session.flush()
    return data


async def key_elements(session: AsyncSession, scene_id: str) -> dict[str, Any] | None:
    row = await session.get(ComicKeyElements, scene_id)
    return dict(row.data) if row is not None else None


async def save_key_elements(session: AsyncSession, scene_id: str, data: dict[str, Any]) -> dict[str, Any]:
    await workspace(session, scene_id)
    row = await session.get(ComicKeyElements, scene_id)
    if row is None:
        session.add(ComicKeyElements(scene_id=scene_id, data=data, updated_at=utcnow()))
    else:
        row.data, row.updated_at = data, utcnow()
    await session.flush()
    return data


async def references(session: AsyncSession, scene_id: str) -> list[ComicReference]:
    rows = await session.scalars(
        select(ComicReference).where(ComicReference.scene_id == scene_id).order_by(ComicReference.element_id)
    )
    return list(rows.all())


def reference_json(row: ComicReference) -> dict[str, Any]:
    return {
        "element_id": row.element_id,
        "file_name": row.file_name,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "uploaded_at": iso(row.uploaded_at),
    }


async def images(session: AsyncSession, scene_id: str) -> list[ComicImage]:
    rows = await session.scalars(
        select(ComicImage)
        .join(ComicFrame, (ComicFrame.scene_id == ComicImage.scene_id) & (ComicFrame.frame_id == ComicImage.frame_id))
        .where(ComicImage.scene_id == scene_id)
        .order_by(ComicFrame.order, ComicFrame.frame_id)
    )
    return list(rows.all())

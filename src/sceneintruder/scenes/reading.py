"""A scene as the API lists it (`SceneRead`): its row, with how many characters and items it has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.providers.llm.catalog import BUILTIN
from sceneintruder.scenes.models import Scene, SceneCharacter, SceneItem
from sceneintruder.scenes.schemas import LocationRead, SceneRead


async def _counts(session: AsyncSession, scene_ids: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    if not scene_ids:
        return {}, {}
    characters = await session.execute(
        select(SceneCharacter.scene_id, func.count())
        .where(SceneCharacter.scene_id.in_(scene_ids))
        .group_by(SceneCharacter.scene_id)
    )
    items = await session.execute(
        select(SceneItem.scene_id, func.count()).where(SceneItem.scene_id.in_(scene_ids)).group_by(SceneItem.scene_id)
    )
    return {row[0]: row[1] for row in characters}, {row[0]: row[1] for row in items}


def scene_read(scene: Scene, *, character_count: int, item_count: int) -> SceneRead:
    return SceneRead(
        id=scene.id,
        user_id=scene.owner_id,
        title=scene.title,
        name=scene.title,
        description=scene.description,
        source=scene.source,
        summary=scene.summary,
        era=scene.era,
        atmosphere=scene.atmosphere,
        themes=list(scene.themes or []),
        locations=[LocationRead.model_validate(location) for location in scene.locations or []],
        language=scene.language,
        created_at=scene.created_at,
        last_accessed=scene.last_accessed,
        last_updated=scene.last_updated,
        character_count=character_count,
        item_count=item_count,
        analysis=analysis_read(scene.analysis),
    )


def analysis_read(analysis: dict | None) -> dict | None:
    """What made the scene's analysis, on the wire: the stored record plus `offline` (the built-in provider)."""
    if not analysis:
        return None
    return {**analysis, "offline": BUILTIN in str(analysis.get("provider") or "").split(",")}


def analysed_offline(analysis: dict | None) -> bool:
    return bool(analysis) and (analysis or {}).get("provider") == BUILTIN


async def read_scene(session: AsyncSession, *, scene: Scene) -> SceneRead:
    characters, items = await _counts(session, [scene.id])
    return scene_read(scene, character_count=characters.get(scene.id, 0), item_count=items.get(scene.id, 0))


@dataclass(frozen=True)
class ScenePage:
    scenes: list[SceneRead]
    total: int


async def list_scenes(session: AsyncSession, *, owner_id: str, page: int, limit: int) -> ScenePage:
    """The caller's scenes, newest first."""
    total = int(await session.scalar(select(func.count()).select_from(Scene).where(Scene.owner_id == owner_id)) or 0)
    rows = (
        await session.scalars(
            select(Scene)
            .where(Scene.owner_id == owner_id)
            .order_by(Scene.created_at.desc(), Scene.id)
            .offset((page - 1) * limit)
            .limit(limit)
        )
    ).all()
    characters, items = await _counts(session, [row.id for row in rows])
    reads = [
        scene_read(row, character_count=characters.get(row.id, 0), item_count=items.get(row.id, 0)) for row in rows
    ]
    return ScenePage(reads, total)

"""Who may see a scene: its owner (or an administrator). Someone else's scene is answered exactly like a
missing one (SCENE_NOT_FOUND), so ids cannot be probed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.ids import is_valid_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.ownership import load_owned
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.models import Scene


async def get_owned_scene(session: AsyncSession, *, scene_id: str, principal: Principal) -> Scene:
    return await load_owned(session, Scene, scene_id, principal, missing=SceneNotFound)


async def find_scene(session: AsyncSession, *, scene_id: str) -> Scene:
    """The scene whoever owns it (callers check access); missing or malformed id: SceneNotFound."""
    scene = await session.get(Scene, scene_id) if is_valid_id(scene_id) else None
    if scene is None:
        raise SceneNotFound(details=scene_id)
    return scene

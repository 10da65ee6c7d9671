"""Who may see a scene: its owner (or an administrator). Someone else's scene is answered exactly like a
missing one (SCENE_NOT_FOUND), so ids cannot be probed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.ids import is_valid_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.ownership import load_owned, owner_allows
from sceneintruder.scenes import message_rows
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.models import Scene


async def get_owned_scene(session: AsyncSession, *, scene_id: str, principal: Principal) -> Scene:
    return await load_owned(session, Scene, scene_id, principal, missing=SceneNotFound)


async def check_owned_scene(session: AsyncSession, *, scene_id: str, principal: Principal) -> None:
    """As `get_owned_scene`, for a transaction that only needs to know the scene is there and the caller's (a chat
    reply's store, say): one indexed read of the owner, no Scene loaded."""
    owner_id = None
    if is_valid_id(scene_id):
        connection = await session.connection()
        owner_id = (await connection.execute(message_rows.owner_of(), {"scene_id": scene_id})).scalar()
    if owner_id is None or not owner_allows(owner_id, principal):
        raise SceneNotFound(details=scene_id)


async def find_scene(session: AsyncSession, *, scene_id: str) -> Scene:
    """The scene whoever owns it (callers check access); missing or malformed id: SceneNotFound."""
    scene = await session.get(Scene, scene_id) if is_valid_id(scene_id) else None
    if scene is None:
        raise SceneNotFound(details=scene_id)
    return scene

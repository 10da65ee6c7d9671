"""`ScenesRuntime`: what the scenes domain's workflows use, built once at start-up by `scenes.service.install`."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.core.events import EventBus
from sceneintruder.core.offload import Offload
from sceneintruder.core.principal import Principal
from sceneintruder.core.settings import ScenesSettings, StorageSettings
from sceneintruder.db.ownership import can_access
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.scenes import access
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.models import Scene
from sceneintruder.scenes.read_cache import SceneReadCache, SceneRow, SceneRowCache

ANALYSIS_JOB = "scene_analysis"  # the job kind of POST /api/analyze and POST /api/scenes
REANALYSIS_JOB = "scene_reanalysis"  # POST /api/scenes/:id/reanalyze
SCENE_DELETED_CLOSE_CODE = 4404  # WebSocket close code: the room's scene no longer exists


@dataclass(frozen=True)
class ScenesRuntime:
    db: Database
    llm: LLMClient
    events: EventBus  # SceneCreated / SceneDeleted are published here, once committed
    jobs: JobRegistry
    offload: Offload
    settings: ScenesSettings
    storage: StorageSettings  # DATA_DIR: a scene's files live under it
    read_cache: SceneReadCache  # GET /api/scenes/:id payloads, dropped by the ORM on commit
    scene_rows: SceneRowCache  # the scene rows owned_scene checks, dropped by a commit that writes the row

    async def owned_scene(self, scene_id: str, principal: Principal) -> Scene:
        """The scene if `principal` may use it, else SceneNotFound: a detached Scene of the caller's own, from the
        row cache or a short read session (so a route that then writes takes the scene's lock before its own
        transaction)."""

        async def load() -> SceneRow:
            async with self.db.reader() as session:
                return SceneRow(await access.find_scene(session, scene_id=scene_id))

        row = await self.scene_rows.entries.get_or_load(scene_id, load)
        if not can_access(row, principal):
            raise SceneNotFound(details=scene_id)
        return row.scene()

    async def scene_visible(self, principal: Principal, scene_id: str) -> bool:
        """Whether `principal` may see the scene (WebSocket rooms ask this before a socket joins)."""
        try:
            await self.owned_scene(scene_id, principal)
        except SceneNotFound:
            return False
        return True

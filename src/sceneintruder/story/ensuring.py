"""Making sure a scene has a playable story before a move that needs one (advance).

- A scene from text whose story is missing (created before stories existed, or its start was lost) or stuck
  before its nodes were built (a restart killed the job) gets its initialisation (re)started; the move waits
  for it briefly, like `GET /story`, and is answered 409 with the task id if the nodes are still not there.
- A shell scene (no text) gets an empty story: no passages, so every node it will have is generated (advance
  continues freely from the scene's description).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from sceneintruder.core.errors import Conflict
from sceneintruder.story import initialisation
from sceneintruder.story.building import build_nodes
from sceneintruder.story.models import Story, StoryNode
from sceneintruder.story.runtime import StoryRuntime

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

SHELL_SOURCE = "comic_standalone"  # scenes.service: a scene created without text


async def ensure_story(runtime: StoryRuntime, scene: Scene) -> None:
    async with runtime.db.reader() as session:
        story = await session.get(Story, scene.id)
        built = await session.scalar(select(StoryNode.id).where(StoryNode.scene_id == scene.id).limit(1))
    if story is not None and (built or story.init_status not in initialisation.WAITING):
        return
    if scene.source == SHELL_SOURCE:
        await _empty_story(runtime, scene)
        return
    job_id = await initialisation.start(runtime, scene_id=scene.id, owner_id=scene.owner_id, language=scene.language)
    if job_id is not None:
        await initialisation.wait_until_playable(runtime, job_id)
    async with runtime.db.reader() as session:
        built = await session.scalar(select(StoryNode.id).where(StoryNode.scene_id == scene.id).limit(1))
    if not built:
        raise Conflict("故事正在初始化，请稍后重试", details={"task_id": job_id})


async def _empty_story(runtime: StoryRuntime, scene: Scene) -> None:
    async with runtime.locks.hold(scene.id):
        if await _exists(runtime, scene.id):
            return
        await initialisation.create(runtime, scene.id, scene.language)
        async with runtime.db.writer() as session:
            story = await session.get(Story, scene.id)
            if story is not None and story.init_status == initialisation.PENDING:
                await build_nodes(session, story)
                story.init_status = initialisation.READY
                await session.commit()


async def _exists(runtime: StoryRuntime, scene_id: str) -> bool:
    async with runtime.db.reader() as session:
        return await session.get(Story, scene_id) is not None

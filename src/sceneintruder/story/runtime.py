"""`StoryRuntime`: the shared machinery the story's workflows use, built once at start-up (wiring.py).

Workflows open their own short sessions from `db` (one per step), take the scene's lock from `locks` around
each read-modify-write, and never hold either across a provider call. `initialising` maps a scene to its running
initialisation job, so deleting the scene can cancel it. `views` holds each playable story's StoryData as JSON,
`node_views` each node's, `contexts` the prompt context a choice made for the next one (story.context_cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sceneintruder.core.locks import SceneLocks
from sceneintruder.db.session import Database
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.providers.llm.client import LLMClient
from sceneintruder.realtime.hub import Hub
from sceneintruder.story.context_cache import PromptContextCache
from sceneintruder.story.read_cache import NodeJsonCache, StoryReadCache


@dataclass(frozen=True)
class StoryRuntime:
    db: Database
    llm: LLMClient
    jobs: JobRegistry
    hub: Hub
    locks: SceneLocks
    init_wait_seconds: float  # how long GET /story waits for a story being built
    narrate_ahead: int  # passages ahead of the player the LLM narrates in the background
    views: StoryReadCache  # StoryData as JSON per scene, dropped on every committed story change
    node_views: NodeJsonCache  # each node's JSON (with its choices), dropped when the node or a choice changes
    contexts: PromptContextCache  # the next choice's prompt context, kept by the move that made it
    sole_process: bool  # no other process serves (no distributed bus): this one sees every commit as it happens
    initialising: dict[str, str] = field(default_factory=dict)  # scene id -> running initialisation job id

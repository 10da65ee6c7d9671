"""What the scenes domain announces (through core.events.EventBus)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SceneCreated:
    """A scene from text was stored (not shells): the story initialises itself from its segments."""

    scene_id: str
    owner_id: str
    language: str


@dataclass(frozen=True)
class SceneReanalysed:
    """A scene's analysis was merged with a new one: its characters (same ids) and items changed."""

    scene_id: str
    owner_id: str


@dataclass(frozen=True)
class SceneDeleted:
    scene_id: str
    owner_id: str

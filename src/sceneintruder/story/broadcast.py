"""What the story tells a scene's WebSocket room after each change it committed (the reference told nobody about
HTTP changes, and only the sender about a WebSocket choice, spec B24).

    story:choice_confirmed  {type, scene_id, data: {node_id, choice_id, next_node, user_id}, timestamp}
    story:updated           {type, scene_id, data: {reason, user_id, current_node_id, progress, current_state,
                             node_ids}, timestamp}

`story:updated` is small on purpose: clients that show the story re-read `GET /story`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.realtime.hub import Hub
from sceneintruder.story.models import Story

CHOICE_CONFIRMED = "story:choice_confirmed"
UPDATED = "story:updated"


async def choice_confirmed(
    hub: Hub, scene_id: str, *, node_id: str, choice_id: str, next_node: Mapping[str, Any], user_id: str
) -> None:
    await hub.publish(
        scene_id,
        {
            "type": CHOICE_CONFIRMED,
            "scene_id": scene_id,
            "data": {"node_id": node_id, "choice_id": choice_id, "next_node": next_node, "user_id": user_id},
            "timestamp": rfc3339(utcnow()),
        },
    )


async def updated(
    hub: Hub, story: Story, *, reason: str, user_id: str, current_node_id: str | None, node_ids: list[str]
) -> None:
    await hub.publish(
        story.scene_id,
        {
            "type": UPDATED,
            "scene_id": story.scene_id,
            "data": {
                "reason": reason,
                "user_id": user_id,
                "current_node_id": current_node_id,
                "progress": story.progress,
                "current_state": story.current_state,
                "node_ids": node_ids,
            },
            "timestamp": rfc3339(utcnow()),
        },
    )

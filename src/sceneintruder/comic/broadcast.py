"""What the comic tells a scene's WebSocket room while a job runs, so a second browser sees frames appear:

comic:progress  {type, scene_id, data: {task_id, kind, progress, message, event_type, frame_id?}, timestamp}
"""

from __future__ import annotations

from typing import Any

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.jobs.context import JobContext
from sceneintruder.realtime.hub import Hub

PROGRESS = "comic:progress"


async def report(ctx: JobContext, hub: Hub, percent: float, message: str, **extra: Any) -> None:
    """One progress event of the job (SSE, the job's rows) and the same in the scene's room."""
    await ctx.progress(percent, message, **extra)
    await hub.publish(
        str(ctx.payload["scene_id"]),
        {
            "type": PROGRESS,
            "scene_id": ctx.payload["scene_id"],
            "data": {
                "task_id": ctx.job_id,
                "kind": ctx.kind,
                "progress": round(percent, 2),
                "message": message,
                "event_type": extra.get("event_type", "progress"),
                **({"frame_id": extra["frame_id"]} if "frame_id" in extra else {}),
            },
            "timestamp": rfc3339(utcnow()),
        },
    )

"""Database steps that a cancellation must not cut in half.

A job is cancelled for real (its owner cancels it, its scene is deleted, the server stops): the coroutine gets
CancelledError at its next await. If that await is a SQLite write, the transaction can be left open on a
connection that is then dropped, holding the database's write lock until it is collected; every writer
waits. So the story's background steps run their transactions through `finish_first`: a cancellation then
waits for the step to commit (or roll back) and is raised right after. Model calls stay cancellable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def finish_first(step: Awaitable[T]) -> T:
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            await asyncio.wait({task})
        raise

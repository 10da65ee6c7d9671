"""A tiny demo job kind, driven step by step by the test, and a test-only route that starts it.

Production code registers no demo kind: `demo_app(settings)` wraps the real app's lifespan to register the kinds
below and mounts `POST /api/_demo/jobs`, which starts one with the caller's identity and Idempotency-Key.

A demo job executes commands: the body's `commands` first (its payload, so any worker can run them), then
whatever the test pushes with `DemoScript.push` (same process). Without a final `return` or `raise` it waits for
more, so a test decides exactly when each progress event happens and when the job ends.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from sceneintruder.app import create_app
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.settings import Settings
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.dependencies import JobsDep
from sceneintruder.web.dependencies import IdempotencyKeyDep, PrincipalDep
from sceneintruder.web.envelope import EnvelopeResponse, ok
from tests.support.state import hub_of, jobs_of

DEMO_KINDS = {
    "demo": {},  # the settings' defaults
    "narrow": {"concurrency": 1, "queue_size": 1},  # for the queue tests
    "hasty": {"timeout_seconds": 0.3},  # for the timeout test
}


class DemoCommand(BaseModel):
    op: Literal["progress", "return", "raise", "app_error"]
    percent: float = 0
    message: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None


class DemoStart(BaseModel):
    kind: str = "demo"
    commands: list[DemoCommand] = Field(default_factory=list)


class DemoScript:
    def __init__(self) -> None:
        self.queues: defaultdict[str, asyncio.Queue[DemoCommand]] = defaultdict(asyncio.Queue)
        self.cancelled: set[str] = set()  # jobs whose coroutine received CancelledError
        self.executed: defaultdict[str, list[str]] = defaultdict(list)  # ops each job actually ran

    def push(self, job_id: str, op: str, **fields: Any) -> None:
        self.queues[job_id].put_nowait(DemoCommand(op=op, **fields))

    async def _commands(self, ctx: JobContext) -> AsyncIterator[DemoCommand]:
        for command in ctx.payload.get("commands", []):
            yield DemoCommand.model_validate(command)
        pushed = self.queues[ctx.job_id]
        while True:
            yield await pushed.get()

    async def run(self, ctx: JobContext) -> dict[str, Any] | None:
        try:
            async for command in self._commands(ctx):
                self.executed[ctx.job_id].append(command.op)
                if command.op == "progress":
                    await ctx.progress(command.percent, command.message, **command.extra)
                elif command.op == "return":
                    return command.result
                elif command.op == "app_error":
                    raise BadRequest(command.message)
                else:
                    raise RuntimeError(command.message)
            return None
        except asyncio.CancelledError:
            self.cancelled.add(ctx.job_id)
            raise


def demo_app(settings: Settings) -> tuple[FastAPI, DemoScript]:
    app = create_app(settings)
    script = DemoScript()
    router = APIRouter()

    @router.post("/api/_demo/jobs")
    async def start_demo_job(
        body: DemoStart, principal: PrincipalDep, jobs: JobsDep, key: IdempotencyKeyDep
    ) -> EnvelopeResponse:
        if body.kind not in DEMO_KINDS:
            raise BadRequest("unknown demo kind")
        commands = [command.model_dump() for command in body.commands]
        job = await jobs.start(body.kind, principal.user_id, {"commands": commands}, idempotency_key=key)
        return ok({"task_id": job.id, "status": job.status}, "demo job started")

    app.include_router(router)
    real_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with real_lifespan(application):
            for kind, limits in DEMO_KINDS.items():
                jobs_of(application).register_kind(kind, script.run, **limits)

            async def any_scene(_principal: object, _scene_id: str) -> bool:
                return True

            # The hub tests exercise room mechanics with made-up scene ids; the real check (a scene the caller
            # may see) is tested with real scenes in tests/scenes/test_analyze.py.
            hub_of(application).set_scene_access(any_scene)
            yield

    app.router.lifespan_context = lifespan
    return app, script

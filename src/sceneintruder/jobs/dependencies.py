"""Dependencies for routers that start or read jobs: the registry, and the `Idempotency-Key` header.

A domain router that starts a job takes both:

    async def analyze(body: AnalyzeRequest, principal: PrincipalDep, jobs: JobsDep, key: IdempotencyKeyDep):
        job = await jobs.start("analysis", principal.user_id, run, idempotency_key=key)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from sceneintruder.jobs.registry import JobRegistry


async def get_jobs(request: Request) -> JobRegistry:
    return request.app.state.jobs


async def get_idempotency_key(
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> str | None:
    """The client's key for "start this only once" (visible ASCII, at most 255 characters); else 400."""
    return idempotency_key


JobsDep = Annotated[JobRegistry, Depends(get_jobs)]
IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]

"""The attempts a provider call made before its outcome: each HTTP try that failed and was retried, and each
JSON mode a server refused before one was accepted. `LLMClient` collects them around a call and records each as
a ledger row of its own, so the ledger counts every request the server received (the call's own row is the
outcome). A context variable carries the list, so adapters and the retry loop need no extra parameter."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from sceneintruder.providers.errors import ProviderError

FORMAT_REFUSED_OUTCOME = "format_refused"


@dataclass(frozen=True)
class FailedAttempt:
    outcome: str  # the error's kind (unavailable, rate_limit, timeout, ...) or format_refused
    error_code: str
    latency_ms: float


_collected: ContextVar[list[FailedAttempt] | None] = ContextVar("provider_failed_attempts", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[list[FailedAttempt]]:
    """The failed attempts of the calls made inside the block, in order."""
    failed: list[FailedAttempt] = []
    token = _collected.set(failed)
    try:
        yield failed
    finally:
        _collected.reset(token)


def note(error: ProviderError, started: float, *, outcome: str | None = None) -> None:
    """Record an attempt that failed (and was followed by another), if a call is collecting."""
    failed = _collected.get()
    if failed is not None:
        latency = round((time.perf_counter() - started) * 1000, 3)
        failed.append(FailedAttempt(outcome or error.kind, error.code, latency))

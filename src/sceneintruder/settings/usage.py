"""LLM call accounting: every call LLMClient makes is written to `settings_llm_call`, with a cost estimate
from the optional price table (`config/llm_prices.toml`, USD per million tokens).

`UsageLedger.record` is the `UsageRecorder` LLMClient calls: it queues the row and returns, and one writer
task inserts queued rows in batches, so a completion never waits on a database write (20 concurrent calls
would otherwise queue behind SQLite's single writer). The writer lingers a moment (`linger_seconds`) after
the first row of a batch before it writes: the step that made the call is then usually past its own write
transaction, which the ledger's would otherwise hold up (SQLite's busy wait sleeps 1, 2, 5... ms before it
tries again), and calls close together share one insert. `flush()` writes at once and waits until everything
queued is written; queries for totals call it first, and the lifespan calls `aclose()` (which flushes) at
shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.db.session import Database
from sceneintruder.providers.llm.client import CallRecord
from sceneintruder.settings.models import LLMCall

log = logging.getLogger("sceneintruder.settings.usage")


class PriceTable:
    """(provider, model) -> USD per million (input, output) tokens; a model matches its longest listed prefix."""

    def __init__(self, prices: dict[str, dict[str, tuple[float, float]]] | None = None) -> None:
        self._prices = prices or {}

    @classmethod
    def load(cls, path: Path) -> PriceTable:
        if not path.is_file():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            log.warning("price table %s not read: %s", path, exc)
            return cls()
        prices: dict[str, dict[str, tuple[float, float]]] = {}
        for provider, models in raw.items():
            if not isinstance(models, dict):
                continue
            for model, entry in models.items():
                if isinstance(entry, dict) and {"input", "output"} <= entry.keys():
                    prices.setdefault(provider, {})[model] = (float(entry["input"]), float(entry["output"]))
        return cls(prices)

    def cost(self, provider: str, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        if provider == "builtin":
            return 0.0
        models = self._prices.get(provider, {})
        matches = [name for name in models if model == name or model.startswith(name)]
        if not matches:
            return None
        per_input, per_output = models[max(matches, key=len)]
        return round((prompt_tokens * per_input + completion_tokens * per_output) / 1_000_000, 8)


@dataclass(frozen=True)
class UsageTotals:
    calls: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    estimated_calls: int = 0  # calls whose token counts are estimates (streams whose server sent no usage)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "failed": self.failed,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "estimated_calls": self.estimated_calls,
        }


class UsageLedger:
    def __init__(
        self,
        db: Database,
        prices: PriceTable,
        *,
        batch_size: int = 200,
        queue_size: int = 10_000,
        linger_seconds: float = 0.2,
    ) -> None:
        self._db = db
        self._prices = prices
        self._batch_size = batch_size
        self._linger = linger_seconds
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=queue_size)
        self._now = asyncio.Event()  # a flush is waiting: write without lingering
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="llm-usage-ledger")

    async def record(self, call: CallRecord) -> None:
        row = {
            "created_at": utcnow(),
            "task": call.task[:64],
            "provider": call.provider[:32],
            "model": call.model[:128],
            "outcome": call.outcome[:32],
            "error_code": call.error_code,
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens,
            "latency_ms": call.latency_ms,
            "cost_usd": self._prices.cost(call.provider, call.model, call.prompt_tokens, call.completion_tokens),
            "streamed": call.streamed,
            "tokens_estimated": call.tokens_estimated,
            "user_id": call.user_id,
            "job_id": call.job_id,
        }
        try:
            self._queue.put_nowait(row)
        except asyncio.QueueFull:  # the writer is behind: wait for room rather than lose a row
            await self._queue.put(row)

    async def flush(self) -> None:
        """Wait until every queued row is written (returns at once if the writer is not running)."""
        if self._task is not None and not self._task.done():
            self._now.set()
            await self._queue.join()

    async def aclose(self) -> None:
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _drain(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self._linger > 0 and not self._now.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._now.wait(), self._linger)
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self._db.writer() as session:
                    await session.execute(insert(LLMCall), batch)
                    await session.commit()
            except SQLAlchemyError:
                log.exception("could not record %d LLM calls", len(batch))
            finally:
                if self._queue.empty():
                    self._now.clear()
                for _ in batch:
                    self._queue.task_done()


async def totals(session: AsyncSession, *, user_id: str | None = None, job_id: str | None = None) -> UsageTotals:
    query = select(
        func.count(LLMCall.id),
        func.coalesce(func.sum(case((LLMCall.outcome != "ok", 1), else_=0)), 0),
        func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
        func.coalesce(func.sum(LLMCall.completion_tokens), 0),
        func.coalesce(func.sum(LLMCall.cost_usd), 0.0),
        func.coalesce(func.sum(case((LLMCall.tokens_estimated, 1), else_=0)), 0),
    )
    if user_id is not None:
        query = query.where(LLMCall.user_id == user_id)
    if job_id is not None:
        query = query.where(LLMCall.job_id == job_id)
    calls, failed, prompt, completion, cost, estimated = (await session.execute(query)).one()
    return UsageTotals(int(calls), int(failed), int(prompt), int(completion), float(cost), int(estimated))


async def totals_by_provider(session: AsyncSession) -> dict[str, dict[str, Any]]:
    query = select(
        LLMCall.provider,
        func.count(LLMCall.id),
        func.coalesce(func.sum(case((LLMCall.outcome != "ok", 1), else_=0)), 0),
        func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
        func.coalesce(func.sum(LLMCall.completion_tokens), 0),
        func.coalesce(func.sum(LLMCall.cost_usd), 0.0),
        func.coalesce(func.sum(case((LLMCall.tokens_estimated, 1), else_=0)), 0),
    ).group_by(LLMCall.provider)
    rows = (await session.execute(query)).all()
    return {
        provider: UsageTotals(int(c), int(f), int(p), int(o), float(cost), int(e)).as_dict()
        for provider, c, f, p, o, cost, e in rows
    }

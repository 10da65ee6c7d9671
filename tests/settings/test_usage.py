"""The price table behind the cost estimate, and the ledger's background writer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import event, func, select

from sceneintruder.providers.llm.client import CallRecord
from sceneintruder.settings.models import LLMCall
from sceneintruder.settings.usage import PriceTable, UsageLedger

PROJECT_PRICES = Path(__file__).resolve().parents[2] / "config" / "llm_prices.toml"


def test_longest_prefix_wins_and_unknown_models_have_no_cost(tmp_path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        '[openai."gpt-4.1"]\ninput = 2.0\noutput = 8.0\n[openai."gpt-4.1-mini"]\ninput = 0.4\noutput = 1.6\n'
    )
    table = PriceTable.load(path)
    assert table.cost("openai", "gpt-4.1-2025-04-14", 1_000_000, 500_000) == 6.0
    assert table.cost("openai", "gpt-4.1-mini-2025-04-14", 1_000_000, 0) == 0.4
    assert table.cost("openai", "o3", 10, 10) is None
    assert table.cost("builtin", "builtin", 10, 10) == 0.0


def test_missing_or_broken_files_mean_no_prices(tmp_path) -> None:
    assert PriceTable.load(tmp_path / "absent.toml").cost("openai", "gpt-4.1", 1, 1) is None
    broken = tmp_path / "broken.toml"
    broken.write_text("[openai\n")
    assert PriceTable.load(broken).cost("openai", "gpt-4.1", 1, 1) is None


def test_the_shipped_table_reads() -> None:
    assert PriceTable.load(PROJECT_PRICES).cost("anthropic", "claude-sonnet-4-5", 1_000_000, 0) == 3.0


async def test_calls_close_together_are_one_insert_and_a_flush_writes_at_once(app) -> None:
    """The writer lingers after a batch's first row (so it does not hold up the write of the step that made the
    call) and writes what came meanwhile in one insert; a flush does not wait for the linger."""
    db = app.state.db
    inserts: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO settings_llm_call"):
            inserts.append(statement)

    ledger = UsageLedger(db, PriceTable(), linger_seconds=3600)  # only a flush can end this linger
    ledger.start()
    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for n in range(5):
            await ledger.record(CallRecord(f"task{n}", "openai", "gpt-4.1", "ok", 10, 5, 12.0, None, None))
            await asyncio.sleep(0)
        assert inserts == []  # lingering
        await asyncio.wait_for(ledger.flush(), 30)
        assert len(inserts) == 1
        async with db.reader() as session:
            tasks = set((await session.scalars(select(LLMCall.task).where(LLMCall.task.like("task%")))).all())
        assert tasks == {f"task{n}" for n in range(5)}
        await ledger.record(CallRecord("late", "openai", "gpt-4.1", "ok", 1, 1, 1.0, None, None))
        await asyncio.wait_for(ledger.aclose(), 30)  # shutting down writes what is queued
        async with db.reader() as session:
            assert await session.scalar(select(func.count()).where(LLMCall.task == "late")) == 1
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
        await ledger.aclose()

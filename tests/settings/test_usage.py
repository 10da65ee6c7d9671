"""The price table behind the cost estimate."""

from __future__ import annotations

from pathlib import Path

from sceneintruder.settings.usage import PriceTable

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

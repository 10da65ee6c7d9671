"""The chunk schema is what LLMs return: it must accept partial and slightly wrong output."""

from __future__ import annotations

from sceneintruder.scenes.analysis_schema import ChunkAnalysis


def test_partial_and_loose_llm_output_validates() -> None:
    analysis = ChunkAnalysis.model_validate(
        {
            "characters": [
                "Elizabeth",
                {
                    "name": " Darcy ",
                    "aliases": "Mr. Darcy",
                    "relationships": {"Elizabeth": "admirer"},
                    "mentions": "3",
                    "dialogue_lines": -2,
                    "personality": ["proud", "reserved"],
                    "role": None,
                },
            ],
            "items": {"name": "letter", "importance": "HIGH"},
            "locations": [{"name": "Pemberley", "mentions": 2.0}],
            "themes": "pride",
            "era": None,
            "unexpected": {"ignored": True},
        }
    )
    first, darcy = analysis.characters
    assert first.name == "Elizabeth" and first.aliases == []
    assert darcy.name == "Darcy" and darcy.aliases == ["Mr. Darcy"] and darcy.role == ""
    assert [(r.name, r.relation) for r in darcy.relationships] == [("Elizabeth", "admirer")]
    assert (darcy.mentions, darcy.dialogue_lines, darcy.personality) == (3, 0, "proud, reserved")
    assert analysis.items[0].importance == "critical"
    assert analysis.locations[0].mentions == 2
    assert analysis.themes == ["pride"] and analysis.era == ""


def test_unknown_importance_is_minor_and_empty_input_is_empty() -> None:
    assert ChunkAnalysis.model_validate({"items": [{"name": "x", "importance": "???"}]}).items[0].importance == "minor"
    assert ChunkAnalysis.model_validate({}) == ChunkAnalysis()


def test_the_schema_is_exportable_for_llm_prompts() -> None:
    schema = ChunkAnalysis.model_json_schema()
    assert {"characters", "items", "locations", "era", "atmosphere", "themes", "summary"} <= set(schema["properties"])


def test_absurd_counts_are_capped_to_what_a_column_holds() -> None:
    analysis = ChunkAnalysis.model_validate(
        {"characters": [{"name": "A", "mentions": 1e12}, {"name": "B", "mentions": "inf", "dialogue_lines": "1e400"}]}
    )
    assert [(c.mentions, c.dialogue_lines) for c in analysis.characters] == [(2**31 - 1, 0), (0, 0)]


def test_a_models_over_long_strings_are_cut_to_the_columns_they_end_up_in() -> None:
    """PostgreSQL refuses a value longer than its column (SQLite does not): a small model's rambling era or name
    would fail the whole analysis there."""
    answer = ChunkAnalysis.model_validate(
        {
            "characters": [{"name": "N" * 300, "role": "R" * 500}],
            "items": [{"name": "I" * 300, "location": "L" * 300}],
            "locations": [{"name": "P" * 300}],
            "era": "E" * 300,
            "atmosphere": "A" * 300,
        }
    )
    assert [len(answer.characters[0].name), len(answer.characters[0].role)] == [200, 200]
    assert [len(answer.items[0].name), len(answer.items[0].location), len(answer.locations[0].name)] == [200] * 3
    assert [len(answer.era), len(answer.atmosphere)] == [100, 200]

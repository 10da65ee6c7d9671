"""Merging chunk analyses: one person per character across chunks, relationships keyed by merged keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from sceneintruder.scenes.analysis_schema import ChunkAnalysis, SceneAnalysis
from sceneintruder.scenes.merge import merge_analyses
from sceneintruder.scenes.offline.analysis import analyze_chunk
from sceneintruder.textkit.text import chunk_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEXTS = {
    "en": (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8"),
    "zh": (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8"),
}
MAIN = {
    "en": ("Elizabeth", "Mr. Darcy", "Mr. Bingley", "Mr. Bennet", "Mrs. Bennet", "Jane"),
    "zh": ("黛玉", "宝玉", "贾母", "王夫人", "雨村"),
}


def in_four_chunks(language: str) -> SceneAnalysis:
    text = TEXTS[language]
    chunks = chunk_text(text, max_chars=len(text) // 4 + 200)
    assert len(chunks) == 4
    return merge_analyses([analyze_chunk(c.text) for c in chunks], language=language, title="t")  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_four_chunks_find_the_same_main_characters_as_the_whole(language: str) -> None:
    whole = merge_analyses([analyze_chunk(TEXTS[language])], language=language)  # type: ignore[arg-type]
    merged = in_four_chunks(language)
    for analysis in (whole, merged):
        names = {n for c in analysis.characters[:10] for n in [c.name, *c.aliases]}
        assert set(MAIN[language]) <= names
    assert merged.chunk_count == 4 and merged.title == "t"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_merged_characters_are_deduplicated_with_unique_keys(language: str) -> None:
    merged = in_four_chunks(language)
    keys = [c.key for c in merged.characters]
    assert len(keys) == len(set(keys))
    seen: set[str] = set()
    for character in merged.characters:
        names = {character.name.casefold(), *(a.casefold() for a in character.aliases)}
        assert not names & seen, names & seen
        seen |= names
    weights = [c.mentions + c.dialogue_lines for c in merged.characters]
    assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_merged_relationships_point_at_character_keys(language: str) -> None:
    merged = in_four_chunks(language)
    keys = {c.key for c in merged.characters}
    relations = [(c.key, target) for c in merged.characters for target in c.relationships]
    assert relations
    assert all(target in keys and target != own for own, target in relations)


def test_merge_links_aliases_given_names_and_nicknames_across_chunks() -> None:
    chunks = [
        ChunkAnalysis.model_validate(
            {"characters": [{"name": "Elizabeth Bennet", "mentions": 3, "relationships": {"Darcy": "rival"}}]}
        ),
        ChunkAnalysis.model_validate({"characters": [{"name": "Lizzy", "mentions": 2, "traits": ["lively"]}]}),
        ChunkAnalysis.model_validate({"characters": [{"name": "Mr. Darcy", "mentions": 4}, {"name": "Darcy"}]}),
        ChunkAnalysis.model_validate({"characters": [{"name": "Elizabeth", "relationships": [{"name": "Mr Darcy"}]}]}),
        ChunkAnalysis.model_validate({"characters": [{"name": "Nobody", "relationships": {"Ghost": "friend"}}]}),
    ]
    merged = merge_analyses(chunks, language="en")
    assert [c.name for c in merged.characters] == ["Elizabeth Bennet", "Mr. Darcy", "Nobody"]  # 5, 4, 0 mentions
    elizabeth, darcy, nobody = merged.characters
    assert darcy.key == "mr-darcy" and darcy.mentions == 4 and darcy.aliases == ["Darcy"]
    assert set(elizabeth.aliases) == {"Elizabeth", "Lizzy"} and elizabeth.mentions == 5
    assert elizabeth.traits == ["lively"]
    assert elizabeth.relationships == {"mr-darcy": "rival"}  # the empty relation of chunk 4 carries nothing
    assert nobody.relationships == {}  # "Ghost" is no character of the scene: dropped


def test_merge_links_chinese_given_names_and_votes_scene_fields() -> None:
    chunks = [
        ChunkAnalysis(characters=[{"name": "贾宝玉", "mentions": 2}], era="古代", themes=["家族"], summary="甲。"),
        ChunkAnalysis(characters=[{"name": "宝玉", "mentions": 5, "relationships": {"黛玉": "表妹"}}], era="古代"),
        ChunkAnalysis(
            characters=[{"name": "林黛玉", "aliases": ["黛玉"], "mentions": 4}], era="现代", themes=["家族", "爱情"]
        ),
        ChunkAnalysis(
            locations=[{"name": "荣国府", "mentions": 2}, {"name": "林黛玉"}], items=[{"name": "玉", "mentions": 1}]
        ),
        ChunkAnalysis(items=[{"name": "玉", "mentions": 2, "importance": "critical"}], summary="乙。"),
    ]
    merged = merge_analyses(chunks, language="zh")
    baoyu, daiyu = merged.characters
    assert (baoyu.name, baoyu.aliases, baoyu.mentions) == ("贾宝玉", ["宝玉"], 7)
    assert baoyu.relationships == {daiyu.key: "表妹"}
    assert (merged.era, merged.themes, merged.summary) == ("古代", ["家族", "爱情"], "甲。乙。")
    assert [loc.name for loc in merged.locations] == ["荣国府"]  # a character's name is not a place
    assert [(i.name, i.mentions, i.importance) for i in merged.items] == [("玉", 3, "critical")]


def test_merge_of_nothing_is_an_empty_scene() -> None:
    merged = merge_analyses([], language="en")
    assert merged.characters == [] and merged.summary == "" and merged.chunk_count == 0


def test_long_summaries_are_summarised_within_bounds() -> None:
    merged = in_four_chunks("en")
    assert 0 < len(merged.summary) <= 600

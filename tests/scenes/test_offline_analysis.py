"""The offline analyser on real chapters: it must find who the chapter is about, and nothing silly."""

from __future__ import annotations

from pathlib import Path

import pytest

from sceneintruder.scenes.analysis_schema import CharacterFinding, ChunkAnalysis
from sceneintruder.scenes.offline.analysis import analyze_chunk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENGLISH = (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")
CHINESE = (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def english() -> ChunkAnalysis:
    return analyze_chunk(ENGLISH)


@pytest.fixture(scope="module")
def chinese() -> ChunkAnalysis:
    return analyze_chunk(CHINESE)


def names_of(analysis: ChunkAnalysis, top: int) -> set[str]:
    return {name for c in analysis.characters[:top] for name in [c.name, *c.aliases]}


def by_name(analysis: ChunkAnalysis, name: str) -> CharacterFinding:
    return next(c for c in analysis.characters if name == c.name or name in c.aliases)


def test_english_main_characters_are_the_top_ones(english: ChunkAnalysis) -> None:
    top = names_of(english, 8)
    for expected in ("Elizabeth", "Mr. Darcy", "Mr. Bingley", "Mr. Bennet", "Mrs. Bennet", "Jane"):
        assert expected in top, expected


def test_english_aliases_are_merged(english: ChunkAnalysis) -> None:
    elizabeth = by_name(english, "Elizabeth")
    assert {"Elizabeth Bennet", "Elizabeth", "Lizzy"} <= {elizabeth.name, *elizabeth.aliases}
    assert "Darcy" in by_name(english, "Mr. Darcy").aliases
    assert by_name(english, "Mr. Bennet") is not by_name(english, "Mrs. Bennet")


def test_english_top_characters_hold_no_junk(english: ChunkAnalysis) -> None:
    junk = {"The", "Chapter", "Monday", "Michaelmas", "Oh", "Heaven", "God", "England", "London", "Netherfield"}
    assert not junk & names_of(english, 15)


def test_english_counts_and_dialogue(english: ChunkAnalysis) -> None:
    bennet = by_name(english, "Mr. Bennet")
    assert bennet.mentions >= 10
    assert bennet.dialogue_lines >= 2
    assert bennet.speech_style
    assert bennet.role
    counts = [c.mentions + c.dialogue_lines for c in english.characters]
    assert counts == sorted(counts, reverse=True)


def test_english_places_items_and_scene_fields(english: ChunkAnalysis) -> None:
    places = [loc.name for loc in english.locations]
    assert "Netherfield Park" in places[:3]
    assert {"London", "Longbourn", "Hertfordshire"} <= set(places)
    assert {"hat", "coat", "book"} <= {item.name for item in english.items}
    assert english.era == "19th century"
    assert english.atmosphere
    assert {"marriage", "family"} <= set(english.themes)
    assert 50 < len(english.summary) <= 400


def test_english_relationships_name_other_characters(english: ChunkAnalysis) -> None:
    names = {name for c in english.characters for name in [c.name, *c.aliases]}
    relations = [r for c in english.characters for r in c.relationships]
    assert relations
    assert all(r.name in names and r.relation for r in relations)
    bennets = {r.name: r.relation for r in by_name(english, "Elizabeth").relationships}
    assert all(label for label in bennets.values())


def test_chinese_main_characters_are_the_top_ones(chinese: ChunkAnalysis) -> None:
    top = names_of(chinese, 8)
    for expected in ("黛玉", "宝玉", "贾母", "王夫人", "熙凤", "雨村"):
        assert expected in top, expected


def test_chinese_given_names_are_aliases_of_full_names(chinese: ChunkAnalysis) -> None:
    assert by_name(chinese, "黛玉").name == "林黛玉"
    assert by_name(chinese, "熙凤").name == "王熙凤"
    assert by_name(chinese, "雨村").name == "贾雨村"
    assert by_name(chinese, "如海").name == "林如海"


def test_chinese_top_characters_hold_no_address_terms_or_fragments(chinese: ChunkAnalysis) -> None:
    top = names_of(chinese, 15)
    assert not {"老太太", "老祖宗", "众人", "贾母笑", "黛玉忙", "二人", "杜撰", "石青", "听得"} & top
    assert all(len(name) >= 2 for name in top)


def test_chinese_dialogue_places_items_and_scene_fields(chinese: ChunkAnalysis) -> None:
    assert by_name(chinese, "贾母").dialogue_lines >= 5
    assert by_name(chinese, "黛玉").dialogue_lines >= 5
    places = {loc.name for loc in chinese.locations}
    assert {"荣府", "荣国府", "宁国府"} <= places
    assert not {"雨村", "林如海"} & places
    assert {"茶", "玉", "轿"} <= {item.name for item in chinese.items}
    assert chinese.era == "古代"
    assert chinese.atmosphere
    assert "家族" in chinese.themes
    assert 20 < len(chinese.summary) <= 200


def test_chinese_relationships_use_kinship_and_surnames(chinese: ChunkAnalysis) -> None:
    relations = {(c.name, r.name): r.relation for c in chinese.characters for r in c.relationships}
    assert relations
    names = {c.name for c in chinese.characters}
    assert all(target in names for _, target in relations)


@pytest.mark.parametrize("text", [ENGLISH, CHINESE])
def test_analysis_is_deterministic(text: str) -> None:
    assert analyze_chunk(text).model_dump() == analyze_chunk(text).model_dump()


def test_language_can_be_forced_and_blank_text_gives_an_empty_analysis() -> None:
    assert analyze_chunk("  \n") == ChunkAnalysis()
    assert analyze_chunk(ENGLISH[:3000], language="en").characters


def test_a_tiny_chinese_text_still_finds_speakers() -> None:
    analysis = analyze_chunk("张三笑道：“你来了。”李四道：“来了。”张三又问：“吃了么？”李四答道：“吃了。”")
    assert {"张三", "李四"} <= {c.name for c in analysis.characters}
    assert all(c.dialogue_lines == 2 for c in analysis.characters if c.name in {"张三", "李四"})


def test_a_mood_the_text_denies_does_not_count() -> None:
    """ "She never smiled" is not a cheerful scene; 没有笑 is not 欢快."""
    english = analyze_chunk(
        "Anna did not laugh. Nobody laughed. She never smiled, and she was not cheerful. "
        "The danger was real; she was afraid, and the threat grew.",
        language="en",
    )
    assert english.atmosphere == "tense"
    chinese = analyze_chunk("周明远没有笑。他不笑，也不欢喜。警报响起，众人惊慌，心里害怕，又急又怕。", language="zh")
    assert chinese.atmosphere == "紧张"

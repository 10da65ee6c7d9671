"""Language detection, sentences, segments and chunks: pure functions over plain text."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceneintruder.textkit.text import (
    chunk_text,
    detect_language,
    name_key,
    normalize_name,
    paragraph_spans,
    split_segments,
    split_sentences,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENGLISH = (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")
CHINESE = (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8")

# Text made of the pieces that matter to the splitters: words, CJK, terminal punctuation, quotes, newlines.
_PIECES = [*"ab cd Ef.!?,;\n“”\"'。！？，、…黛玉宝道：", "\n\n", "Mr. ", "。”", "  ", "Bennet "]
prose = st.lists(st.sampled_from(_PIECES), max_size=300).map("".join)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "en"),
        ("   \n", "en"),
        ("It is a truth universally acknowledged.", "en"),
        ("却说雨村忙回头看时，不是别人。", "zh"),
        ("黛玉 and 宝玉 meet", "en"),  # 10 Latin letters vs 4 ideographs
        ("宝玉黛玉 abc", "zh"),  # 3 Latin letters vs 4 ideographs
        ("2024年12345", "zh"),  # digits count against Latin letters
        ("abc12", "en"),
        ("ab123", "zh"),  # exactly: Latin must be MORE than half
    ],
)
def test_detect_language_follows_the_reference_rule(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_fixtures_are_detected_in_their_language() -> None:
    assert detect_language(ENGLISH) == "en"
    assert detect_language(CHINESE) == "zh"


def test_english_sentences_keep_titles_initials_and_decimals_whole() -> None:
    sentences = split_sentences('He paid 3.5 pounds. Mr. J. Smith came! "Really?" she said.')
    assert [s.strip() for s in sentences] == ["He paid 3.5 pounds.", "Mr. J. Smith came!", '"Really?"', "she said."]


def test_chinese_sentences_end_at_terminal_punctuation_with_closing_quotes() -> None:
    text = "黛玉道：“不曾读。”宝玉笑道：“好！”又问：“可有玉没有？”说罢……走了"
    assert split_sentences(text) == ["黛玉道：“不曾读。”", "宝玉笑道：“好！”", "又问：“可有玉没有？”", "说罢……", "走了"]


def test_a_heading_without_punctuation_is_its_own_sentence() -> None:
    assert split_sentences(ENGLISH)[0] == "Chapter 1\n\n\n"


@pytest.mark.parametrize("text", [ENGLISH, CHINESE])
def test_sentences_and_paragraphs_tile_the_fixtures(text: str) -> None:
    assert "".join(split_sentences(text)) == text
    assert "".join(text[a:b] for a, b in paragraph_spans(text)) == text


@pytest.mark.parametrize("text", [ENGLISH, CHINESE])
def test_segments_cover_the_fixtures_in_pieces_of_about_900(text: str) -> None:
    segments = split_segments(text)
    assert "".join(segments) == text
    assert all(len(segment) <= 900 for segment in segments)
    assert all(len(segment) >= 300 for segment in segments[:-1])  # packed, not one per paragraph


def test_segments_end_at_paragraph_or_sentence_boundaries() -> None:
    for segment in split_segments(ENGLISH)[:-1]:
        assert segment.rstrip()[-1] in '.!?"_-:' or segment.endswith("\n\n")
    for segment in split_segments(CHINESE)[:-1]:
        assert segment.rstrip()[-1] in "。！？”"


def test_a_long_sentence_is_cut_at_clauses_then_spaces() -> None:
    sentence = "，".join(["一二三四五六七八九十"] * 30) + "。"
    pieces = split_segments(sentence, target_chars=100)
    assert "".join(pieces) == sentence
    assert all(len(piece) <= 100 for piece in pieces)
    assert all(piece.endswith(("，", "。")) for piece in pieces)


def test_blank_text_has_no_segments_or_chunks() -> None:
    assert split_segments("") == []
    assert split_segments(" \n\n ") == []
    assert chunk_text("\n", max_chars=10) == []


def test_chunk_arguments_are_validated() -> None:
    with pytest.raises(ValueError):
        chunk_text("abc", max_chars=0)
    with pytest.raises(ValueError):
        chunk_text("abc", max_chars=10, overlap_chars=10)


@settings(max_examples=300, deadline=None)
@given(text=prose, target=st.integers(min_value=1, max_value=200))
def test_segments_always_cover_the_text_exactly(text: str, target: int) -> None:
    segments = split_segments(text, target_chars=target)
    if not text.strip():
        assert segments == []
        return
    assert "".join(segments) == text
    assert all(segment and len(segment) <= target for segment in segments)


@settings(max_examples=300, deadline=None)
@given(text=prose, max_chars=st.integers(min_value=2, max_value=200), data=st.data())
def test_chunks_cover_the_text_with_and_without_overlap(text: str, max_chars: int, data: st.DataObject) -> None:
    overlap = data.draw(st.integers(min_value=0, max_value=max_chars - 1))
    chunks = chunk_text(text, max_chars=max_chars, overlap_chars=overlap)
    if not text.strip():
        assert chunks == []
        return
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk, following in itertools.pairwise(chunks):
        assert following.start <= chunk.end  # no gap
        assert following.start > chunk.start  # progress
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert len(chunk.text) <= max_chars
    if overlap == 0:
        assert "".join(c.text for c in chunks) == text


def test_overlapping_chunks_start_at_a_sentence_or_at_least_a_word() -> None:
    chunks = chunk_text(ENGLISH, max_chars=3000, overlap_chars=400)
    assert len(chunks) > 3
    sentence_starts = set(itertools.accumulate(len(s) for s in split_sentences(ENGLISH)))
    at_sentence = 0
    for previous, chunk in itertools.pairwise(chunks):
        assert chunk.start < previous.end  # they do overlap
        assert ENGLISH[chunk.start - 1].isspace()
        at_sentence += chunk.start in sentence_starts
    assert at_sentence >= len(chunks) - 2  # a window inside one 400+ character sentence has no boundary


@pytest.mark.parametrize(
    ("raw", "display", "key"),
    [
        ("  Mr.  Bennet ", "Mr. Bennet", "mr bennet"),
        ("“Elizabeth”", "Elizabeth", "elizabeth"),
        ("Bingley's", "Bingley", "bingley"),
        ("Ｄａｒｃｙ", "Darcy", "darcy"),
        ("「宝玉」", "宝玉", "宝玉"),
        ("约翰・史密斯", "约翰·史密斯", "约翰·史密斯"),
        ("MR BENNET", "MR BENNET", "mr bennet"),
    ],
)
def test_names_are_normalised_for_display_and_comparison(raw: str, display: str, key: str) -> None:
    assert normalize_name(raw) == display
    assert name_key(raw) == key

"""The comic's pure parts: lettering's line breaking, page layouts, style application, element ids."""

from __future__ import annotations

import pytest

from sceneintruder.comic.image_prompts import apply_style
from sceneintruder.comic.key_elements import with_ids
from sceneintruder.comic.llm_schemas import StoryboardAnswer
from sceneintruder.comic.pages import LAYOUTS, plan
from sceneintruder.comic.panels import chosen_references, negative_for
from sceneintruder.providers.image.fonts import find_fonts
from sceneintruder.providers.image.lettering import NO_LINE_END, NO_LINE_START, wrap


def test_cjk_lines_never_start_with_a_closing_mark_nor_end_with_an_opening_one() -> None:
    font = find_fonts().for_text("中文", 24)
    text = "“你怎么又哭了？”他问道，「不要难过」。宝玉远远看见，也跟着哭了起来。" * 3
    for width in range(90, 400, 7):
        lines = wrap(text, font, width)
        assert "".join(lines) == text
        assert all(line[0] not in NO_LINE_START for line in lines[1:])
        assert all(line[-1] not in NO_LINE_END for line in lines)


def test_latin_lines_break_between_words_and_fit() -> None:
    font = find_fonts().for_text("Latin", 20)
    text = "It is a truth universally acknowledged, that a single man in possession of a good fortune"
    lines = wrap(text, font, 200)
    assert " ".join(lines) == text and len(lines) > 2
    assert all(font.getlength(line) <= 200 for line in lines)


def test_four_layouts_chosen_by_count_and_shot() -> None:
    assert plan(["medium"]) == [("splash", 1)]
    assert plan(["medium", "close-up"]) == [("stack", 2)]
    assert plan(["wide", "medium", "medium", "medium"]) == [("wide_over_two", 3), ("splash", 1)]
    assert plan(["medium"] * 4) == [("grid", 4)]
    used = {layout for layout, _ in plan(["wide", *["medium"] * 8, "close-up"])}
    assert used <= set(LAYOUTS) and len(LAYOUTS) == 4
    assert sum(count for _, count in plan(["medium"] * 12)) == 12


def test_style_is_applied_once_and_comic_bias_dropped() -> None:
    assert apply_style("comic style, a girl in a garden", "watercolor") == "watercolor style, a girl in a garden"
    assert apply_style("watercolor of a girl", "watercolor") == "watercolor of a girl"
    assert apply_style("a girl", "") == "a girl"
    negative = negative_for("", "noir")
    assert negative.startswith("blurry, watermark, text, logo") and "speech bubble" in negative
    assert "speech bubble" not in negative_for("", "comic")


def test_element_ids_are_prefixed_safe_and_unique() -> None:
    ids = [e["id"] for e in with_ids("characters", [{"name": "Mr. Darcy"}, {"name": "Mr Darcy"}, {"name": "林黛玉"}])]
    assert ids[0] == ids[1].removesuffix("_2") == "char_mr_darcy" and ids[1] == "char_mr_darcy_2"
    assert ids[2].startswith("char_") and all(c.isascii() for c in ids[2])


def test_references_follow_the_elements_a_frame_names_by_whole_word() -> None:
    elements = {"characters": [{"id": "char_ann", "name": "Ann"}], "objects": [{"id": "obj_cup", "name": "cup"}]}
    assert chosen_references("Ann lifts the cup", elements, ["char_ann", "obj_cup"]) == ["char_ann", "obj_cup"]
    assert chosen_references("Annabel at the cupboard", elements, ["char_ann", "obj_cup"]) == []


@pytest.mark.parametrize(
    ("written", "kept"), [("zh", "zh"), ("EN", "en"), ("zh_CN", "zh-cn"), ("A plain answer, number 5.", ""), (7, "")]
)
def test_a_storyboards_language_is_a_code_or_nothing(written: object, kept: str) -> None:
    assert StoryboardAnswer.model_validate({"language": written, "frames": []}).language == kept

"""The offline story skills on real chapters: drawn from the source passages and the scene's characters, in
the scene's language, bounded, deterministic, and adding tasks, places and objects only when they arise."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sceneintruder.story.llm_schemas import CommandReply, ExploreResult, NextNode, SegmentNarration
from sceneintruder.story.offline.passages import read_passage
from sceneintruder.story.offline.skills import (
    SKILLS,
    story_advance,
    story_command,
    story_explore,
    story_next_node,
    story_segment,
)
from sceneintruder.textkit.text import detect_language
from tests.support.novels import novel

STOCK_GENRE = re.compile(r"阵线|突围|佯攻|battle|troops|regiment|enemy lines", re.IGNORECASE)


def segment_inputs(language: str, index: int) -> dict[str, Any]:
    return novel(language).segment_inputs(index)  # type: ignore[arg-type]


def next_inputs(language: str, index: int, choice: dict[str, str], **extra: Any) -> dict[str, Any]:
    book = novel(language)  # type: ignore[arg-type]
    current = story_segment(segment_inputs(language, index))
    return {
        "language": language,
        "scene": book.scene(),
        "characters": book.cast(),
        "recent": [current.content],
        "choice": choice,
        "next_passage": book.segments[index + 1] if index + 1 < len(book.segments) else None,
        "creativity": "BALANCED",
        "allow_plot_twists": True,
        **extra,
    }


def shows_from(content: str, passage: str, language: str, characters: list[dict[str, Any]]) -> bool:
    """Whether the content carries a key sentence or quoted line of the passage (its opening stretch)."""
    facts = read_passage(passage, characters, language)  # type: ignore[arg-type]
    pieces = [*facts.narration, *(words for _, words in facts.quotes)]
    # From the second character on: a retelling may lower-case the first one ("You learn that it is...").
    return any(piece[1:13] in content for piece in pieces if len(piece) >= 8)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_segments_retell_their_passage_with_grounded_choices(language: str) -> None:
    book = novel(language)  # type: ignore[arg-type]
    for index, passage in enumerate(book.segments):
        result = story_segment(segment_inputs(language, index))
        assert detect_language(result.content) == language
        assert result.content != passage
        if len(passage) > 300:  # a condensed retelling, not a copy (a very short passage is told nearly whole)
            assert len(result.content) < len(passage) * 0.9
        assert not STOCK_GENRE.search(result.content)
        assert 2 <= len(result.choices) <= 3
        facts = read_passage(passage, book.cast(), language)  # type: ignore[arg-type]
        grounded = [m.called for m in facts.cast] + list(facts.places) + list(facts.items)
        if grounded:
            assert any(any(g in c.text for g in grounded) for c in result.choices), (index, result.choices)
        if facts.cast:
            assert facts.cast[0].called in result.content or facts.cast[0].name in result.content
        if len(passage) > 300:
            assert shows_from(result.content, passage, language, book.cast()), index
    first = story_segment(segment_inputs(language, 0))
    assert first.type == "main" and first == story_segment(segment_inputs(language, 0))
    assert SegmentNarration.model_validate_json(first.model_dump_json()) == first


def test_a_segment_is_second_person_narration() -> None:
    content = story_segment(segment_inputs("en", 5)).content
    assert re.search(r"\bYou\b", content)
    assert "你" in story_segment(segment_inputs("zh", 2)).content


@pytest.mark.parametrize("language", ["en", "zh"])
def test_next_node_follows_the_choice_into_the_next_passage(language: str) -> None:
    book = novel(language)  # type: ignore[arg-type]
    for index in (0, 4, 9):
        choice = story_segment(segment_inputs(language, index)).choices[0].model_dump()
        result = story_next_node(next_inputs(language, index, choice))
        assert detect_language(result.content) == language
        assert shows_from(result.content, book.segments[index + 1], language, book.cast())
        assert 2 <= len(result.choices) <= 3
        assert result.type in ("event", "choice", "interaction")
        assert NextNode.model_validate_json(result.model_dump_json()) == result


def test_next_node_reacts_to_a_social_choice_and_says_what_the_player_did() -> None:
    choice = {"text": "Speak with Mrs. Bennet", "consequence": "", "next_node_hint": ""}
    result = story_next_node(next_inputs("en", 3, choice))
    assert result.type == "interaction"
    assert result.content.startswith("You speak with Mrs. Bennet.")
    zh = story_next_node(next_inputs("zh", 2, {"text": "与贾母攀谈"}))
    assert zh.content.startswith("你与贾母攀谈。") and zh.type == "interaction"


def test_tasks_places_and_objects_arise_only_sometimes() -> None:
    counts = {"task": 0, "location": 0, "item": 0}
    total = 0
    for language in ("en", "zh"):
        book = novel(language)  # type: ignore[arg-type]
        for index in range(len(book.segments) - 1):
            for choice in story_segment(segment_inputs(language, index)).choices:
                result = story_next_node(next_inputs(language, index, choice.model_dump()))
                total += 1
                counts["task"] += result.new_task is not None
                counts["location"] += result.new_location is not None
                counts["item"] += result.new_item is not None
                passage = book.segments[index + 1]
                if result.new_location:
                    assert result.new_location.name in passage
                if result.new_task:
                    assert result.new_task.title and len(result.new_task.objectives) >= 2
                    assert result.new_task.description[:20] in " ".join(passage.split())
                if result.new_item:
                    assert result.new_item.name in choice.text
    for kind, count in counts.items():
        assert 0 < count < total / 3, (kind, count, total)


def test_known_names_and_recent_text_are_not_offered_again() -> None:
    choice = {"text": "Go on", "consequence": ""}
    fresh = story_next_node(next_inputs("en", 12, choice))
    assert fresh.new_location is not None
    known = story_next_node(next_inputs("en", 12, choice, known_locations=[fresh.new_location.name]))
    assert known.new_location is None or known.new_location.name != fresh.new_location.name
    seen = next_inputs("en", 12, choice)
    seen["recent"].append(f"We talked of {fresh.new_location.name}.")
    assert story_next_node(seen).new_location != fresh.new_location


def test_creativity_and_twists() -> None:
    choice = {"text": "Watch Mr. Bingley closely", "consequence": "You may learn something."}
    strict = story_next_node(next_inputs("en", 12, choice, creativity="STRICT"))
    expansive = story_next_node(next_inputs("en", 12, choice, creativity="EXPANSIVE"))
    assert "looks up" not in strict.content and "pauses" not in strict.content and "listens" not in strict.content
    assert len(expansive.content) > len(strict.content)
    twisted = sum(
        "does not" in story_next_node(next_inputs("en", i, {"text": "Wait"}, allow_plot_twists=True)).content
        for i in range(10)
    )
    untwisted = sum(
        "does not quite fit" in story_next_node(next_inputs("en", i, {"text": "Wait"}, allow_plot_twists=False)).content
        for i in range(10)
    )
    assert untwisted == 0 and twisted < 10


def test_next_node_at_the_end_of_the_book() -> None:
    book = novel("zh")
    last = len(book.segments) - 1
    result = story_next_node(next_inputs("zh", last, {"text": "静观其变"}))
    assert result.type == "choice" and detect_language(result.content) == "zh"
    assert result.new_task is None and result.new_location is None and result.new_item is None


@pytest.mark.parametrize(("language", "limit"), [("en", 300), ("zh", 400)])
def test_advance_is_bounded_and_in_language(language: str, limit: int) -> None:
    book = novel(language)  # type: ignore[arg-type]
    for index, passage in enumerate(book.segments):
        text = story_advance({"language": language, "characters": book.cast(), "recent": [], "passage": passage})
        assert detect_language(text) == language
        assert (len(text.split()) if language == "en" else len(text)) <= limit
        assert text != passage and not STOCK_GENRE.search(text)
        if len(passage) > 300:
            assert shows_from(text, passage, language, book.cast()), index


def test_advance_does_not_repeat_what_the_player_was_shown() -> None:
    book = novel("en")
    passage = book.segments[14]
    first = story_advance({"language": "en", "characters": book.cast(), "recent": [], "passage": passage})
    again = story_advance({"language": "en", "characters": book.cast(), "recent": [first], "passage": passage})
    shown = read_passage(passage, book.cast(), "en").narration[0]
    assert shown[10:40] in first and shown[10:40] not in again


def command(language: str, mode: str, order: str, names: tuple[str, ...], **extra: Any) -> CommandReply:
    book = novel(language)  # type: ignore[arg-type]
    selected = [book.profile(name) for name in names]
    return story_command(
        {
            "language": language,
            "mode": mode,
            "input": order,
            "scene": book.scene(),
            "current": {"content": "", "original_content": book.segments[17 if language == "en" else 3]},
            "characters": selected,
            "item_hints": [],
            "skill_hints": [],
            "locations": [],
            **extra,
        }
    )


def test_command_modes_answer_differently() -> None:
    cast = ("Mr. Darcy", "Mr. Bingley")
    replies = {
        mode: command("en", mode, "ask everyone about the ball", cast)
        for mode in ("story", "character", "group", "skill")
    }
    assert len({reply.reply for reply in replies.values()}) == 4
    assert replies["story"].reply.startswith("You ")
    character = replies["character"].reply
    assert re.search(r"\b(?:I|me|my)\b", character) and not character.startswith("You ")
    assert "Mr. Darcy" in replies["group"].reply and "Mr. Bingley" in replies["group"].reply
    assert "skill" in replies["skill"].reply
    for reply in replies.values():
        assert 1 <= len(reply.choices) <= 4
        assert all(0 < c.impact <= 1 and c.text and c.type for c in reply.choices)
        assert CommandReply.model_validate_json(reply.model_dump_json()) == reply


def test_character_mode_speaks_as_the_first_selected_character() -> None:
    as_darcy = command("en", "character", "What do you think of the assembly?", ("Mr. Darcy", "Mr. Bingley")).reply
    as_bingley = command("en", "character", "What do you think of the assembly?", ("Mr. Bingley", "Mr. Darcy")).reply
    assert as_darcy != as_bingley
    zh = command("zh", "character", "你觉得林妹妹如何？", ("贾母", "王熙凤"))
    assert "我" in zh.reply and detect_language(zh.reply) == "zh"
    assert any("贾母" in choice.text for choice in zh.choices)


def test_command_uses_hints_and_locations() -> None:
    locations = [{"name": "Netherfield Park", "accessible": True}, {"name": "Longbourn", "accessible": False}]
    story = command("en", "story", "walk to Longbourn", ("Mr. Bingley",), locations=locations, item_hints=["fan"])
    assert "Longbourn is closed" in story.reply and "the fan" in story.reply
    assert any(c.type == "explore" and "Netherfield Park" in c.text for c in story.choices)
    skill = command("zh", "skill", "对贾母察言观色", ("贾母",), skill_hints=["察言观色"])
    assert "察言观色" in skill.reply and "贾母" in skill.reply
    assert skill.choices[0].type == "skill"
    assert command("en", "skill", "try something", ()).reply.startswith("You name no particular skill")


def test_command_falls_back_to_narration_without_characters() -> None:
    reply = command("zh", "character", "我四处看看", ())
    assert reply.reply.startswith("你没有指定角色") and detect_language(reply.reply) == "zh"
    assert (
        command("en", "weird", "look around", ("Mr. Bingley",)).reply
        == command("en", "story", "look around", ("Mr. Bingley",)).reply
    )


def explore(language: str, description: str, current: str, items: list[str] | None = None) -> ExploreResult:
    book = novel(language)  # type: ignore[arg-type]
    return story_explore(
        {
            "language": language,
            "scene": book.scene(),
            "location": {"name": "荣国府" if language == "zh" else "Netherfield Park", "description": description},
            "current": {"content": current},
            "characters": book.cast(),
            "items": items or [],
        }
    )


def test_explore_only_finds_objects_named_there_and_not_held() -> None:
    found_any = 0
    for language in ("en", "zh"):
        book = novel(language)  # type: ignore[arg-type]
        for passage in book.segments:
            result = explore(language, "", passage)
            assert detect_language(result.description) == language
            if result.found_item:
                found_any += 1
                assert result.found_item.name in passage
                held = explore(language, "", passage, items=[result.found_item.name])
                assert held.found_item is None or held.found_item.name != result.found_item.name
    assert found_any > 0
    assert explore("en", "An empty lawn.", "Nothing happens here at all.").found_item is None


def test_explore_events() -> None:
    encounter = explore("en", "Mr. Bingley often walks here.", "")
    assert encounter.story_event is not None and encounter.story_event.type == "encounter"
    assert "Mr. Bingley" in encounter.story_event.content and len(encounter.story_event.choices) == 2
    revelation = explore("en", "An old house with a secret cellar.", "")
    assert revelation.story_event is not None and revelation.story_event.type == "revelation"
    quiet = explore("zh", "一处安静的院落。", "")
    assert quiet.story_event is None and detect_language(quiet.description) == "zh"
    clue = explore("zh", "", "黛玉进了荣国府，只见处处齐整。")
    assert clue.new_clue is not None and "荣国府" in clue.new_clue


def test_skills_registry_and_empty_inputs() -> None:
    assert set(SKILLS) == {"story_segment", "story_next_node", "story_advance", "story_command", "story_explore"}
    assert SKILLS["story_segment"]({}).choices
    assert len(SKILLS["story_next_node"]({}).choices) == 2  # no next passage: the ending's two choices
    assert isinstance(SKILLS["story_advance"]({}), str)
    assert SKILLS["story_command"]({}).reply
    assert SKILLS["story_explore"]({}).description


def test_a_first_person_choice_is_retold_once_in_the_second_person() -> None:
    followed = story_next_node({"language": "en", "choice": {"text": "I open the door"}, "next_passage": None})
    assert followed.content.startswith("You open the door.")
    assert story_next_node({"language": "en", "choice": {"text": "I am leaving"}}).content.startswith(
        "You are leaving."
    )
    assert story_command({"language": "en", "mode": "story", "input": "I look around"}).reply.startswith(
        "You look around."
    )

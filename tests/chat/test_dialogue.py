"""The offline character dialogue: only the given characters, the requested number of lines, sensible turns,
on topic, each in its own voice."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from sceneintruder.chat.llm_schemas import DialogueResult, attribute_dialogue
from sceneintruder.chat.offline.skills import SKILLS
from sceneintruder.textkit.personas import Persona
from sceneintruder.textkit.text import detect_language
from tests.support.novels import novel

dialogue = SKILLS["character_dialogue"]


def inputs(language: str, count: int, turns: Any, topic: str, **extra: Any) -> dict[str, Any]:
    book = novel(language)  # type: ignore[arg-type]
    return {
        "language": language,
        "scene": book.scene(),
        "characters": book.profiles(count),
        "topic": topic,
        "turns": turns,
        **extra,
    }


@pytest.mark.parametrize(("language", "topic"), [("en", "the new tenant of Netherfield"), ("zh", "宝玉的玉")])
@pytest.mark.parametrize("turns", [1, 2, 5, 8])
def test_two_characters_alternate_for_exactly_the_requested_turns(language: str, topic: str, turns: int) -> None:
    request = inputs(language, 2, turns, topic)
    result = dialogue(request)
    ids = [line.character_id for line in result.dialogues]
    assert len(ids) == turns
    assert set(ids) <= {c["id"] for c in request["characters"]}
    assert all(a != b for a, b in itertools.pairwise(ids))
    names = {c["id"]: c["name"] for c in request["characters"]}
    for line in result.dialogues:
        assert line.character_name == names[line.character_id]
        assert detect_language(line.message) == language
        assert line.emotion and line.action
    assert topic in result.dialogues[0].message


def test_three_or_more_characters_all_speak_and_never_twice_in_a_row() -> None:
    for count in (3, 5):
        request = inputs("en", count, 9, "the ball at Meryton")
        ids = [line.character_id for line in dialogue(request).dialogues]
        assert len(ids) == 9
        assert ids[:count] == [c["id"] for c in request["characters"]]  # everyone once, in the given order
        assert all(a != b for a, b in itertools.pairwise(ids))
        assert max(ids.count(i) for i in set(ids)) - min(ids.count(i) for i in set(ids)) <= 1


def test_stays_on_topic_and_answers_the_previous_speaker() -> None:
    request = inputs("en", 3, 6, "the ball at Meryton")
    lines = dialogue(request).dialogues
    called = {c["id"]: Persona.from_mapping(c, "en").called for c in request["characters"]}
    on_topic = sum("the ball at Meryton" in line.message or "the matter" in line.message for line in lines)
    assert on_topic >= 3
    for previous, line in itertools.pairwise(lines):
        assert called[previous.character_id] in line.message or called[previous.character_id] in line.action


def test_each_character_speaks_in_its_own_voice() -> None:
    book = novel("en")
    cheerful = {**book.profiles(1)[0], "id": "a", "personality": "lively, cheerful", "speech_style": "colloquial"}
    proud = {**book.profiles(2)[1], "id": "b", "personality": "proud, haughty", "speech_style": "formal"}
    result = dialogue({"language": "en", "characters": [cheerful, proud], "topic": "the assembly", "turns": 6})
    by_speaker = {line.character_id: [] for line in result.dialogues}
    for line in result.dialogues:
        by_speaker[line.character_id].append(line)
    assert {line.emotion for line in by_speaker["b"]} <= {"neutral", "contempt"}
    assert not any("'" in line.message.replace("’", "'") for line in by_speaker["b"])


def test_only_given_ids_even_with_odd_inputs() -> None:
    book = novel("zh")
    characters = [*book.profiles(2), {"name": "无名氏"}, {**book.profiles(1)[0]}]  # no id; a duplicate
    result = dialogue({"characters": characters, "topic": "宝玉摔玉", "turns": "4"})
    assert {line.character_id for line in result.dialogues} == {"char_0", "char_1"}
    assert len(result.dialogues) == 4
    assert all(detect_language(line.message) == "zh" for line in result.dialogues)


@pytest.mark.parametrize(("turns", "expected"), [(None, 3), (0, 3), (-2, 3), ("x", 3), (50, 12)])
def test_turns_default_and_bound(turns: Any, expected: int) -> None:
    assert len(dialogue(inputs("en", 2, turns, "the ball")).dialogues) == expected


def test_one_character_and_no_topic() -> None:
    alone = dialogue(inputs("en", 1, 2, ""))
    assert len(alone.dialogues) == 2 and {line.character_id for line in alone.dialogues} == {"char_0"}
    situation = dialogue(inputs("en", 2, 2, "", initial_situation="A letter arrives at breakfast"))
    assert "A letter arrives at breakfast" in situation.dialogues[0].message


def test_deterministic_and_valid_as_json() -> None:
    request = inputs("zh", 3, 5, "黛玉进府")
    first, second = dialogue(request), dialogue(request)
    assert first == second
    assert DialogueResult.model_validate_json(first.model_dump_json()) == first
    assert attribute_dialogue(first.dialogues, request["characters"]) == first.dialogues
    assert dialogue(inputs("zh", 3, 5, "宝玉摔玉")) != first

"""The shared character voice: temperament, register, first person, recall, topics, clipping."""

from __future__ import annotations

import pytest

from sceneintruder.textkit import personas
from sceneintruder.textkit.text import detect_language


def persona(language: str = "en", **fields: object) -> personas.Persona:
    return personas.Persona.from_mapping({"id": "c1", "name": "Anne Elliot", **fields}, language)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "samples", "expected"),
    [
        ("zh-CN", (), "zh"),
        ("Chinese", (), "zh"),
        ("en_US", (), "en"),
        (None, ("林黛玉进京",), "zh"),
        ("", ("Hello",), "en"),
    ],
)
def test_resolve_language(value: object, samples: tuple[str, ...], expected: str) -> None:
    assert personas.resolve_language(value, *samples) == expected


def test_temperament_comes_from_personality_and_traits() -> None:
    assert persona(personality="lively, cheerful").temperament == "cheerful"
    assert persona(traits=["proud", "haughty", "kind"]).temperament == "proud"
    assert persona(personality="sarcastic").temperament == "witty"
    assert persona().temperament == "steady"
    assert persona("zh", name="某人", personality="忧郁、多愁").temperament == "melancholy"
    assert persona("zh", name="某人", traits="泼辣，刚强").temperament == "fierce"


def test_speech_style_flags_read_free_text_and_the_analysers_format() -> None:
    assert persona(speech_style="3 quoted lines; long sentences; often exclamatory; formal").style == {
        "verbose",
        "exclamatory",
        "formal",
    }
    assert "colloquial" in persona(speech_style="Casual, full of slang").style
    assert persona("zh", name="某人", speech_style="对白5句，语句简短，口吻口语化").style == {"terse", "colloquial"}


def test_formal_and_colloquial_registers_differ() -> None:
    formal = personas.apply_style("I'm sure it's fine. I don't mind.", persona(speech_style="formal"), 1)
    casual = personas.apply_style("I am sure it is fine. I do not mind.", persona(speech_style="colloquial"), 1)
    assert "'" not in formal and "do not" in formal
    assert any(marker in formal for marker in ("Indeed", "assure", "Upon my word", "must say"))
    assert "I'm" in casual and "don't" in casual
    zh = personas.apply_style("你来了。我很高兴。", persona("zh", name="某人", speech_style="措辞文雅谦敬"), 1)
    assert "您" in zh


def test_exclamation_never_breaks_an_abbreviation() -> None:
    text = personas.apply_style("I am Mr. Bingley. Welcome.", persona(speech_style="often exclamatory"), 3)
    assert "Mr. Bingley" in text and "!" in text


def test_first_person_rewrites_narration_but_not_quotations() -> None:
    anne = persona(aliases=["Anne"])
    assert personas.first_person("Anne knew that the letter was lost.", anne) == "I knew that the letter was lost."
    assert personas.first_person("He gave Anne's letter to Anne.", anne) == "He gave my letter to me."
    quoted = '"My dear Anne," said her father.'
    assert personas.first_person(quoted, anne) == quoted
    daiyu = personas.Persona.from_mapping({"name": "林黛玉", "aliases": ["黛玉"]}, "zh")
    assert personas.first_person("黛玉便知是他外祖母。", daiyu) == "我便知是他外祖母。"


def test_recall_finds_the_fact_that_bears_on_the_question() -> None:
    anne = persona(knowledge=["Captain Wentworth is back in Bath.", "The Musgroves live at Uppercross."])
    assert "Uppercross" in (personas.recall(anne, "Who lives at Uppercross?") or "")
    assert personas.recall(anne, "What is the weather like?") is None
    assert "Kellynch" in (personas.recall(anne, "Kellynch?", extra=["Kellynch Hall is let."]) or "")


def test_key_phrase() -> None:
    assert personas.key_phrase("What do you know about Netherfield Park?", "en") == ("Netherfield Park", True)
    assert personas.key_phrase("I went to the ball last night.", "en") == ("the ball", True)
    assert personas.key_phrase("My sister is ill.", "en") == ("your sister", True)
    assert personas.key_phrase("What do you think of Jane?", "en", ["Jane"]) == ("Jane", True)
    assert personas.key_phrase("说说你的外祖母。", "zh").text == "我的外祖母"
    assert personas.key_phrase("今天天气真好，我们出去走走吧。", "zh").strong is False


def test_clip_cuts_at_boundaries_and_closes_quotes() -> None:
    long = "The first sentence is here. The second one is considerably longer and keeps going on and on."
    assert personas.clip(long, 40, "en") == "The first sentence is here."
    assert personas.clip("He said “come with me and see", 100, "en").endswith("”")
    assert personas.clip("Standing near eno…", 100, "en").endswith("near…")
    assert detect_language(personas.clip("黛玉道：“不曾读，只上了一年学。”", 10, "zh")) == "zh"


def test_stable_seed_and_pick_are_deterministic() -> None:
    assert personas.stable_seed("a", 1, ["x"]) == personas.stable_seed("a", 1, ["x"])
    assert personas.stable_seed("a", 1) != personas.stable_seed("a", 2)
    options = ("one", "two", "three")
    assert personas.pick(options, 42, "slot") == personas.pick(options, 42, "slot")
    assert {personas.pick(options, seed, "slot") for seed in range(30)} == set(options)

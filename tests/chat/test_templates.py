"""Every wording template of the offline skills, rendered with English and Chinese names, reads as a sentence;
and offline replies to many questions, from characters with plain, titled and "the X" names, have no grammar
breaks ("when the me heard this", "He danced with I", a doubled article, an unfilled slot)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest

from sceneintruder.chat.offline import dialogue, phrases
from sceneintruder.chat.offline.skills import chat_reply
from sceneintruder.story.offline import phrases as story_phrases
from sceneintruder.textkit import _personas_words, personas
from sceneintruder.textkit.retrieval import PassageIndex
from tests.eval.scoring import analyse, load_cases

MODULES = (phrases, dialogue, _personas_words, story_phrases)
SAMPLES = {
    "en": [
        {
            "name": "Elizabeth Bennet", "topic": "the ball", "other": "Mr. Darcy", "place": "Netherfield Park",
            "fact": "I danced with Mr. Bingley twice.", "trait": "proud", "role": ", the heroine", "next": "Jane",
            "prev": "Mr. Darcy", "target": "Jane", "a": "Mr. Darcy", "b": "Jane", "names": "Jane and Mr. Darcy",
            "p": "the garden", "i": "the brass key", "s": "the door was locked.", "x": "open the door",
            "skill": "patience", "goal": "find the key",
        },
        {
            "name": "the Mouse", "topic": "your sister", "other": "the Duchess", "place": "the pool of tears",
            "fact": "I swam across the pool.", "trait": "timid", "role": "", "next": "the Dodo", "prev": "Alice",
            "target": "the Lory", "a": "Alice", "b": "the Dodo", "names": "Alice, the Dodo and the Lory",
            "p": "the pool", "i": "a thimble", "s": "the Mouse swam away.", "x": "look around",
            "skill": "courage", "goal": "get dry",
        },
    ],
    "zh": [
        {
            "name": "林黛玉", "topic": "那场诗会", "other": "王熙凤", "place": "荣国府", "fact": "我在荣国府见过宝玉。",
            "trait": "聪明", "role": "，本书主角", "next": "宝玉", "prev": "王熙凤", "target": "宝玉", "a": "贾母",
            "b": "宝玉", "names": "贾母、宝玉", "p": "后院", "i": "通灵宝玉", "s": "宝玉摘下了那玉。",
            "x": "去后院看看", "skill": "耐心", "goal": "找到玉",
        },
    ],
}  # fmt: skip


def _templates(value: Any, language: str | None = None) -> Iterator[tuple[str, str]]:
    """(language, template) for every string with a slot, under an "en" or "zh" key, anywhere in `value`."""
    if isinstance(value, str):
        if language and "{" in value:
            yield language, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _templates(item, key if key in ("en", "zh") else language)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _templates(item, language)


def _all_templates(module: ModuleType) -> list[tuple[str, str]]:
    banks = [value for name, value in vars(module).items() if name.isupper() or name.startswith("_")]
    return [found for bank in banks for found in _templates(bank)]


TEMPLATES = sorted({found for module in MODULES for found in _all_templates(module)})
EN_BREAKS = re.compile(
    r"\b(?:the|a|an) (?:the|a|an|my|your|his|her|I|me|Mr\.|Mrs\.)\s"  # a doubled article, "the me"
    r"|\s[,.;:!?]"  # a space before punctuation
    r"|  "  # two spaces
    r"|[,;:]\s*[.!?]"  # a comma then a full stop
    r"|\b(?:with|to|at|for|from|by|of) I\b"  # "with I"
    r"|\bme (?:is|was|has|had|said|went|did)\b"  # "me was"
    r"|\bI (?:is|has|does|says|was not I)\b"
    r"|[{}]"
)
ZH_BREAKS = re.compile(r"[A-Za-z{}]|\s|。。|，，|，。|。，|的的|了了")


def test_the_banks_have_templates_in_both_languages() -> None:
    languages = {language for language, _ in TEMPLATES}
    assert languages == {"en", "zh"} and len(TEMPLATES) > 150


@pytest.mark.parametrize(("language", "template"), TEMPLATES)
def test_every_template_renders_with_english_and_chinese_names(language: str, template: str) -> None:
    slots = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    for sample in SAMPLES[language]:
        assert slots <= sample.keys(), f"unknown slot in {template!r}"
        rendered = template.format(**sample)
        breaks = EN_BREAKS if language == "en" else ZH_BREAKS
        found = breaks.search(rendered.replace("...", "\u2026"))
        assert found is None, f"{rendered!r} ({found.group()!r})"


QUESTIONS = {
    "en": [
        "Hello!", "Who are you?", "What happened when you heard this?", "Where did the housekeeper find him?",
        "Tell me about the brass key.", "What do you think of the Inspector?", "Did you go out into the rain?",
        "Is the doctor married?", "Thank you.", "You are a liar.", "I saw a ghost in the cellar.",
        "Open the door, please.",
        "What did Crane keep in the strongbox?", "Why did you go pale?", "Tell me about yourself.",
        "What did you say when you saw the mouse?", "Where is the Blue Anchor?", "Who gave you the key?",
    ],
    "zh": [
        "你好！", "你是谁？", "信号是从哪里传来的？", "温室里有什么？", "你觉得周明远怎么样？", "说说你自己。",
        "你害怕吗？", "多谢你。", "你这个骗子！", "我昨晚做了个噩梦。", "请把门打开。", "录音笔在哪里？",
    ],
}  # fmt: skip


REPLY_CASES = ("en_own_detective", "zh_own_scifi", "en_alice_ch1-2", "zh_hongloumeng_ch03")


def _replies(language: str) -> Iterator[tuple[str, str, str]]:
    for case in load_cases():
        if case.language != language or case.name not in REPLY_CASES:
            continue
        analysis = analyse(case)
        book = PassageIndex.from_texts([case.text], language)  # type: ignore[arg-type]
        cast = [{"name": c.name, "aliases": c.aliases} for c in analysis.characters]
        scene = {"title": case.name, "characters": cast}
        for character in analysis.characters[:8]:
            profile = character.model_dump(exclude={"key", "relationships", "mentions", "dialogue_lines"})
            profile["id"] = character.name
            for question in QUESTIONS[language]:
                hits = book.search(question, within=[character.name, *character.aliases])
                inputs = {"language": language, "scene": scene, "character": profile, "history": [],
                          "message": question, "passages": [hit.passage for hit in hits]}  # fmt: skip
                yield character.name, question, chat_reply(inputs)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_offline_replies_have_no_grammar_breaks(language: str) -> None:
    replies = list(_replies(language))
    assert len(replies) > 100
    for name, question, reply in replies:
        text = reply.replace("...", "\u2026")
        found = (EN_BREAKS if language == "en" else re.compile(r"[{}]|。。|，，|，。|的的")).search(text)
        assert found is None, f"{name} to {question!r}: {reply!r} ({found.group()!r})"
        if language == "en":
            assert reply[0].isupper() or reply[0] in '"“', reply
        assert reply.rstrip()[-1] in ".!?\u2026\"'”’。！？…」", reply


@pytest.mark.parametrize(
    ("names", "sentence", "expected"),
    [
        (["the Mouse", "Mouse"], "When the Mouse heard this, it turned round.", "When I heard this, it turned round."),
        (["the Mouse", "Mouse"], "Alice said to the Mouse, “Come back!”", "Alice said to me, “Come back!”"),
        (["Elizabeth", "Lizzy"], "He danced with Lizzy twice.", "He danced with me twice."),
        (["Elizabeth"], "Elizabeth's spirits rose.", "My spirits rose."),
        (["Elizabeth"], "She wept, for Elizabeth has a soft heart.", "She wept, for I have a soft heart."),
        (["Elizabeth"], "Mrs. Bennet gave Elizabeth a look.", "Mrs. Bennet gave me a look."),
        (["Elizabeth"], "“Elizabeth is the best,” said Jane.", "“Elizabeth is the best,” said Jane."),
        (["Dinah"], "'Dinah'll miss me to-night, I think!'", "'Dinah'll miss me to-night, I think!'"),
        (["Dinah"], "Dinah'll be hungry.", "I'll be hungry."),
        (["Clara Fenwick", "Clara"], "“I brought his tea,” Clara said.", "“I brought his tea,” I said."),
        (["林黛玉", "黛玉"], "黛玉方进入房时，只见一位老母迎上来。", "我方进入房时，只见一位老母迎上来。"),
    ],
)  # fmt: skip
def test_narration_put_in_the_characters_mouth(names: list[str], sentence: str, expected: str) -> None:
    language = "zh" if names[0] == "林黛玉" else "en"
    persona = personas.Persona.from_mapping({"name": names[0], "aliases": names[1:]}, language)  # type: ignore[arg-type]
    assert personas.first_person(sentence, persona) == expected


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_regenerated_reply_is_always_worded_differently(language: str) -> None:
    """Variation 1 of a reply that quotes the book turns to another frame: never the same text as the first."""
    case = next(c for c in load_cases() if c.name == REPLY_CASES[0 if language == "en" else 1])
    analysis = analyse(case)
    book = PassageIndex.from_texts([case.text], language)  # type: ignore[arg-type]
    compared = 0
    for character in analysis.characters[:6]:
        profile = {**character.model_dump(exclude={"key", "relationships", "mentions", "dialogue_lines"})}
        profile["id"] = f"char_{character.name}"
        for question in QUESTIONS[language]:
            hits = book.search(question, within=[character.name, *character.aliases])
            if not hits:
                continue
            inputs = {"language": language, "character": profile, "history": [], "message": question,
                      "passages": [hit.passage for hit in hits]}  # fmt: skip
            first, again = chat_reply(inputs), chat_reply({**inputs, "variation": 1})
            assert first != again, first
            compared += 1
    assert compared >= 5

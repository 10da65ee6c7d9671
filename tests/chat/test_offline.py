"""The offline chat skills on characters found in real chapters: in character, in the scene's language,
reacting to what the user says, and deterministic."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sceneintruder.chat.llm_schemas import EmotionalResponse
from sceneintruder.chat.offline.skills import SKILLS, chat_emotion, chat_reply
from sceneintruder.textkit.text import detect_language
from tests.support.novels import novel

AI_WORDS = re.compile(r"\bAI\b|artificial|language model|chatbot|assistant|人工智能|语言模型|机器人", re.IGNORECASE)
CONTRACTION = re.compile(r"\b\w+'(?:m|s|t|ll|re|ve)\b")


def call(language: str, character: dict[str, Any], message: str, **extra: Any) -> dict[str, Any]:
    book = novel(language)  # type: ignore[arg-type]
    return {
        "language": language,
        "scene": book.scene(),
        "character": character,
        "history": [],
        "message": message,
        **extra,
    }


def english(name: str = "Mr. Bennet", **overrides: Any) -> dict[str, Any]:
    return {**novel("en").profile(name), **overrides}


def chinese(name: str = "林黛玉", **overrides: Any) -> dict[str, Any]:
    return {**novel("zh").profile(name), **overrides}


EN_MESSAGES = [
    "Hello!",
    "What do you know about Netherfield Park?",
    "What do you think of Mr. Darcy?",
    "Is he married or single?",
    "I went to the ball last night.",
    "Thank you so much!",
    "You are a fool.",
    "My sister is ill.",
]
ZH_MESSAGES = [
    "你好！",
    "你觉得王熙凤怎么样？",
    "荣国府里住着哪些人？",
    "今天天气真好。",
    "多谢你。",
    "你这个蠢货！",
    "说说你的外祖母。",
]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_replies_are_in_the_scenes_language_for_every_character(language: str) -> None:
    messages = EN_MESSAGES if language == "en" else ZH_MESSAGES
    for character in novel(language).profiles(6):  # type: ignore[arg-type]
        for message in messages:
            reply = chat_reply(call(language, character, message))
            assert reply.strip()
            assert detect_language(reply) == language, (character["name"], message, reply)


def test_language_is_detected_when_not_given() -> None:
    inputs = call("zh", chinese(), "你好！")
    del inputs["language"]
    assert detect_language(chat_reply(inputs)) == "zh"


def test_a_greeting_and_a_question_get_different_shapes() -> None:
    character = english("Mr. Bennet")
    greeting = chat_reply(call("en", character, "Good morning!"))
    question = chat_reply(call("en", character, "What do you know about Netherfield Park?"))
    assert "Mr. Bennet" in greeting and re.search(r"\b(?:hello|good day|how do you do)\b", greeting, re.I)
    assert "Netherfield" in question and not re.search(r"\b(?:hello|how do you do)\b", question, re.I)
    zh_greeting = chat_reply(call("zh", chinese(), "你好"))
    zh_question = chat_reply(call("zh", chinese(), "荣国府里住着哪些人？"))
    assert "林黛玉" in zh_greeting and "荣国府" in zh_question


def test_a_question_is_answered_from_what_the_character_knows() -> None:
    character = english("Mrs. Long", knowledge=["Netherfield Park is let to a young man of large fortune."])
    reply = chat_reply(call("en", character, "Who has taken Netherfield Park?"))
    assert "young man of large fortune" in reply


def test_other_characters_and_places_of_the_scene_are_picked_up() -> None:
    assert "Mr. Darcy" in chat_reply(call("en", english("Mr. Bingley"), "What do you think of Mr. Darcy?"))
    assert "王熙凤" in chat_reply(call("zh", chinese("贾母"), "你觉得王熙凤怎么样？"))
    assert "Longbourn" in chat_reply(call("en", english("Jane"), "Tell me about Longbourn."))


def test_a_statement_with_a_feeling_is_met_with_one() -> None:
    reply = chat_reply(call("en", english("Jane", personality="gentle, kind"), "My sister is ill."))
    assert re.search(r"\bsorry\b|hard|dreadful|unfortunate", reply)
    assert "interesting" not in reply


def test_speech_style_shapes_the_reply() -> None:
    formal = [chat_reply(call("en", english("Mr. Bennet", speech_style="formal"), m)) for m in EN_MESSAGES]
    casual = [chat_reply(call("en", english("Mr. Bennet", speech_style="colloquial"), m)) for m in EN_MESSAGES]
    assert not any(CONTRACTION.search(reply) for reply in formal)
    assert any(re.search(r"\b(?:Indeed|assure|Upon my word|must say)\b", reply) for reply in formal)
    assert sum(bool(CONTRACTION.search(reply)) for reply in casual) >= 3
    zh_formal = [chat_reply(call("zh", chinese("贾母", speech_style="措辞文雅谦敬"), m)) for m in ZH_MESSAGES]
    assert all("你" not in reply for reply in zh_formal)
    assert any("您" in reply or "恕我直言" in reply or "不瞒您说" in reply for reply in zh_formal)


def test_temperament_shapes_the_reply() -> None:
    cheerful = english("Mr. Bennet", personality="lively, cheerful", traits=["lively", "cheerful"])
    proud = english("Mr. Bennet", personality="proud, haughty", traits=["proud", "haughty"])
    for message in ("Hello!", "You are a fool.", "Thank you so much!"):
        assert chat_reply(call("en", cheerful, message)) != chat_reply(call("en", proud, message))
    assert "glad" in chat_reply(call("en", cheerful, "Hello!")) or "welcome" in chat_reply(
        call("en", cheerful, "Hello!")
    )
    assert "introduced" in chat_reply(call("en", proud, "Hello!")) or "service" in chat_reply(
        call("en", proud, "Hello!")
    )


def test_personality_words_show_in_self_descriptions() -> None:
    character = english("Mr. Bennet", personality="sarcastic, witty", traits=["sarcastic", "witty"])
    for message in ("You are very clever!", "Who are you?"):
        reply = chat_reply(call("en", character, message))
        assert "sarcastic" in reply or "witty" in reply, reply
    zh = chat_reply(call("zh", chinese("宝玉", personality="乖僻、忧郁"), "你是个怎样的人？"))
    assert "乖僻" in zh or "忧郁" in zh


def test_never_says_it_is_an_ai() -> None:
    for language, character, messages in (
        ("en", english(), [*EN_MESSAGES, "Are you an AI?", "Are you a chatbot or a language model?"]),
        ("zh", chinese(), [*ZH_MESSAGES, "你是人工智能吗？", "你是不是机器人？"]),
    ):
        for message in messages:
            reply = chat_reply(call(language, character, message))
            assert not AI_WORDS.search(reply), reply
            assert character["name"] in reply or not AI_WORDS.search(message)


def test_deterministic_yet_varied() -> None:
    character = english("Elizabeth")
    assert chat_reply(call("en", character, "What do you think of the ball?")) == chat_reply(
        call("en", character, "What do you think of the ball?")
    )
    replies = {chat_reply(call("en", character, message)) for message in EN_MESSAGES}
    assert len(replies) == len(EN_MESSAGES)
    openings = {
        chat_reply(call("en", english(c["name"]), "Tell me about the assembly.")) for c in novel("en").profiles(8)
    }
    assert len(openings) >= 5


def test_history_is_taken_into_account() -> None:
    character = english("Mr. Bennet")
    first = chat_reply(call("en", character, "Hello!"))
    history = [_user("Hello!"), _self(first)]  # he answered it: it was said to him
    again = chat_reply(call("en", character, "Hello!", history=history))
    assert first != again and "again" in again.casefold()
    asked = [_user("Is he married or single?"), _self("He is single, my dear.")]
    assert "already" in chat_reply(call("en", character, "Is he married or single?", history=asked))
    to_another = [_user("Is he married or single?"), {**_self("Single."), "role": "character", "speaker_id": "c2"}]
    assert "already" not in chat_reply(call("en", character, "Is he married or single?", history=to_another))


def _user(content: str) -> dict[str, str]:
    return {"speaker_id": "user", "speaker_name": "you", "role": "user", "content": content}


def _self(content: str) -> dict[str, str]:
    return {"speaker_id": "c1", "speaker_name": "Mr. Bennet", "role": "self", "content": content}


@pytest.mark.parametrize("temperament_traits", [["fierce", "angry"], ["proud", "cold"], ["nervous", "timid"], ["kind"]])
def test_emotion_of_an_insult_is_never_joy(temperament_traits: list[str]) -> None:
    character = english("Mr. Bennet", personality=", ".join(temperament_traits), traits=temperament_traits)
    result = chat_emotion(call("en", character, "You are a stupid fool and I hate you!"))
    assert result.emotion not in ("joy", "neutral")
    assert "joy" not in result.secondary_emotions
    assert 1 <= result.intensity <= 10


@pytest.mark.parametrize("message", ["你这个糊涂的老太太！", "你这个蠢货！", "放肆！"])
def test_a_chinese_insult_is_taken_as_one(message: str) -> None:
    result = chat_emotion(call("zh", chinese("贾母"), message))
    assert result.emotion not in ("joy", "neutral")
    assert "有意思" not in result.response


def test_emotion_follows_message_and_temperament() -> None:
    fierce = chat_emotion(call("en", english(personality="fierce, angry"), "You are a stupid fool!"))
    assert fierce.emotion == "anger" and fierce.intensity >= 6
    cheerful = chat_emotion(call("en", english(personality="lively, cheerful"), "What a wonderful, happy day!"))
    assert cheerful.emotion == "joy"
    calm = chat_emotion(call("en", english(personality="calm, steady"), "The weather is mild."))
    assert calm.intensity < fierce.intensity
    zh = chat_emotion(call("zh", chinese("贾母", personality="慈爱"), "我好伤心，母亲去世了。"))
    assert zh.emotion == "sadness"
    assert detect_language(zh.body_language + zh.facial_expression + zh.voice_tone) == "zh"
    for result in (fierce, cheerful, calm, zh):
        assert result.body_language and result.facial_expression and result.voice_tone
        assert len(result.secondary_emotions) <= 2 and result.emotion not in result.secondary_emotions
        assert result.response


def test_emotion_reply_is_the_chat_reply() -> None:
    inputs = call("en", english(), "What do you think of Mr. Darcy?")
    assert chat_emotion(inputs).response == chat_reply(inputs)


def test_outputs_validate_against_the_schemas_as_json() -> None:
    result = chat_emotion(call("zh", chinese(), "你好！"))
    assert EmotionalResponse.model_validate_json(result.model_dump_json()) == result


def test_skills_registry_and_empty_inputs() -> None:
    assert set(SKILLS) == {"chat_reply", "chat_emotion", "character_dialogue"}
    assert isinstance(SKILLS["chat_reply"]({}), str)
    assert SKILLS["chat_emotion"]({}).response
    assert SKILLS["character_dialogue"]({}).dialogues == []

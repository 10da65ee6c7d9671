"""What a user's line to a character is: a greeting, a question, thanks, an insult, a question about the
character itself... The first matching pattern wins, in the order of `INTENT_PATTERNS`; a question is
recognised after them (a greeting followed by a question is a question that opens with a greeting).
"""

from __future__ import annotations

import re
from types import MappingProxyType

from sceneintruder.textkit import personas
from sceneintruder.textkit.text import Language

GREETING_PATTERN = MappingProxyType(
    {
        "en": re.compile(
            r"^\W*(?:hello|hi|hey|good (?:morning|afternoon|evening|day)|greetings|how do you do)\b", re.I
        ),
        "zh": re.compile(r"^\W*(?:你好|您好|嗨|早上好|早安|晚上好|幸会|久仰|见过|请安)"),
    }
)
# Intents in the order they are tested: the first that matches wins (a question is tested after these).
INTENT_PATTERNS = MappingProxyType(
    {
        "en": (
            ("meta", re.compile(r"\b(?:ai|a\.i\.|artificial intelligence|chat ?bot|language model|robot)\b", re.I)),
            (
                "insult",
                re.compile(r"\b(?:stupid|idiot|fool|hate you|shut up|ugly|useless|liar|coward|pathetic)\b", re.I),
            ),
            ("apology", re.compile(r"\b(?:sorry|apologi[sz]e|forgive me|pardon me|my apologies)\b", re.I)),
            ("thanks", re.compile(r"\b(?:thank|thanks|grateful|much obliged)\b", re.I)),
            ("farewell", re.compile(r"\b(?:goodbye|good-bye|bye|farewell|good night|see you|take my leave)\b", re.I)),
            ("greeting", GREETING_PATTERN["en"]),
            (
                "compliment",
                re.compile(
                    r"\byou (?:look|are) (?:so |very |most )?"
                    r"(?:beautiful|handsome|lovely|wonderful|clever|kind|charming)"
                    r"|\bi admire you\b|\bhow (?:beautiful|handsome|lovely|clever|kind|charming) you\b",
                    re.I,
                ),
            ),
        ),
        "zh": (
            ("meta", re.compile(r"人工智能|AI|机器人|语言模型|聊天程序", re.I)),
            ("insult", re.compile(r"蠢|笨蛋|滚|讨厌你|混账|可恶|废物|骗子|闭嘴|糊涂|放肆|无耻|不要脸|丑八怪")),
            ("apology", re.compile(r"对不起|抱歉|恕罪|请原谅|失礼了|不好意思")),
            ("thanks", re.compile(r"谢谢|多谢|感谢|谢过|有劳")),
            ("farewell", re.compile(r"再见|告辞|告退|先走了|晚安|回头见|改日再")),
            ("greeting", GREETING_PATTERN["zh"]),
            ("compliment", re.compile(r"你(?:真|好|很|长得)(?:好看|美|漂亮|聪明|厉害|标致|了不起)|佩服")),
        ),
    }
)
REQUEST_PATTERN = MappingProxyType(
    {
        "en": re.compile(
            r"^\W*(?:please|could you|would you|can you|will you|tell me|let us|let's|show me|help me)\b", re.I
        ),
        "zh": re.compile(r"^\W*(?:请|帮我|麻烦|能不能|可否|告诉我|带我|咱们|我们一起)"),
    }
)

# A request to be told something is a question ("tell me about the ball", "说说那天的事").
TELL_PATTERN = MappingProxyType(
    {
        "en": re.compile(r"^\W*(?:please\s+)?(?:tell me|describe|explain|talk about|remind me)\b", re.I),
        "zh": re.compile(r"^\W*(?:请)?(?:告诉我|说说|讲讲|谈谈|聊聊|描述|讲一讲|说一说)"),
    }
)
SELF_QUESTION = MappingProxyType(
    {
        "en": re.compile(
            r"\b(?:who are you|tell me (?:about|of) you(?:rself)?\b|what are you like|describe yourself|yourself)", re.I
        ),
        "zh": re.compile(r"你是谁|你是个?怎样的人|你是什么样的人|说说你自己|介绍一下你自己|你自己"),
    }
)


def classify(message: str, language: Language) -> tuple[str, bool]:
    """The intent of a user's line, and whether it opened with a greeting before asking something."""
    for intent, pattern in INTENT_PATTERNS[language]:
        match = pattern.search(message)
        if match:
            rest = message[match.end() :]
            if intent == "greeting" and personas.is_question(rest, language) and len(rest.strip()) > 3:
                return "question", True
            return intent, False
    if personas.is_question(message, language) or TELL_PATTERN[language].search(message):
        return "question", False
    if REQUEST_PATTERN[language].search(message):
        return "request", False
    return "statement", False

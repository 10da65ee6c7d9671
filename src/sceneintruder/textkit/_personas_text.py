"""The text side of `textkit.personas`: content terms for overlap, what a line is about, which names it
mentions, whether it asks something, and clipping to a length at a sentence or clause end. Re-exported by
`textkit.personas`; pure and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from sceneintruder.textkit import _personas_words as words
from sceneintruder.textkit import lexicons as lex
from sceneintruder.textkit.text import Language, split_sentences

_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_ITALICS = re.compile(r"(?<![A-Za-z0-9])_([^_\n]+)_(?![A-Za-z0-9])")
_CLAUSE_CUT = re.compile(r"[，,；;：:—]")
FUNCTION_WORDS = frozenset(word.casefold() for word in lex.EN_STOP) | words.EXTRA_FUNCTION_WORDS
_ZH_STOP_BIGRAMS = words.ZH_STOP_BIGRAMS
_EN_TOPIC_AFTER = re.compile(
    r"\b(?:about|of|regarding|concerning)\s+(?!(?:it|you|me|him|her|them|us|that|this|what|which|so)\b)"
    r"((?:the\s+|a\s+|an\s+|your\s+|my\s+)?[A-Za-z][\w'’ .-]{1,60})",
    re.IGNORECASE,
)
_EN_NOUN_PHRASE = re.compile(
    r"\b((?:the|a|an|my|your|his|her|our|their|this|that)\s+(?!(?:is|was|are|were|will|would|can|could)\b)"
    r"[a-z][a-z-]{2,}(?:\s+[a-z][a-z-]{2,})?)",
    re.IGNORECASE,
)
_PHRASE_STOPS = words.PHRASE_STOPS
_PRONOUN_FLIP = {"my": "your", "your": "my", "our": "your", "me": "you", "myself": "yourself"}
_EN_PROPER = re.compile(r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lady|Lord)\.?\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}")
_ZH_TOPIC_AFTER = re.compile(r"(?:关于|对于|说说|谈谈|讲讲|聊聊|打听|问问)([\u4e00-\u9fff]{1,12})")
_ZH_PREFIXES = re.compile(r"^(?:请问|敢问|你觉得|你认为|你知道|你可知道|你说|我想问|我想|告诉我|我听说|听说|你看)")
_ZH_PARTICLES = re.compile(
    r"(?:的事情|的事|怎么样|怎么了|怎么|怎样|怎的|为什么|为何|如何|是什么|什么|是谁|吗|呢|吧|么|呀|啊|了)+$"
)


def terms(text: str, language: Language) -> set[str]:
    """Content terms for overlap: English words without function words, Chinese character bigrams."""
    if language == "zh":
        runs = _CJK_RUN.findall(text)
        return {run[i : i + 2] for run in runs for i in range(len(run) - 1)} - _ZH_STOP_BIGRAMS
    found = {token.casefold().strip("'’") for token in _EN_WORD.findall(text)}
    return {stem(token) for token in found if len(token) > 2 and token not in FUNCTION_WORDS}


class Topic(NamedTuple):
    """What a line is about. `strong` when it is a subject worth repeating in another sentence (a name, a
    noun phrase, "about X"); a weak topic is only a fallback word or the whole line."""

    text: str
    strong: bool


def key_phrase(message: str, language: Language, names: Iterable[str] = ()) -> Topic:
    """What a message is about: a person or place of the scene it names, the phrase after "about"/"关于", a
    noun phrase ("the ball"; "my sister" comes back as "your sister"), a capitalised name; else, weakly, its
    longest content word (Chinese: the line without its question frame)."""
    mentioned = mentions(message, names, language)
    if mentioned:
        return Topic(mentioned[0], True)
    if language == "zh":
        after = _ZH_TOPIC_AFTER.search(message)
        core = after.group(1) if after else _ZH_PREFIXES.sub("", re.split(r"[，,。！？!?；;]", message.strip())[0])
        core = _ZH_PARTICLES.sub("", core).strip()
        if len(core) < 2:
            return Topic("这件事", False)
        core = re.sub(r"[你我]", lambda m: "我" if m.group() == "你" else "你", core[:12])
        return Topic(core, bool(after) or len(core) <= 4)
    found = _EN_TOPIC_AFTER.search(message) or _EN_NOUN_PHRASE.search(message)
    if found:
        phrase: list[str] = []
        for word in re.split(r"[?.!,;:]", found.group(1))[0].split()[:5]:
            if phrase and word.casefold() in _PHRASE_STOPS:
                break
            phrase.append(_PRONOUN_FLIP.get(word.casefold(), word))
        return Topic(" ".join(phrase), True)
    proper = [m.group() for m in _EN_PROPER.finditer(message) if m.group().casefold() not in FUNCTION_WORDS]
    if proper:
        return Topic(proper[0], True)
    content = [w for w in _EN_WORD.findall(message) if w.casefold() not in FUNCTION_WORDS and len(w) > 3]
    return Topic(max(content, key=len).casefold(), False) if content else Topic("that", False)


def mentions(text: str, names: Iterable[str], language: Language) -> list[str]:
    """Which of `names` the text mentions, in order of first mention (longest name wins an overlap)."""
    ordered = sorted({name for name in names if name and len(name.strip()) >= 2}, key=len, reverse=True)
    if not ordered:
        return []
    alternation = "|".join(re.escape(name) for name in ordered)
    pattern = alternation if language == "zh" else rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])"
    found: list[str] = []
    for match in re.finditer(pattern, text, 0 if language == "zh" else re.IGNORECASE):
        name = next(n for n in ordered if n.casefold() == match.group().casefold())
        if name not in found:
            found.append(name)
    return found


def is_question(text: str, language: Language) -> bool:
    stripped = text.strip()
    if stripped.endswith(("?", "？")):
        return True
    if language == "zh":
        return bool(re.search(r"(?:吗|么|呢)[。！!]?$|是否|可否|为什么|为何|怎么|如何|什么|谁|哪", stripped))
    first = stripped.split(" ", 1)[0].casefold() if stripped else ""
    return first in {"who", "what", "why", "how", "where", "when", "which", "is", "are", "do", "does", "did", "can"}


def clip(text: str, limit: int, language: Language) -> str:
    """Whitespace collapsed (dropped next to CJK), `_italics_` unmarked, then cut to `limit` characters at the
    last sentence or clause end that fits, with an ellipsis when anything was cut. A text that arrives
    already cut mid-word ("…" at the end) is taken back to its last clause end; quotation marks are closed."""
    text = _SPACE_BY_CJK.sub("", " ".join(_ITALICS.sub(r"\1", text).split()))
    if text.endswith("…") and len(text) > 1 and text[-2].isalnum():
        text = _cut(text[:-1], language)
    elif len(text) > limit:
        text = _cut(text[: limit - 1], language)
    for opening, closing in (("“", "”"), ("「", "」"), ("『", "』")):
        if text.count(opening) > text.count(closing):
            text += closing
        elif text.count(closing) > text.count(opening):  # a sentence that ends a quotation begun before it
            text = opening + text
    if language == "en" and text.count('"') % 2:
        text += '"'
    return text


def _cut(head: str, language: Language) -> str:
    sentences = split_sentences(head)
    if len(sentences) > 1:
        return "".join(sentences[:-1]).rstrip()
    cut = max((m.start() for m in _CLAUSE_CUT.finditer(head)), default=-1)
    if cut > len(head) // 2:
        head = head[:cut]
    elif language == "en" and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,，;；:：") + "…"


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word

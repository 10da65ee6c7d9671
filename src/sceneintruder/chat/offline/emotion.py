"""The offline emotion of a character's reply: what the user's line expresses (a small lexicon of each emotion,
boosted by exclamation marks and capitals), turned into how *this* character reacts to it (its temperament:
a proud one meets an insult with contempt, a fierce one with anger, an anxious one with fear), and how that
shows in body, face and voice. Read-only banks and pure functions.
"""

from __future__ import annotations

import re
from collections import Counter
from types import MappingProxyType

from sceneintruder.chat.llm_schemas import Emotion
from sceneintruder.textkit.personas import Persona
from sceneintruder.textkit.text import Language

_FEELINGS: tuple[Emotion, ...] = ("joy", "anger", "sadness", "fear", "surprise", "contempt", "disgust")

WORDS = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "joy": "happy glad delighted delight love lovely wonderful great joy pleased excited congratulations "
                "hooray fun enjoy smile laugh marvellous splendid cheerful celebrate wedding",
                "anger": "angry furious hate rage outrageous annoy annoyed stupid idiot fool shut damn insult unfair "
                "dare liar coward useless",
                "sadness": "sad cry crying tears miss lost lonely died death grief unhappy alas mourn hurt "
                "heartbroken weep ill sick ailing dying",
                "fear": "afraid scared fear danger dangerous worried worry terrified nervous threat frightened dread "
                "panic help",
                "surprise": "surprise surprised secret secrets really unbelievable astonishing sudden suddenly "
                "unexpected wow strange incredible news",
                "contempt": "pathetic worthless beneath ridiculous inferior vulgar laughable mediocre silly absurd",
                "disgust": "disgusting gross vile revolting filthy nasty repulsive sickening foul",
            }
        ),
        "zh": MappingProxyType(
            {
                "joy": "高兴 开心 快乐 欢喜 喜欢 太好 恭喜 有趣 可爱 笑 喜事 热闹 好极",
                "anger": "生气 愤怒 可恶 混账 滚 讨厌 该死 气死 蠢 笨 放肆 无礼 恨 骗子 糊涂 无耻 不要脸",
                "sadness": "难过 伤心 哭 泪 悲 可怜 孤单 去世 想念 舍不得 唉 委屈 病",
                "fear": "害怕 怕 恐惧 担心 危险 紧张 吓 不安 慌 救命",
                "surprise": "惊讶 秘密 竟然 居然 没想到 真的吗 天哪 奇怪 怎么会 咦 新来",
                "contempt": "瞧不起 可笑 不过如此 低贱 俗气 下流 蠢货 荒唐",
                "disgust": "恶心 肮脏 龌龊 作呕 腌臜 臭",
            }
        ),
    }
)
_INTENT_FEELING: dict[str, Emotion] = {
    "insult": "anger",
    "compliment": "joy",
    "greeting": "joy",
    "thanks": "joy",
    "apology": "sadness",
    "meta": "surprise",
    "farewell": "sadness",
}
# How each temperament answers what the user expresses; a missing entry means "in kind".
_REACTION: dict[str, dict[Emotion, Emotion]] = {
    "cheerful": {"anger": "surprise", "contempt": "surprise", "fear": "surprise", "neutral": "joy"},
    "gentle": {"anger": "sadness", "contempt": "sadness", "disgust": "sadness", "neutral": "joy"},
    "proud": {"anger": "contempt", "sadness": "neutral", "fear": "contempt", "joy": "neutral", "surprise": "neutral"},
    "witty": {"anger": "contempt", "fear": "surprise", "neutral": "joy"},
    "anxious": {"anger": "fear", "contempt": "fear", "surprise": "fear", "disgust": "fear"},
    "melancholy": {"joy": "sadness", "anger": "sadness", "contempt": "sadness", "neutral": "sadness"},
    "fierce": {"contempt": "anger", "fear": "anger", "sadness": "anger", "disgust": "anger"},
    "steady": {"anger": "neutral", "contempt": "neutral", "fear": "neutral", "surprise": "neutral"},
}
# The feeling each temperament brings to everything, shown as a secondary emotion.
_SHADOW: dict[str, Emotion] = {
    "cheerful": "joy",
    "gentle": "sadness",
    "proud": "contempt",
    "witty": "surprise",
    "anxious": "fear",
    "melancholy": "sadness",
    "fierce": "anger",
    "steady": "neutral",
}
_DARK = frozenset({"anger", "sadness", "fear", "contempt", "disgust"})
_VOLATILITY = {
    "cheerful": 1.2,
    "gentle": 0.9,
    "proud": 0.8,
    "witty": 1.0,
    "anxious": 1.3,
    "melancholy": 1.0,
    "fierce": 1.4,
    "steady": 0.7,
}

# emotion → (body mild, body strong, face mild, face strong, voice mild, voice strong)
DISPLAY = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "joy": (
                    "leans in, relaxed",
                    "claps hands together",
                    "a warm smile",
                    "a broad, beaming smile",
                    "light and friendly",
                    "bright and quick with delight",
                ),
                "anger": (
                    "arms folded",
                    "steps forward, fists clenched",
                    "a tight frown",
                    "eyes flashing, jaw set",
                    "clipped and cool",
                    "raised and sharp",
                ),
                "sadness": (
                    "shoulders drooping",
                    "turns away, head bowed",
                    "a wistful look",
                    "eyes brimming with tears",
                    "soft and low",
                    "unsteady, close to breaking",
                ),
                "fear": (
                    "glances toward the door",
                    "takes a step back, trembling",
                    "a nervous look",
                    "wide eyes, pale face",
                    "hesitant",
                    "breathless and fast",
                ),
                "surprise": (
                    "straightens up",
                    "starts back",
                    "raised eyebrows",
                    "mouth open in astonishment",
                    "curious, rising at the end",
                    "a sharp exclamation",
                ),
                "contempt": (
                    "leans back, unimpressed",
                    "turns half away",
                    "a faint sneer",
                    "a cold, curling lip",
                    "dry and dismissive",
                    "icy and cutting",
                ),
                "disgust": (
                    "draws back slightly",
                    "recoils",
                    "a wrinkled nose",
                    "a grimace of distaste",
                    "flat with distaste",
                    "harsh with revulsion",
                ),
                "neutral": (
                    "sits composed",
                    "stands still, attentive",
                    "a calm expression",
                    "an unreadable face",
                    "even and measured",
                    "steady and deliberate",
                ),
            }
        ),
        "zh": MappingProxyType(
            {
                "joy": ("身子微微前倾", "拍手笑起来", "面带微笑", "笑逐颜开", "语气轻快", "声音里满是欢喜"),
                "anger": ("抱起双臂", "上前一步，攥紧了拳", "眉头紧锁", "横眉怒目", "语气冷硬", "声音陡然拔高"),
                "sadness": (
                    "垂下肩膀",
                    "别过脸去，低头不语",
                    "神色黯然",
                    "眼中含泪",
                    "声音低低的",
                    "声音发颤，几乎哽咽",
                ),
                "fear": (
                    "不住往门口张望",
                    "往后退了半步，微微发抖",
                    "神色不安",
                    "脸色发白，睁大了眼",
                    "说话迟疑",
                    "气息急促",
                ),
                "surprise": ("一下坐直了身子", "猛地一怔", "挑起眉毛", "目瞪口呆", "语带好奇", "失声惊呼"),
                "contempt": ("往后一靠，不以为然", "侧过身去", "嘴角一撇", "冷冷一笑", "语气淡漠", "语带讥讽"),
                "disgust": ("微微往后一让", "连连后退", "皱了皱鼻子", "满脸嫌恶", "语气嫌弃", "声音里透着厌恶"),
                "neutral": ("端坐不动", "静静站着，留神细听", "神色平静", "面无表情", "语气平稳", "不紧不慢"),
            }
        ),
    }
)


def feelings(message: str, language: Language) -> Counter[Emotion]:
    """How strongly the user's line expresses each emotion (lexicon hits; zero counts left out)."""
    found: Counter[Emotion] = Counter()
    lexicon = WORDS[language]
    if language == "zh":
        for emotion in _FEELINGS:
            found[emotion] = sum(message.count(word) for word in lexicon[emotion].split())
    else:
        tokens = Counter(re.findall(r"[a-z]+", message.casefold()))
        for emotion in _FEELINGS:
            found[emotion] = sum(tokens[word] for word in lexicon[emotion].split())
    return +found


def react(persona: Persona, message: str, intent: str) -> tuple[Emotion, int, list[Emotion]]:
    """The character's emotion, its intensity (1-10) and up to two secondary emotions."""
    felt = feelings(message, persona.language)
    if intent in _INTENT_FEELING:
        felt[_INTENT_FEELING[intent]] += 2
    reaction = _REACTION[persona.temperament]
    ranked = [emotion for emotion, _ in sorted(felt.items(), key=lambda kv: (-kv[1], _FEELINGS.index(kv[0])))]
    answered = [reaction.get(emotion, emotion) for emotion in ranked] or [reaction.get("neutral", "neutral")]
    primary = answered[0]
    strength = felt[ranked[0]] if ranked else 0
    emphasis = min(3, message.count("!") + message.count("！")) + sum(
        1 for word in re.findall(r"\b[A-Z]{3,}\b", message) if word not in {"AI"}
    )
    raw = (2 + 1.2 * strength + emphasis) * _VOLATILITY[persona.temperament]
    if "exclamatory" in persona.style:
        raw += 1
    intensity = max(1, min(10, round(raw)))
    candidates = [*answered[1:], _SHADOW[persona.temperament]]
    if primary in _DARK or intent == "insult":
        candidates = [emotion for emotion in candidates if emotion != "joy"]
    secondary = [emotion for emotion in dict.fromkeys(candidates) if emotion not in (primary, "neutral")][:2]
    return primary, intensity, secondary


def display(emotion: Emotion, intensity: int, persona: Persona) -> tuple[str, str, str]:
    """Body language, facial expression and voice tone for the emotion, stronger from intensity 7."""
    bank = DISPLAY[persona.language][emotion]
    strong = 1 if intensity >= 7 else 0
    voice = bank[4 + strong]
    if "formal" in persona.style:
        voice += "，措辞客气" if persona.language == "zh" else ", formal in wording"
    elif "colloquial" in persona.style:
        voice += "，随口而出" if persona.language == "zh" else ", casual in wording"
    return bank[strong], bank[2 + strong], voice

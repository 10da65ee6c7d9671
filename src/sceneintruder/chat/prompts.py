"""The messages sent to a model for chat, emotion and character dialogue, and the offline skills' `inputs`.

Both are built from the same `ChatContext`, so a vendor and the builtin provider answer the same question.
Fixes over the reference (spec B29, B30): the history is attributed line by line (the character's own lines are
`assistant` turns; the user's are plain `user` turns; other characters' and the narrator's are `user` turns
tagged `[Name]`), it is a bounded window of the branch being continued, the scene is named by its title, the
emotion call sees the scene and the history, and dialogue prompts list the characters with their real ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sceneintruder.chat.context import USER_SPEAKERS, ChatContext
from sceneintruder.providers.llm.base import ChatMessage
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead

HISTORY_LINE_CHARS = 1_500
KNOWLEDGE_ITEMS = 12
PROFILE_CHARS = 600
PASSAGE_CHARS = 500

_TEXT = {
    "en": {
        "you_are": 'You are {name}, a character of "{title}". Stay in character: speak as {name} would, in the '
        "first person, with {name}'s knowledge, manner and voice. Never say or hint that you are an AI, a model "
        "or an assistant. Answer in English.",
        "reply_only": "Answer with what {name} says (a short action in *asterisks* is fine), without a name prefix.",
        "conventions": "In the conversation below, the user's lines are plain; a line that starts with [Name] was "
        "said by that character, and [Narrator] lines are narration. Your own earlier lines are yours.",
        "narrator": "Narrator",
        "labels": ("Role", "Description", "Personality", "Traits", "Background", "Speech style", "What you know"),
        "relations": "Your relationships",
        "scene": "The scene",
        "others": "Other characters here",
        "passages": "Passages of the book where you appear that bear on the user's line (answer from them; do not "
        "invent what they do not say)",
        "emotion": "Also say how {name} feels while answering: the main emotion, its intensity from 1 to 10, body "
        "language, facial expression, tone of voice, and at most two secondary emotions.",
        "director": 'You write the dialogue of characters of "{title}" talking among themselves. Each speaks in '
        "their own voice, reacts to what was just said, and stays true to their personality. Answer in English.",
        "cast": "The characters (use exactly these ids in `character_id`; no one else speaks)",
        "topic": "Topic",
        "context": "Context",
        "situation": "Situation",
        "recent": "What happened just before",
        "lines": "Write {turns} lines of dialogue, in speaking order. For each line give character_id, "
        "character_name, message (what is said), emotion (one word) and action (a short gesture).",
    },
    "zh": {
        "you_are": "你是《{title}》中的{name}。请始终保持角色：以{name}的身份、第一人称、用{name}的见识、"
        "性情和口吻说话。绝不说出或暗示自己是人工智能、模型或助手。请用中文回答。",
        "reply_only": "只回答{name}说的话（可用*星号*附上简短动作），不要加名字前缀。",
        "conventions": "下面的对话中，用户的话不加标记；以[姓名]开头的是该角色说的话，[旁白]是叙述。"
        "你自己先前的话就是你说的。",
        "narrator": "旁白",
        "labels": ("身份", "简介", "性格", "特点", "背景", "说话风格", "你所知道的"),
        "relations": "你的人际关系",
        "scene": "场景",
        "others": "在场的其他角色",
        "passages": "原著中有你在场、与对方这句话相关的段落（据此回答，不要编造段落里没有的事）",
        "emotion": "同时说明{name}回答时的情绪：主要情绪、强度（1到10）、肢体语言、面部表情、语气，"
        "以及至多两种次要情绪。",
        "director": "你为《{title}》中的角色编写他们之间的对话。每个角色用自己的口吻说话，回应上一句，"
        "符合各自的性格。请用中文回答。",
        "cast": "角色（`character_id` 必须使用下列 id；其他人不得发言）",
        "topic": "话题",
        "context": "背景",
        "situation": "情境",
        "recent": "此前发生的事",
        "lines": "按发言顺序写出{turns}句对白。每句给出 character_id、character_name、message（说的话）、"
        "emotion（一个词）和 action（简短动作）。",
    },
}


def _text(language: str) -> dict[str, Any]:
    return _TEXT["zh" if language == "zh" else "en"]


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _profile(character: CharacterRead, language: str) -> list[str]:
    labels = _text(language)["labels"]
    values = (
        character.role,
        _clip(character.description, PROFILE_CHARS),
        _clip(character.personality, PROFILE_CHARS),
        ", ".join(character.traits),
        _clip(character.background, PROFILE_CHARS),
        _clip(character.speech_style, PROFILE_CHARS),
        "; ".join(_clip(fact, 300) for fact in character.knowledge[:KNOWLEDGE_ITEMS]),
    )
    return [f"{label}: {value}" for label, value in zip(labels, values, strict=True) if value]


def _scene_lines(context: ChatContext) -> list[str]:
    scene = context.scene
    lines = [scene.description or _clip(scene.summary, PROFILE_CHARS)]
    lines += [value for value in (scene.era, scene.atmosphere) if value]
    if scene.locations:
        lines.append(", ".join(scene.locations[:12]))
    return [line for line in lines if line]


def system_prompt(
    context: ChatContext, character: CharacterRead, *, with_emotion: bool = False, passages: Sequence[str] = ()
) -> str:
    language = context.scene.language
    text = _text(language)
    parts = [text["you_are"].format(name=character.name, title=context.scene.title)]
    parts.append("\n".join(_profile(character, language)))
    if character.relations:
        relations = "; ".join(f"{r.name} ({r.character_id}): {r.relation}" for r in character.relations)
        parts.append(f"{text['relations']}: {relations}")
    parts.append(f"{text['scene']}: " + " / ".join(_scene_lines(context)))
    others = [f"{c.name} ({c.id})" for c in context.cast if c.id != character.id][:20]
    if others:
        parts.append(f"{text['others']}: " + ", ".join(others))
    if passages:
        parts.append(f"{text['passages']}:\n" + "\n".join(f"- {_clip(p, PASSAGE_CHARS)}" for p in passages))
    parts.append(text["conventions"])
    parts.append(text["reply_only"].format(name=character.name))
    if with_emotion:
        parts.append(text["emotion"].format(name=character.name))
    return "\n\n".join(part for part in parts if part)


def speaker_label(message: ConversationRead, names: dict[str, str], language: str) -> str:
    return names.get(message.speaker_id) or message.speaker_name or _text(language)["narrator"]


def attributed_turns(
    history: Sequence[ConversationRead], character: CharacterRead, context: ChatContext
) -> list[ChatMessage]:
    """Each history line with the right role and author, as `character` hears it."""
    names = context.speaker_names()
    narrator = _text(context.scene.language)["narrator"]
    turns = []
    for message in history:
        content = _clip(message.content, HISTORY_LINE_CHARS)
        if message.speaker_id == character.id:
            turns.append(ChatMessage("assistant", content))
        elif message.speaker_id in USER_SPEAKERS:
            turns.append(ChatMessage("user", content))
        else:
            label = names.get(message.speaker_id) or narrator
            turns.append(ChatMessage("user", f"[{label}] {content}"))
    return turns


def chat_messages(
    context: ChatContext,
    character: CharacterRead,
    message: str,
    *,
    history: Sequence[ConversationRead] | None = None,
    with_emotion: bool = False,
    passages: Sequence[str] = (),
) -> list[ChatMessage]:
    """System prompt (with the passages of the book that bear on the line), the attributed history window, then
    the user's new line."""
    turns = attributed_turns(context.history if history is None else history, character, context)
    system = system_prompt(context, character, with_emotion=with_emotion, passages=passages)
    return [ChatMessage("system", system), *turns] + ([ChatMessage("user", message)] if message else [])


def scene_inputs(context: ChatContext) -> dict[str, Any]:
    scene = context.scene
    return {
        "title": scene.title,
        "description": scene.description,
        "summary": scene.summary,
        "characters": [{"name": c.name, "aliases": list(c.aliases)} for c in context.cast],
        "locations": list(scene.locations),
    }


def character_inputs(character: CharacterRead) -> dict[str, Any]:
    return character.model_dump(mode="json", exclude={"image_url", "created_at", "last_updated", "relations"})


def history_inputs(
    history: Sequence[ConversationRead], character: CharacterRead | None, context: ChatContext
) -> list[dict[str, str]]:
    names = context.speaker_names()
    entries = []
    for message in history:
        if character is not None and message.speaker_id == character.id:
            role = "self"
        elif message.speaker_id in USER_SPEAKERS:
            role = "user"
        elif message.speaker_id in names:
            role = "character"
        else:
            role = "narrator"
        name = speaker_label(message, names, context.scene.language)
        entries.append(
            {"speaker_id": message.speaker_id, "speaker_name": name, "role": role, "content": message.content}
        )
    return entries


def chat_inputs(
    context: ChatContext,
    character: CharacterRead,
    message: str,
    *,
    history: Sequence[ConversationRead] | None = None,
    passages: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What the offline `chat_reply` and `chat_emotion` skills read (see chat.offline). `passages` (the book's
    passages that bear on the message) is left out when the scene has no text to search."""
    inputs = {
        "language": context.scene.language,
        "scene": scene_inputs(context),
        "character": character_inputs(character),
        "history": history_inputs(context.history if history is None else history, character, context),
        "message": message,
    }
    return inputs if passages is None else inputs | {"passages": list(passages)}


def dialogue_messages(
    context: ChatContext,
    cast: Sequence[CharacterRead],
    *,
    turns: int,
    topic: str = "",
    context_description: str = "",
    situation: str = "",
) -> list[ChatMessage]:
    """The director's brief for an exchange between `cast`, with their real ids (the reference gave none)."""
    language = context.scene.language
    text = _text(language)
    roster = []
    for character in cast:
        facts = " | ".join(_profile(character, language)[:6])
        roster.append(f"- character_id: {character.id} | {character.name}" + (f" | {facts}" if facts else ""))
    system = "\n\n".join(
        [
            text["director"].format(title=context.scene.title),
            f"{text['scene']}: " + " / ".join(_scene_lines(context)),
            f"{text['cast']}:\n" + "\n".join(roster),
        ]
    )
    names = context.speaker_names()
    recent = [f"[{speaker_label(m, names, language)}] {_clip(m.content, 400)}" for m in context.history]
    brief = [f"{text['topic']}: {topic}" if topic else "", f"{text['situation']}: {situation}" if situation else ""]
    brief.append(f"{text['context']}: {context_description}" if context_description else "")
    if recent:
        brief.append(f"{text['recent']}:\n" + "\n".join(recent))
    brief.append(text["lines"].format(turns=turns))
    return [ChatMessage("system", system), ChatMessage("user", "\n\n".join(line for line in brief if line))]


def dialogue_inputs(
    context: ChatContext,
    cast: Sequence[CharacterRead],
    *,
    turns: int,
    topic: str = "",
    context_description: str = "",
    situation: str = "",
) -> dict[str, Any]:
    """What the offline `character_dialogue` skill reads (see chat._dialogue)."""
    return {
        "language": context.scene.language,
        "scene": scene_inputs(context),
        "characters": [character_inputs(character) for character in cast],
        "topic": topic,
        "context_description": context_description,
        "initial_situation": situation,
        "turns": turns,
    }

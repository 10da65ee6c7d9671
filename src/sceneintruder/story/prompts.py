"""The story's prompts (spec §6.2 items 3-7, 9) and the offline skills' `inputs`, from a bounded StoryContext.

Each builder returns the chat messages a model gets and the `inputs` the built-in provider's skill reads
(story.offline documents its keys). Both carry the same facts. Instructions are in the story's language, and
the system prompt asks for the same output the user message does (the reference's contradicted it, B30).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sceneintruder.story._defaults import lang
from sceneintruder.story._text import clip
from sceneintruder.story.context import PASSAGE_CHARS, StoryContext

SEGMENT_CONTEXT_CHARS = 1200


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    inputs: dict[str, Any]


_NARRATOR = {
    "en": (
        "You are the narrator of an interactive story based on the book “{title}”. The player is inside the "
        "story; speak to them in the second person, stay true to the book's people, places and tone, never "
        "mention being an AI, and never give away what comes later in the book."
    ),
    "zh": (
        "你是根据《{title}》改编的互动故事的叙述者。玩家身处故事之中，用第二人称对玩家讲述，"
        "忠于原著的人物、地点与基调，不要提及自己是AI，也不要透露书中后面的情节。"
    ),
}


def _system(context: StoryContext, task: str) -> dict[str, str]:
    language = lang(context.language)
    return {"role": "system", "content": _NARRATOR[language].format(title=context.scene["title"]) + "\n" + task}


def _background(context: StoryContext) -> str:
    scene, zh = context.scene, lang(context.language) == "zh"
    names = "、".join(c["name"] for c in context.cast) if zh else ", ".join(c["name"] for c in context.cast)
    lines = [
        f"{'作品' if zh else 'Book'}: {scene['title']}",
        f"{'背景' if zh else 'Setting'}: {clip(scene['description'] or scene['summary'], 400)}",
    ]
    if scene["era"]:
        lines.append(f"{'时代' if zh else 'Era'}: {scene['era']}")
    if names:
        lines.append(f"{'人物' if zh else 'Characters'}: {names}")
    if context.summary:
        lines.append(f"{'此前经过' if zh else 'So far'}:\n{context.summary}")
    if context.recent:
        lines.append(f"{'最近的情节' if zh else 'Most recently'}:\n" + "\n---\n".join(context.recent))
    if context.events:
        lines.append(f"{'最近的旁白' if zh else 'Recent narration'}:\n" + "\n".join(f"- {e}" for e in context.events))
    return "\n".join(lines)


def segment(context: StoryContext, *, passage: str, index: int, total: int, node_type: str) -> Prompt:
    """§6.2 item 9: one source passage retold as a node, with 2-3 choices."""
    zh = lang(context.language) == "zh"
    task = (
        "把下面的原文片段改写成玩家眼前发生的一幕（约240字），并给出2-3个玩家可以做的选择。只输出JSON："
        '{"content": "...", "type": "...", "choices": [{"text": "...", "consequence": "...", "next_node_hint": "..."}]}'
        if zh
        else "Retell the source passage below as a moment the player lives through (about 120 words) and offer "
        "2-3 things they could do. Answer with JSON only: "
        '{"content": "...", "type": "...", "choices": [{"text": "...", "consequence": "...", "next_node_hint": "..."}]}'
    )
    scene = context.scene
    background = clip(
        f"{scene['title']}. {scene['description'] or scene['summary']} {scene['era']}. "
        + ", ".join(c["name"] for c in context.cast),
        SEGMENT_CONTEXT_CHARS,
    )
    user = (
        f"{'背景' if zh else 'Context'}: {background}\n\n"
        f"{'原文片段' if zh else 'Passage'} {index + 1}/{total}:\n{clip(passage, PASSAGE_CHARS)}\n\n"
        f"{'节点类型' if zh else 'Node type'}: {node_type}"
    )
    inputs = {
        "language": context.language,
        "scene": scene,
        "characters": context.cast,
        "passage": passage[:PASSAGE_CHARS],
        "index": index,
        "total": total,
    }
    return Prompt([_system(context, task), {"role": "user", "content": user}], inputs)


def next_node(
    context: StoryContext, *, choice: dict[str, str], next_passage: str | None, creativity: str, twists: bool
) -> Prompt:
    """§6.2 item 3: what follows the player's choice, leading toward the next passage of the book."""
    zh = lang(context.language) == "zh"
    task = (
        "根据玩家的选择续写下一幕（约220字），自然地引向下一段原文，再给出2-3个选择。只有当故事真的带来新任务、新地点或新物品时才给出"
        "new_task / new_location / new_item，否则省略。只输出JSON："
        '{"content": "...", "type": "event|choice|interaction", "choices": [{"text": "...", "consequence": "...", '
        '"next_node_hint": "..."}], "new_task": {"title": "...", "description": "...", "objectives": ["..."], '
        '"reward": "..."}, "new_location": {"name": "...", "description": "...", "accessible": true}, '
        '"new_item": {"name": "...", "description": "...", "type": "..."}}'
        if zh
        else "Write what follows the player's choice (about 150 words), leading naturally into the next passage of "
        "the book, then offer 2-3 choices. Include new_task, new_location or new_item only when the story really "
        "brings one; otherwise leave them out. Answer with JSON only: "
        '{"content": "...", "type": "event|choice|interaction", "choices": [{"text": "...", "consequence": "...", '
        '"next_node_hint": "..."}], "new_task": {"title": "...", "description": "...", "objectives": ["..."], '
        '"reward": "..."}, "new_location": {"name": "...", "description": "...", "accessible": true}, '
        '"new_item": {"name": "...", "description": "...", "type": "..."}}'
    )
    known = context.known_tasks + context.known_locations + context.known_items
    parts = [
        _background(context),
        f"{'玩家的选择' if zh else 'The player chose'}: {choice['text']}"
        + (f" ({choice['consequence']})" if choice.get("consequence") else ""),
        f"{'进度' if zh else 'Progress'}: {context.progress}% · {context.state}",
        f"{'创意程度' if zh else 'Creativity'}: {creativity} · {'允许转折' if zh else 'plot twists'}: {twists}",
    ]
    if next_passage:
        parts.append(f"{'下一段原文' if zh else 'Next passage of the book'}:\n{clip(next_passage, PASSAGE_CHARS)}")
    else:
        parts.append(
            "原文已经结束，故事由玩家的选择继续。" if zh else "The book has ended; the story goes on from the choices."
        )
    if known:
        parts.append(
            f"{'已有（不要重复）' if zh else 'Already in the story (do not offer again)'}: {', '.join(known[:40])}"
        )
    inputs = {
        "language": context.language,
        "scene": context.scene,
        "characters": context.cast,
        "recent": context.recent,
        "choice": choice,
        "next_passage": next_passage[:PASSAGE_CHARS] if next_passage else None,
        "creativity": creativity,
        "allow_plot_twists": twists,
        "known_locations": context.known_locations,
        "known_items": context.known_items,
        "known_tasks": context.known_tasks,
    }
    return Prompt([_system(context, task), {"role": "user", "content": "\n\n".join(parts)}], inputs)


def advance(context: StoryContext, *, passage: str) -> Prompt:
    """§6.2 item 4: the next passage narrated (plain text, ≤400 Chinese characters or 300 English words)."""
    zh = lang(context.language) == "zh"
    task = (
        "接着玩家已经看到的内容，讲述下一段原文发生的事，不超过400字，不要重复玩家已经读过的句子，只输出正文。"
        if zh
        else "Continue from what the player has seen and narrate what happens in the next passage, in at most "
        "300 words, without repeating sentences they already read. Output the narration only."
    )
    if passage:
        tail = f"{'下一段原文' if zh else 'Next passage'}:\n{clip(passage, PASSAGE_CHARS)}"
    else:
        tail = (
            "原文已经结束：根据此前的经过自然地续写。"
            if zh
            else "The book has ended: continue naturally from what happened."
        )
    inputs = {
        "language": context.language,
        "scene": context.scene,
        "characters": context.cast,
        "recent": context.recent + context.events[-1:],
        "passage": passage[:PASSAGE_CHARS],
    }
    user = f"{_background(context)}\n\n{tail}"
    return Prompt([_system(context, task), {"role": "user", "content": user}], inputs)


_MODES = {
    "en": {
        "story": "Narrate what the player's instruction does in this moment (about 150 words), let a character "
        "present react, and leave the conflict open.",
        "character": "Answer in the first person as {name}, in their own voice and temperament.",
        "group": "Script a short exchange between {names} about the player's instruction, then suggest a next step.",
        "skill": "Describe what the player's skills do to the people, objects and places involved.",
    },
    "zh": {
        "story": "讲述玩家的指令在此刻带来的变化（约220字），让在场的人物作出反应，不要解决冲突。",
        "character": "以{name}的第一人称、用其本人的语气和性情回答。",
        "group": "为{names}写一段围绕玩家指令的简短对话，并建议下一步。",
        "skill": "描述玩家的技能对相关人物、物品和地点产生的效果。",
    },
}


def command(
    context: StoryContext,
    *,
    mode: str,
    order: str,
    current: dict[str, str],
    characters: list[dict[str, Any]],
    item_hints: list[str],
    skill_hints: list[str],
    locations: list[dict[str, Any]],
) -> Prompt:
    """§6.2 items 5-6: the console's answer by mode, with up to four suggestions, as JSON."""
    language = lang(context.language)
    zh = language == "zh"
    names = [c["name"] for c in characters]
    instruction = (
        _MODES[language]
        .get(mode, _MODES[language]["story"])
        .format(name=names[0] if names else "", names=("、" if zh else ", ").join(names))
    )
    task = instruction + (
        ' 只输出JSON：{"reply": "...", "choices": [{"text": "...", "consequence": "...", "next_hint": "...", '
        '"type": "...", "impact": 0.5}]}（最多4个选择）'
        if zh
        else ' Answer with JSON only: {"reply": "...", "choices": [{"text": "...", "consequence": "...", '
        '"next_hint": "...", "type": "...", "impact": 0.5}]} (at most 4 choices).'
    )
    parts = [_background(context)]
    if current.get("content") or current.get("original_content"):
        parts.append(
            f"{'当前情节' if zh else 'Current moment'}:\n{clip(current['content'] or current['original_content'], 900)}"
        )
    if characters:
        parts.append(
            f"{'焦点人物' if zh else 'Focus characters'}:\n"
            + "\n".join(
                f"- {c['name']}: {clip(c.get('personality') or c.get('description') or '', 160)}" for c in characters
            )
        )
    if locations:
        open_word, locked_word = ("可探索", "未解锁") if zh else ("open", "locked")
        parts.append(
            f"{'地点' if zh else 'Places'}: "
            + ", ".join(f"{loc['name']} ({open_word if loc['accessible'] else locked_word})" for loc in locations)
        )
    if skill_hints:
        parts.append(f"{'技能' if zh else 'Skills'}: {', '.join(skill_hints)}")
    if item_hints:
        parts.append(f"{'物品' if zh else 'Items'}: {', '.join(item_hints)}")
    parts.append(f"{'玩家指令' if zh else 'Player instruction'}: {order}")
    inputs = {
        "language": context.language,
        "mode": mode,
        "input": order,
        "scene": context.scene,
        "current": current,
        "characters": characters,
        "item_hints": item_hints,
        "skill_hints": skill_hints,
        "locations": locations,
    }
    return Prompt([_system(context, task), {"role": "user", "content": "\n\n".join(parts)}], inputs)


def explore(context: StoryContext, *, location: Mapping[str, Any], current: str, creativity: str) -> Prompt:
    """§6.2 item 7: what the player finds exploring a location."""
    zh = lang(context.language) == "zh"
    task = (
        "描述玩家探索这个地点时看到的情景（约150字）。只有真的发现了东西才给出found_item；可以给出一个story_event和一条new_clue。只输出JSON："
        if zh
        else "Describe what the player finds exploring this place (about 100 words). Give found_item only when "
        "something is really found; a story_event and a new_clue are optional. Answer with JSON only: "
    ) + (
        '{"description": "...", "found_item": {"name": "...", "description": "...", "type": "..."}, '
        '"story_event": {"content": "...", "type": "discovery|encounter|revelation", "choices": '
        '[{"text": "...", "consequence": "..."}]}, "new_clue": "..."}'
    )
    user = (
        f"{_background(context)}\n\n{'地点' if zh else 'Place'}: {location['name']}\n"
        f"{clip(location.get('description') or '', 400)}\n{'创意程度' if zh else 'Creativity'}: {creativity}"
    )
    inputs = {
        "language": context.language,
        "scene": context.scene,
        "location": {"name": location["name"], "description": location.get("description") or ""},
        "current": {"content": current},
        "characters": context.cast,
        "items": context.held_items,
    }
    return Prompt([_system(context, task), {"role": "user", "content": user}], inputs)

"""The writing assistant's offline skills: no model, so no invented prose.

- `outline`: a skeleton from the framework (genre, chapter count, premise): each chapter placed in its act by
  its position in the book, titled and summarised as a prompt for the writer to fill, marked offline.
- `key_beats` and the chapter commands (`expand_scene`, `add_tension`, generic): questions and prompts built from
  the chapter's own outline and the writer's text, marked as prompts, never passed off as the chapter.
- `polish_language`: a mechanical tidy of the writer's own text (spacing, repeated words, punctuation in
  Chinese), which changes no word choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sceneintruder.textkit import text as textkit_text

ZH_MARK = "【离线提示，非正文】"
EN_MARK = "[Offline prompt, not prose]"
# (share of the book where the act ends, zh name, en name, zh guidance, en guidance)
ACTS = (
    (
        0.25,
        "铺垫",
        "Setup",
        "介绍主角的处境与渴望，埋下引发故事的事件",
        "introduce the lead's situation and want; plant the inciting event",
    ),
    (
        0.5,
        "升级",
        "Rising action",
        "主角追求目标，阻力与代价逐步加大",
        "the lead pursues the goal while obstacles and costs grow",
    ),
    (
        0.75,
        "危机",
        "Crisis",
        "局势反转，主角失去依靠，被迫做出选择",
        "a reversal strips the lead's support and forces a choice",
    ),
    (
        0.9,
        "高潮",
        "Climax",
        "主要冲突正面对决，伏笔在此回收",
        "the main conflict comes to a head; planted threads pay off",
    ),
    (
        1.01,
        "收束",
        "Resolution",
        "交代后果，人物完成变化，留下余韵",
        "show the consequences and how the lead has changed",
    ),
)


def _language(*samples: str) -> str:
    sample = " ".join(s for s in samples if s)
    return "zh" if sample and textkit_text.detect_language(sample) == "zh" else "en"


def _premise(framework: Mapping[str, Any]) -> str:
    theme = framework.get("theme")
    core = theme.get("core") if isinstance(theme, dict) else theme if isinstance(theme, str) else ""
    for value in (framework.get("premise"), core, framework.get("notes"), framework.get("raw")):
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return ""


def _act(index: int, total: int) -> tuple[str, str, str, str]:
    share = index / max(total, 1)
    for end, zh, en, zh_hint, en_hint in ACTS:
        if share <= end:
            return zh, en, zh_hint, en_hint
    return ACTS[-1][1:]  # pragma: no cover - the last act ends past 1.0


def outline(inputs: Mapping[str, Any]) -> dict[str, Any]:
    framework = inputs.get("framework") or {}
    first, last, total = int(inputs["first"]), int(inputs["last"]), int(inputs["total"])
    premise = _premise(framework)
    genre = str(framework.get("genre") or "").strip()[:40]
    language = _language(str(inputs.get("title") or ""), premise, genre)
    chapters = []
    for index in range(first, last + 1):
        zh, en, zh_hint, en_hint = _act(index, total)
        if language == "zh":
            about = f"（{genre}）" if genre else ""
            chapters.append(
                {
                    "index": index,
                    "title": f"第{index}章 · {zh}",
                    "summary": f"{ZH_MARK}{zh}{about}：{zh_hint}。" + (f"前提：{premise}" if premise else ""),
                    "outline": "\n".join(
                        [
                            f"本章要推进什么？（{zh}，全书 {index}/{total}）",
                            "谁想要什么？谁在阻挠？",
                            "本章结尾留下什么悬念或变化？",
                        ]
                    ),
                }
            )
        else:
            about = f" ({genre})" if genre else ""
            chapters.append(
                {
                    "index": index,
                    "title": f"Chapter {index} · {en}",
                    "summary": f"{EN_MARK} {en}{about}: {en_hint}." + (f" Premise: {premise}" if premise else ""),
                    "outline": "\n".join(
                        [
                            f"What does this chapter move forward? ({en}, {index}/{total} of the book)",
                            "Who wants what here, and who stands in the way?",
                            "What question or change closes the chapter?",
                        ]
                    ),
                }
            )
    return {"version": "v1", "chapters": chapters, "offline": True}


def _outline_lines(outline_text: str) -> list[str]:
    return [line.strip(" -•\t") for line in outline_text.splitlines() if line.strip(" -•\t")][:6]


def key_beats(inputs: Mapping[str, Any]) -> str:
    chapter = inputs.get("chapter") or {}
    language = _language(str(chapter.get("title") or ""), str(chapter.get("summary") or ""))
    beats = _outline_lines(str(chapter.get("outline") or ""))
    if language == "zh":
        lines = [ZH_MARK, f"第{chapter.get('index', 1)}章第1场的关键点（请作者据此写作）："]
        lines += [f"- 大纲：{beat}" for beat in beats]
        lines += [
            "- 目标：主角在这一场想得到什么？",
            "- 冲突：谁或什么在阻挠？",
            "- 信息差：读者知道而人物不知道的是什么？",
            "- 行动：这一场发生的关键动作是什么？",
            "- 对话钩子：哪一句话把人物推向下一步？",
            "- 伏笔：埋下什么，预计在哪一章回收？",
        ]
    else:
        lines = [EN_MARK, f"Key beats for chapter {chapter.get('index', 1)}, scene 1 (for the writer to write from):"]
        lines += [f"- Outline: {beat}" for beat in beats]
        lines += [
            "- Goal: what does the lead want in this scene?",
            "- Conflict: who or what stands in the way?",
            "- Information gap: what does the reader know that the characters do not?",
            "- Action: what is the scene's key action?",
            "- Dialogue hook: which line pushes the characters on?",
            "- Foreshadowing: what is planted here, and by which chapter does it pay off?",
        ]
    return "\n".join(lines)


_REPEATED_WORD = re.compile(r"\b(\w+)(\s+\1\b)+", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_ZH_COMMA = re.compile(r"(?<=[\u4e00-\u9fff]),(?=\s*[\u4e00-\u9fff])")
_ZH_PERIOD = re.compile(r"(?<=[\u4e00-\u9fff])\.(?=\s*[\u4e00-\u9fff]|$)", re.MULTILINE)


def tidy(prose: str) -> str:
    """Spacing, doubled words ("the the"), and half-width commas/periods between Chinese characters."""
    out = _REPEATED_WORD.sub(r"\1", prose)
    out = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", out))
    out = _ZH_COMMA.sub("，", out)
    out = _ZH_PERIOD.sub("。", out)
    return "\n".join(line.rstrip() for line in out.strip().splitlines())


def command(inputs: Mapping[str, Any]) -> dict[str, Any]:
    command_id = str(inputs.get("command_id") or "")
    current = str(inputs.get("current_text") or "")
    outline_text = str(inputs.get("outline_text") or "")
    request = " ".join(str(inputs.get(k) or "") for k in ("command", "user_input"))
    language = _language(current[:2000], outline_text, request)
    zh = language == "zh"
    mark = ZH_MARK if zh else EN_MARK
    if command_id == "polish_language" or inputs.get("assist_mode") == "polish":
        if current.strip():
            return {"main_text": tidy(current), "offline": True}
        return {
            "main_text": f"{mark} " + ("没有可润色的正文。" if zh else "There is no text to polish yet."),
            "offline": True,
        }
    beats = _outline_lines(outline_text)
    if command_id == "add_tension" or inputs.get("assist_mode") == "inspiration":
        questions = (
            ["谁会因此失去什么？把代价说清楚。", "给对手一个此刻就能行动的理由。", "让一个秘密在最坏的时机暴露。"]
            if zh
            else [
                "Who stands to lose what here? Make the cost explicit.",
                "Give the opponent a reason to act right now.",
                "Let a secret come out at the worst possible moment.",
            ]
        )
        body = [mark, *(f"- {q}" for q in questions)]
        branches = [{"id": f"b{i}", "text": q} for i, q in enumerate(questions, start=1)]
        return {"main_text": "\n".join(body), "branches": branches, "offline": True}
    heading = "本章写作提示：" if zh else "Prompts for writing this chapter:"
    lines = [mark, heading, *(f"- {'大纲' if zh else 'Outline'}: {beat}" for beat in beats)]
    if inputs.get("previous_ending"):
        ending = str(inputs["previous_ending"]).strip()[-160:]
        lines.append(f"- {'接续上一章结尾' if zh else 'Continue from the previous ending'}: “…{ending}”")
    if str(inputs.get("user_input") or "").strip():
        lines.append(f"- {'作者的要求' if zh else 'Your request'}: {str(inputs['user_input']).strip()[:300]}")
    lines.append(
        "- "
        + (
            "先写出这一章的第一句话，再决定本章结尾的变化。"
            if zh
            else "Write the chapter's first line, then decide the change it ends on."
        )
    )
    return {"main_text": "\n".join(lines), "offline": True}

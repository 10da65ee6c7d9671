"""The prompts the writing assistant sends (spec §11.1-§11.3, in our words): one system message (the language
policy), then one user turn with labelled sections. What a command sees is bounded (`context.py`)."""

from __future__ import annotations

import re
from typing import Any

import orjson

_ASCII_LETTER = re.compile(r"[A-Za-z]")
_COUNTED = re.compile(r"[A-Za-z0-9\u4e00-\u9fff]")


def language_line(sample: str) -> str:
    """§11.3: English when the sample is empty or mostly ASCII letters; else the language of the request."""
    counted = _COUNTED.findall(sample)
    letters = sum(1 for c in counted if _ASCII_LETTER.match(c))
    if not counted or letters > 0.5 * len(counted):
        return "Respond in English. / 请用英文回答。"
    return "Use the language of the user's request; English when unclear. / 使用用户请求的语言（不明确时用英文）。"


def system_prompt(title: str, sample: str) -> str:
    return (
        "You are a professional creative-writing assistant. Obey the user's settings; when JSON is requested, "
        "output strict JSON only. / 你是专业的创意写作助手，遵守用户的设定；要求 JSON 时只输出严格的 JSON。\n"
        f"Project: {title}\n{language_line(sample)}"
    )


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def outline_messages(
    *, title: str, framework: dict[str, Any], first: int, last: int, total: int, previous: list[dict[str, Any]]
) -> list[dict[str, str]]:
    context = "\n".join(
        f"- {c['index']}. {c['title']}: {c['summary'][:220]} | {' / '.join(c['outline'].split(chr(10)))[:260]}"
        for c in previous[-6:]
    )
    user = (
        f"Write the outline of chapters {first}-{last} of a {total}-chapter book, and only those chapters. "
        'Answer with strict JSON: {"version":"v1","chapters":[{"index":n,"title":"...","summary":"one sentence",'
        '"outline":"2-4 short beats, one per line"}]}. Pace the book evenly over all chapters: do not end the '
        "story in this range unless it holds the last chapter.\n"
        f"[framework_json]\n{_json(framework)}\n"
    )
    if context:
        user += (
            f"[existing_outline_context]\n{context}\n"
            "Continue from these chapters: do not repeat or rewrite events already outlined.\n"
        )
    sample = f"{title} {_json(framework)}"
    return [{"role": "system", "content": system_prompt(title, sample)}, {"role": "user", "content": user}]


def beats_messages(*, title: str, framework: dict[str, Any], chapter: dict[str, Any]) -> list[dict[str, str]]:
    user = (
        f"Chapter {chapter['index']}: {chapter['title']}\nSummary: {chapter['summary']}\n"
        f"Outline:\n{chapter['outline']}\n"
        "List 6-10 one-sentence key beats for the first scene of this chapter (plain text, one per line, no JSON): "
        "the goal, the conflict, an information gap, the action, a dialogue hook, a piece of foreshadowing. "
        f"Do not end the story.\n[framework_json]\n{_json(framework)}"
    )
    return [
        {"role": "system", "content": system_prompt(title, f"{title} {chapter['title']} {chapter['summary']}")},
        {"role": "user", "content": user},
    ]


def command_messages(
    *, title: str, framework: dict[str, Any], request: dict[str, Any], context: dict[str, Any]
) -> list[dict[str, str]]:
    sections = [
        f"[assist_mode]\n{request['assist_mode']}",
        f"[command]\n{request['command']}",
        f"[user_input]\n{request['user_input']}",
        f"[current_text]\n{request['current_text']}",
        f"[chapter_outline]\n{context['outline_text']}",
    ]
    if context["previous_ending"]:
        sections.append(f"[previous_chapter_ending]\n{context['previous_ending']}")
    if context["summaries"]:
        sections.append(
            "[chapter_summaries_so_far]\n" + "\n".join(f"{s['chapter']}. {s['summary']}" for s in context["summaries"])
        )
    if context["memory"]:
        sections.append("[memory]\n" + "\n".join(f"- ({m['kind']}) {m['text']}" for m in context["memory"]))
    sections.append(f"[framework_json]\n{_json(framework)}")
    sections.append(
        "Answer with strict JSON: "
        '{"main_text":"readable prose","branches":[{"id":"b1","text":"..."}],"memory_update":{"added_facts":[],'
        '"open_threads":[],"foreshadowing":[{"text":"...","payoff_by":0}],"character_state":{"name":{"key":"value"}},'
        '"resolved_threads":[],"paid_foreshadowing":[]}}. At most 3 branches and 3 entries per memory list. '
        "For a chapter completion, main_text is the chapter's body, continuing the previous chapter and following "
        "the outline. / 只输出严格 JSON；main_text 必须是可读的正文。"
    )
    sample = " ".join([request["command"], request["user_input"], request["current_text"][:2000]])
    return [
        {"role": "system", "content": system_prompt(title, sample)},
        {"role": "user", "content": "\n\n".join(sections)},
    ]

"""What a story starts with before any model has spoken, in the scene's language: its intro and objective, the
first task, and the two choices every passage offers until the LLM narrates it.

Drawn from the scene (its description, summary and cast), never a stock genre (the reference's fallbacks had a
hard-coded military flavour, spec B30).
"""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.story._text import clip


def lang(language: str) -> str:
    return "zh" if language == "zh" else "en"


def intro(title: str, description: str, language: str) -> str:
    if description.strip():
        return clip(description, 600)
    return f"你走进了《{title}》的世界。" if lang(language) == "zh" else f"You step into the world of {title}."


def main_objective(title: str, summary: str, language: str) -> str:
    if summary.strip():
        return clip(summary, 300)
    return (
        f"经历《{title}》的故事，看它走向何方。"
        if lang(language) == "zh"
        else f"Live through {title} and see where it leads."
    )


@dataclass(frozen=True)
class TaskTemplate:
    title: str
    description: str
    objectives: list[str]
    reward: str


def first_task(title: str, characters: list[str], language: str) -> TaskTemplate:
    """The story's main task: meet its two leading characters and reach the end of the text."""
    if lang(language) == "zh":
        objectives = [f"结识{name}" for name in characters[:2]] + ["走完这段故事"]
        return TaskTemplate(f"走进《{title}》", f"在《{title}》中走出自己的路。", objectives, "故事的结局")
    objectives = [f"Get to know {name}" for name in characters[:2]] + ["Reach the end of the story"]
    return TaskTemplate(f"Into {title}", f"Find your own way through {title}.", objectives, "The story's ending")


PASSAGE_CHOICES = {
    "en": (
        ("Go on", "The story moves forward.", "What happens next"),
        ("Take a closer look", "You may notice what others miss.", "A closer look"),
    ),
    "zh": (
        ("继续前行", "故事向前推进。", "接下来发生的事"),
        ("仔细观察", "你也许会注意到旁人忽略的细节。", "细看之下"),
    ),
}
"""(text, consequence, next_node_hint) of the choices a passage offers until it is narrated."""


def passage_type(index: int, total: int) -> str:
    """The reference's types by position: first and last main, every third a branch, the rest side."""
    if index == 0 or index == total - 1:
        return "main"
    return "branch" if index % 3 == 2 else "side"

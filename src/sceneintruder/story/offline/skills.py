"""The built-in provider's story skills: the branching story's AI steps when no model is configured.

Every answer is drawn from the source text and the scene's characters, never from a stock genre (the
reference's offline texts had a hard-coded military flavour, spec B30), in the scene's language:

* `story_segment` retells a source passage as a node (who is present, its key sentences and a quoted line,
  framed for the player) and offers 2-3 choices grounded in it.
* `story_next_node` follows a choice: what the player does and what comes of it, then the next source
  passage, retold. A task, a place or an object is added only when the story really brings one: a task when
  the next passage has someone set on doing something; a place when it names one the player has not met;
  an object when the player's choice was about one (or, in EXPANSIVE mode, one the passage dwells on).
* `story_advance` narrates the next passage, within 300 English words or 400 Chinese characters.
* `story_command` and `story_explore` (in `_console`) answer the story console and exploration.

Same inputs, same answer: wording varies with a stable hash of the inputs. Optional inputs beyond the
documented ones: `known_locations`, `known_items`, `known_tasks` (names the story already has; never
offered again) and `characters[].aliases`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from sceneintruder.story.llm_schemas import (
    TASK_STORY_ADVANCE,
    TASK_STORY_COMMAND,
    TASK_STORY_EXPLORE,
    TASK_STORY_NEXT_NODE,
    TASK_STORY_SEGMENT,
    ItemDraft,
    LocationDraft,
    NextNode,
    SegmentNarration,
    TaskDraft,
)
from sceneintruder.story.offline import narrator as narrate
from sceneintruder.story.offline import phrases as bank
from sceneintruder.story.offline.console import story_command, story_explore
from sceneintruder.story.offline.passages import Passage, cast_in, goal_phrase, read_passage
from sceneintruder.textkit import entities, personas
from sceneintruder.textkit.text import Language, split_sentences

Skill = Callable[[Mapping[str, Any]], str | Mapping[str, Any] | BaseModel]

ADVANCE_LIMITS = {"en": 300, "zh": 400}  # words, characters
_SEGMENT_BUDGET = {"en": 120, "zh": 240}
_NEXT_BUDGET = {"en": 110, "zh": 220}
_SOCIAL = {
    "en": re.compile(r"\b(?:speak|talk|ask|tell|greet|answer|reply|chat|question|persuade|thank|apologi[sz]e)", re.I),
    "zh": re.compile(r"攀谈|交谈|说|问|谈|聊|答|请教|劝|招呼|道谢|赔"),
}
_HYPOTHETICAL = re.compile(r"\b(?:may|might|could|perhaps|possibly)\b|或许|也许|可能|兴许", re.IGNORECASE)
_CLOSED = re.compile(r"\b(?:locked|closed|forbidden|barred|shut)\b|锁|禁|不许|封", re.IGNORECASE)
_DOCUMENTS = re.compile(r"\b(?:letter|note|book|paper|diary|journal|map|newspaper|card)s?\b|书信|信|书|帖|邸报|地图")


def story_segment(inputs: Mapping[str, Any]) -> SegmentNarration:
    """Task `story_segment`: a source passage retold as a node, with 2-3 choices."""
    scene, characters = narrate.mapping_of(inputs.get("scene")), narrate.characters_of(inputs)
    text = narrate.passage_of(inputs.get("passage"))
    language = personas.resolve_language(inputs.get("language"), text, narrate.text_of(scene.get("title")))
    index, total = _int(inputs.get("index"), 0), _int(inputs.get("total"), 1)
    seed = personas.stable_seed(TASK_STORY_SEGMENT, text, index, total, language)
    passage = read_passage(text, characters, language)
    position = "first" if index <= 0 else "last" if index >= total - 1 else "middle"
    lines = [narrate.line(bank.NARRATION, f"lead_{position}", language, seed)]
    atmosphere = narrate.text_of(scene.get("atmosphere"))
    if position == "first" and atmosphere:
        lines.append(narrate.line(bank.NARRATION, "mood", language, seed, topic=atmosphere))
    lines.append(narrate.cast_line(passage, seed))
    lines += narrate.retell(passage, seed, budget=_SEGMENT_BUDGET[language])
    lines.append(narrate.line(bank.NARRATION, "hook", language, seed))
    node_type = "main" if position != "middle" else "branch" if index % 3 == 2 else "side"
    return SegmentNarration(
        content=narrate.join(lines, language), type=node_type, choices=narrate.choices_for(passage, seed)
    )


def story_next_node(inputs: Mapping[str, Any]) -> NextNode:
    """Task `story_next_node`: what follows the player's choice, toward the next source passage."""
    scene, characters = narrate.mapping_of(inputs.get("scene")), narrate.characters_of(inputs)
    choice = narrate.mapping_of(inputs.get("choice"))
    choice_text, consequence = narrate.text_of(choice.get("text")), narrate.text_of(choice.get("consequence"))
    hint = narrate.text_of(choice.get("next_node_hint") or choice.get("next_hint"))
    recent = [narrate.text_of(item) for item in inputs.get("recent") or [] if narrate.text_of(item)]
    following = narrate.passage_of(inputs.get("next_passage"))
    language = personas.resolve_language(
        inputs.get("language"), following, choice_text, *recent[-2:], narrate.text_of(scene.get("title"))
    )
    creativity = narrate.text_of(inputs.get("creativity")).upper() or "BALANCED"
    twists = bool(inputs.get("allow_plot_twists", True))
    seed = personas.stable_seed(TASK_STORY_NEXT_NODE, choice_text, consequence, following, recent[-1:], language)
    seen = " ".join(" ".join(item.split()) for item in recent)
    addressed = cast_in(f"{choice_text} {hint}", characters, language)
    lines = [_act(choice_text, characters, language)]
    if consequence and not _HYPOTHETICAL.search(consequence):
        lines.append(personas.terminated(consequence, language))
    if addressed and creativity != "STRICT":
        lines.append(narrate.line(bank.NARRATION, "reaction", language, seed, a=addressed[0].called))
    if creativity == "EXPANSIVE":
        lines.append(narrate.line(bank.NARRATION, "expansive", language, seed))
    if not following:
        lines.append(narrate.line(bank.NARRATION, "ending", language, seed))
        return NextNode(
            content=narrate.join(lines, language),
            type="choice",
            choices=[narrate.draft(bank.CHOICES, kind, {}, language) for kind in ("end_reflect", "think")],
        )
    passage = read_passage(following, characters, language)
    lines.append(narrate.line(bank.NARRATION, "bridge", language, seed))
    lines += narrate.retell(passage, seed, budget=_NEXT_BUDGET[language], seen=seen)
    if twists and creativity != "STRICT" and personas.chance(seed, "twist", 1, 4):
        lines.append(narrate.line(bank.NARRATION, "twist", language, seed))
    social = bool(addressed) or bool(_SOCIAL[language].search(choice_text))
    known = _known(inputs)
    return NextNode(
        content=narrate.join(lines, language),
        type="interaction" if social else "event",
        choices=narrate.choices_for(passage, seed),
        new_task=_new_task(passage, seen, known),
        new_location=_new_location(passage, seen, known),
        new_item=_new_item(f"{choice_text} {hint}", passage, seen, known, creativity),
    )


def story_advance(inputs: Mapping[str, Any]) -> str:
    """Task `story_advance`: the next passage narrated, within 300 English words or 400 Chinese characters."""
    scene, characters = narrate.mapping_of(inputs.get("scene")), narrate.characters_of(inputs)
    text = narrate.passage_of(inputs.get("passage"))
    recent = [narrate.text_of(item) for item in inputs.get("recent") or [] if narrate.text_of(item)]
    language = personas.resolve_language(
        inputs.get("language"), text, *recent[-1:], narrate.text_of(scene.get("title"))
    )
    seed = personas.stable_seed(TASK_STORY_ADVANCE, text, recent[-1:], language)
    passage = read_passage(text, characters, language, max_narration=8)
    seen = " ".join(" ".join(item.split()) for item in recent)
    limit = ADVANCE_LIMITS[language]
    lines = [narrate.line(bank.NARRATION, "bridge", language, seed), narrate.cast_line(passage, seed)]
    lines += narrate.retell(passage, seed, budget=limit - 40, max_narration=4, max_quotes=2, seen=seen)
    if not passage.narration and not passage.quotes and text.strip():  # nothing to pick: its opening, bounded
        lines.append(personas.clip(text, 240 if language == "zh" else 1200, language))
    lines.append(narrate.line(bank.NARRATION, "hook", language, seed))
    return _bounded(narrate.join(lines, language), language, limit)


def _act(choice_text: str, characters: Sequence[Mapping[str, Any]], language: Language) -> str:
    """The player's choice as what they do: "You speak with Mrs. Bennet." (你与贾母攀谈。)"""
    text = choice_text.strip().rstrip("。.!！")
    if not text:
        return ""
    if language == "zh":
        return narrate.line(bank.NARRATION, "act", language, 0, x=text.removeprefix("我").removeprefix("你"))
    first = text.split(" ", 1)[0].rstrip(",:;")
    names = {word for c in characters for word in narrate.text_of(c.get("name")).split()}
    if text.endswith("?") or first.casefold() in personas.LOWERABLE or first in names or not first.isalpha():
        return narrate.line(bank.NARRATION, "act_quoted", language, 0, x=text)
    if first == "I":
        return narrate.line(bank.NARRATION, "act", language, 0, x=narrate.your_action(text))
    return narrate.line(bank.NARRATION, "act", language, 0, x=text[0].lower() + text[1:])


def _new_task(passage: Passage, seen: str, known: Mapping[str, set[str]]) -> TaskDraft | None:
    """A task when the passage has a character set on doing something the player has not heard yet."""
    if not passage.goal or narrate.was_seen(passage.goal, seen):
        return None
    language = passage.language
    phrase = goal_phrase(passage.goal, language)
    title = phrase[0].upper() + phrase[1:] if language == "en" else phrase
    if not title or title.casefold() in known["tasks"]:
        return None
    named = cast_in(passage.goal, [{"id": m.id, "name": m.name} for m in passage.cast], language)
    who = (named or list(passage.cast))[0].called
    objectives = [part.format(a=who, goal=title) for part in bank.TASK["objectives"][language]]
    return TaskDraft(
        title=title,
        description=personas.clip(passage.goal, 100 if language == "zh" else 240, language),
        objectives=objectives,
        reward=bank.TASK["reward"][language][0].format(a=who),
    )


def _new_location(passage: Passage, seen: str, known: Mapping[str, set[str]]) -> LocationDraft | None:
    """The first named place of the passage the player has not met (not in what they were shown)."""
    language = passage.language
    folded = seen.casefold()
    for place in passage.places:
        if language == "en" and not place[:1].isupper():
            continue
        if place.casefold() in folded or place.casefold() in known["locations"]:
            continue
        sentence = _sentence_with(passage.text, place, language)
        return LocationDraft(
            name=place,
            description=personas.clip(sentence, 100 if language == "zh" else 240, language),
            accessible=not _CLOSED.search(sentence),
        )
    return None


def _new_item(
    chosen: str, passage: Passage, seen: str, known: Mapping[str, set[str]], creativity: str
) -> ItemDraft | None:
    """The object the player's choice was about; in EXPANSIVE mode also one the passage mentions three
    times or more. Never one the story already has."""
    language = passage.language
    candidates = list(entities.things_in(chosen, language).items)
    if creativity == "EXPANSIVE":
        candidates += [
            item for item in passage.items if passage.text.count(item) >= 3 and item.casefold() not in seen.casefold()
        ]
    for name in candidates:
        if name.casefold() in known["items"]:
            continue
        sentence = _sentence_with(passage.text, name, language) or _sentence_with(seen, name, language)
        return ItemDraft(
            name=name,
            description=personas.clip(sentence, 100 if language == "zh" else 240, language) if sentence else "",
            type="document" if _DOCUMENTS.search(name) else "item",
        )
    return None


def _sentence_with(text: str, name: str, language: Language) -> str:
    for sentence in split_sentences(text):
        if (name in sentence) if language == "zh" else re.search(rf"\b{re.escape(name)}\b", sentence, re.I):
            return " ".join(sentence.split()).strip('“”"')
    return ""


def _bounded(text: str, language: Language, limit: int) -> str:
    if narrate.size(text, language) <= limit:
        return text
    if language == "zh":
        return personas.clip(text, limit, language)
    return personas.clip(" ".join(text.split()[:limit]), len(text), language).rstrip() + "…"


def _known(inputs: Mapping[str, Any]) -> Mapping[str, set[str]]:
    def name(value: Any) -> str:
        return narrate.text_of(value.get("name") if isinstance(value, Mapping) else value).casefold()

    return {key: {name(v) for v in inputs.get(f"known_{key}") or []} for key in ("locations", "items", "tasks")}


def _int(value: Any, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


SKILLS: Mapping[str, Skill] = MappingProxyType(
    {
        TASK_STORY_SEGMENT: story_segment,
        TASK_STORY_NEXT_NODE: story_next_node,
        TASK_STORY_ADVANCE: story_advance,
        TASK_STORY_COMMAND: story_command,
        TASK_STORY_EXPLORE: story_explore,
    }
)
"""Task name → offline skill, for the app to register with the LLM client in one loop."""

"""The offline story console (`story_command`) and exploration (`story_explore`).

The console answers by mode (spec §6.2 items 5-6): `story` narrates what the player's instruction does in the
current moment, how a character present reacts, and leaves the conflict open; `character` answers in the first
person as the first selected character (its temperament, speech style and knowledge); `group` scripts a line
for each selected character and suggests a next step; `skill` describes the effect of the named skills on
the people, objects and places the instruction involves. Any other mode is `story`. Up to four suggestions.

Exploration describes the place from its own description and the current passage, meets a character
associated with it, and finds only an object named there (never one the player already holds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sceneintruder.story.llm_schemas import (
    TASK_STORY_COMMAND,
    TASK_STORY_EXPLORE,
    CommandChoice,
    CommandReply,
    EventChoice,
    ExploreResult,
    ItemDraft,
    StoryEventDraft,
)
from sceneintruder.story.offline import narrator as narrate
from sceneintruder.story.offline import phrases as bank
from sceneintruder.story.offline.passages import cast_in, read_passage
from sceneintruder.textkit import entities, personas
from sceneintruder.textkit.text import Language, split_sentences

_IMPACTS = (0.8, 0.6, 0.45, 0.3)
_CHOICE_TYPES = {
    "go_on": "action",
    "hear": "dialogue",
    "explore": "explore",
    "use_item": "item",
    "use_skill": "skill",
    "wait": "wait",
    "press": "dialogue",
    "change": "dialogue",
    "side": "dialogue",
}
_REVELATION = re.compile(
    r"\b(?:secret|hidden|truth|mystery|strange|conceal\w*|never told)\b|秘密|暗中|真相|原来|蹊跷|隐情|来历", re.I
)


def story_command(inputs: Mapping[str, Any]) -> CommandReply:
    """Task `story_command`: the console's reply and up to four suggestions."""
    scene, current = narrate.mapping_of(inputs.get("scene")), narrate.mapping_of(inputs.get("current"))
    order = narrate.text_of(inputs.get("input"))
    source = narrate.passage_of(current.get("original_content")) or narrate.passage_of(current.get("content"))
    language = personas.resolve_language(inputs.get("language"), order, source, narrate.text_of(scene.get("title")))
    mode = narrate.text_of(inputs.get("mode")).casefold()
    mode = mode if mode in ("character", "group", "skill") else "story"
    characters = narrate.characters_of(inputs)
    cast = [personas.Persona.from_mapping(c, language) for c in characters]
    seed = personas.stable_seed(TASK_STORY_COMMAND, mode, order, source[:200], [p.name for p in cast], language)
    context = _Context(language, order, source, cast, inputs, seed)
    if mode == "character" and cast:
        return _character_mode(context)
    if mode == "group" and cast:
        return _group_mode(context)
    if mode == "skill":
        return _skill_mode(context)
    return _story_mode(context, note=mode in ("character", "group"))


class _Context:
    """One console call, read once."""

    def __init__(
        self,
        language: Language,
        order: str,
        source: str,
        cast: list[personas.Persona],
        inputs: Mapping[str, Any],
        seed: int,
    ) -> None:
        self.language, self.order, self.source, self.personas, self.seed = language, order, source, cast, seed
        self.items = [narrate.text_of(i) for i in inputs.get("item_hints") or [] if narrate.text_of(i)]
        self.skills = [narrate.text_of(s) for s in inputs.get("skill_hints") or [] if narrate.text_of(s)]
        locations = [narrate.mapping_of(loc) for loc in inputs.get("locations") or []]
        self.locations = [(narrate.text_of(loc.get("name")), bool(loc.get("accessible"))) for loc in locations]
        self.locations = [(name, accessible) for name, accessible in self.locations if name]
        profiles = [{"id": p.id, "name": p.name, "aliases": list(p.aliases)} for p in cast]
        present = cast_in(source, profiles, language)
        self.present = [p for m in present for p in cast if p.name == m.name] or cast[:1]
        topic = personas.key_phrase(order, language, [p.name for p in cast])
        fallback = "这件事" if language == "zh" else "that"
        self.topic = topic.text if topic.strong else fallback  # what a character gives a view of
        self.subject = topic.text if topic.strong else f"“{personas.clip(order, 30, language)}”" if order else fallback
        self.passage = read_passage(source, profiles, language, max_narration=1)

    def line(self, table: Mapping[str, Any], key: str, **slots: str) -> str:
        return narrate.line(table, key, self.language, self.seed, **slots)

    def mentioned_location(self) -> tuple[str, bool] | None:
        names = personas.mentions(self.order, [name for name, _ in self.locations], self.language)
        return next(((n, a) for n, a in self.locations if names and n == names[0]), None)


def _story_mode(context: _Context, *, note: bool = False) -> CommandReply:
    language = context.language
    lines = [context.line(bank.CONSOLE, "no_character")] if note else []
    lines.append(_action(context.order, language))
    if context.present:
        persona = context.present[0]
        words = _persona_words(persona, context, context.seed)
        lines.append(context.line(bank.CONSOLE, "react", a=persona.called, s=words))
    lines += narrate.retell(context.passage, context.seed, budget=60 if language == "en" else 120, max_quotes=0)
    lines += _location_and_item_lines(context)
    lines.append(context.line(bank.CONSOLE, "unresolved"))
    kinds = [("go_on", {"x": personas.clip(context.order, 40, language)})]
    kinds += [("hear", {"a": p.called}) for p in context.present[:1]]
    kinds += _world_choices(context)
    return _reply(lines, kinds, context)


def _character_mode(context: _Context) -> CommandReply:
    persona, language, seed = context.personas[0], context.language, context.seed
    parts: list[str] = []
    people = [name for other in context.personas for name in other.names]
    fact = None
    if personas.is_question(context.order, language):
        fact = personas.recall(persona, context.order, extra=split_sentences(context.source), limit=140)
    if fact:
        parts.append(personas.tell_fact(persona, fact, seed))
    else:
        parts.append(personas.view(persona, context.topic, people, seed))
    own = [s for s in split_sentences(context.source) if personas.mentions(s, persona.names, language)]
    if own:
        parts.append(
            personas.clip(personas.first_person(own[0].strip(), persona), 160 if language == "en" else 70, language)
        )
    parts.append(personas.stance(persona, seed))
    parts[0] = personas.with_interjection(persona, parts[0], seed)
    reply = personas.apply_style(narrate.join(parts, language), persona, seed)
    kinds = [("press", {"a": persona.called}), ("change", {"a": persona.called})]
    kinds += [("go_on", {"x": personas.clip(context.order, 40, language)})]
    return _reply([reply], kinds, context)


def _group_mode(context: _Context) -> CommandReply:
    language, cast = context.language, context.personas[:4]
    names = narrate.names_list([p.called for p in cast], language)
    lines = [context.line(bank.CONSOLE, "group_intro", names=names, topic=context.subject)]
    for persona in cast:
        words = _persona_words(persona, context, personas.stable_seed(context.seed, persona.id))
        lines.append(f"{persona.called}：“{words}”" if language == "zh" else f"{persona.called}: “{words}”")
    if len(cast) > 1:
        lines.append(context.line(bank.CONSOLE, "group_outro", a=cast[0].called, b=cast[1].called))
    else:
        lines.append(context.line(bank.CONSOLE, "group_outro_one", a=cast[0].called))
    kinds = [("side", {"a": p.called}) for p in cast[:2]] + [("wait", {})]
    return CommandReply(reply="\n".join(lines), choices=_choices(kinds, context))


def _skill_mode(context: _Context) -> CommandReply:
    language = context.language
    lines: list[str] = []
    if not context.skills:
        lines += [context.line(bank.CONSOLE, "no_skill"), _action(context.order, language)]
    targets = [p for p in context.personas if personas.mentions(context.order, p.names, language)]
    place = context.mentioned_location()
    for skill in context.skills[:2]:
        lines.append(context.line(bank.CONSOLE, "skill", skill=skill))
        if targets:
            lines.append(context.line(bank.CONSOLE, "skill_person", a=targets[0].called))
        elif context.items:
            lines.append(context.line(bank.CONSOLE, "skill_item", i=personas.thing(context.items[0], language)))
        elif place:
            lines.append(context.line(bank.CONSOLE, "skill_place", p=place[0]))
        else:
            lines.append(context.line(bank.CONSOLE, "skill_none"))
    lines.append(context.line(bank.CONSOLE, "unresolved"))
    kinds = [("use_skill", {"skill": skill}) for skill in context.skills[:2]]
    kinds += [("go_on", {"x": personas.clip(context.order, 40, language)}), ("wait", {})]
    return _reply(lines, kinds, context)


def _persona_words(persona: personas.Persona, context: _Context, seed: int) -> str:
    """A short in-character remark on the instruction's subject, in the persona's register."""
    people = [name for other in context.personas for name in other.names]
    words = personas.with_interjection(persona, personas.view(persona, context.topic, people, seed), seed)
    return personas.apply_style(words, persona, seed)


def _action(order: str, language: Language) -> str:
    """The player's instruction as what they do ("You look around."), or as what they say when it is a
    question or not an action."""
    text = order.strip().rstrip("。.")
    if not text:
        return ""
    if language == "zh":
        if personas.is_question(text, language):
            return narrate.line(bank.CONSOLE, "say", language, 0, x=text)
        return narrate.line(bank.NARRATION, "act", language, 0, x=text.removeprefix("我").removeprefix("你"))
    first = text.split(" ", 1)[0]
    if first == "I":
        return narrate.line(bank.NARRATION, "act", language, 0, x=narrate.your_action(text))
    if personas.is_question(text, language) or first.casefold() in personas.LOWERABLE or not first.isalpha():
        return narrate.line(bank.CONSOLE, "say", language, 0, x=text)
    return narrate.line(bank.NARRATION, "act", language, 0, x=text[0].lower() + text[1:])


def _location_and_item_lines(context: _Context) -> list[str]:
    lines = []
    place = context.mentioned_location()
    if place:
        lines.append(context.line(bank.CONSOLE, "open" if place[1] else "locked", p=place[0]))
    if context.items:
        lines.append(context.line(bank.CONSOLE, "item", i=personas.thing(context.items[0], context.language)))
    return lines


def _world_choices(context: _Context) -> list[tuple[str, dict[str, str]]]:
    kinds: list[tuple[str, dict[str, str]]] = []
    open_places = [name for name, accessible in context.locations if accessible]
    if open_places:
        kinds.append(("explore", {"p": personas.pick(open_places, context.seed, "place")}))
    if context.items:
        kinds.append(("use_item", {"i": personas.thing(context.items[0], context.language)}))
    if context.skills:
        kinds.append(("use_skill", {"skill": context.skills[0]}))
    return [*kinds, ("wait", {})]


def _reply(lines: Sequence[str], kinds: list[tuple[str, dict[str, str]]], context: _Context) -> CommandReply:
    return CommandReply(reply=narrate.join(lines, context.language), choices=_choices(kinds, context))


def _choices(kinds: list[tuple[str, dict[str, str]]], context: _Context) -> list[CommandChoice]:
    choices = []
    for position, (kind, slots) in enumerate(kinds[:4]):
        text, consequence, hint = (part.format(**slots) for part in bank.CONSOLE_CHOICES[kind][context.language])
        consequence = consequence[0].upper() + consequence[1:] if context.language == "en" else consequence
        choices.append(
            CommandChoice(
                text=text, consequence=consequence, next_hint=hint, type=_CHOICE_TYPES[kind], impact=_IMPACTS[position]
            )
        )
    return choices


def story_explore(inputs: Mapping[str, Any]) -> ExploreResult:
    """Task `story_explore`: what the player finds at a location."""
    scene, location = narrate.mapping_of(inputs.get("scene")), narrate.mapping_of(inputs.get("location"))
    current = narrate.passage_of(narrate.mapping_of(inputs.get("current")).get("content"))
    name = narrate.text_of(location.get("name")) or narrate.text_of(scene.get("title"))
    described = narrate.text_of(location.get("description"))
    language = personas.resolve_language(inputs.get("language"), described, current, name)
    seed = personas.stable_seed(TASK_STORY_EXPLORE, name, described, current[:300], language)
    characters = narrate.characters_of(inputs)
    held = {narrate.text_of(i).casefold() for i in inputs.get("items") or []}
    here = cast_in(described, characters, language)
    around = cast_in(current, characters, language) if name and name in current else []
    lines = [narrate.line(bank.EXPLORE, "intro", language, seed, p=name)]
    if described:
        lines.append(personas.clip(described, 120 if language == "zh" else 300, language))
    people = here or around
    if people:
        lines.append(
            narrate.line(
                bank.EXPLORE,
                "present",
                language,
                seed,
                names=narrate.names_list([m.called for m in people[:3]], language),
            )
        )
    elif characters:
        lines.append(narrate.line(bank.EXPLORE, "nobody", language, seed))
    found = _found_item(described, current, held, language, seed)
    if found:
        lines.append(narrate.line(bank.EXPLORE, "noticed", language, seed, i=personas.thing(found.name, language)))
    return ExploreResult(
        description=narrate.join(lines, language),
        found_item=found,
        story_event=_event(people[0].called if people else None, described, current, found, language, seed),
        new_clue=_clue(name, described, current, found, language),
    )


def _found_item(described: str, current: str, held: set[str], language: Language, seed: int) -> ItemDraft | None:
    """An object named in the place's description (else in the current passage) that the player does not
    hold yet, found two times in three."""
    for text in (described, current):
        if not text.strip():
            continue
        found = [item for item in entities.things_in(text, language).items if item.casefold() not in held]
        names = [name for name in found if language == "en" or len(name) > 1] or found
        if names and personas.chance(seed, "find", 2, 3):
            sentence = next((s for s in split_sentences(text) if names[0] in s), "")
            return ItemDraft(
                name=names[0], description=personas.clip(sentence, 100 if language == "zh" else 240, language)
            )
    return None


def _event(
    someone: str | None, described: str, current: str, found: ItemDraft | None, language: Language, seed: int
) -> StoryEventDraft | None:
    def choices(*keys: str, **slots: str) -> list[EventChoice]:
        return [
            EventChoice(text=t.format(**slots), consequence=c.format(**slots))
            for t, c in (bank.EXPLORE[k][language] for k in keys)
        ]

    if someone:
        content = narrate.line(bank.EXPLORE, "encounter", language, seed, a=someone)
        return StoryEventDraft(
            content=content, type="encounter", choices=choices("encounter_greet", "encounter_leave", a=someone)
        )
    revealing = next((s for s in split_sentences(f"{described} {current}") if _REVELATION.search(s)), None)
    if revealing:
        sentence = personas.clip(revealing.strip(), 80 if language == "zh" else 200, language)
        content = narrate.line(bank.EXPLORE, "revelation", language, seed, s=sentence)
        return StoryEventDraft(
            content=content, type="revelation", choices=choices("revelation_follow", "revelation_keep")
        )
    if found:
        thing = personas.thing(found.name, language)
        content = narrate.line(bank.EXPLORE, "discovery", language, seed, i=thing)
        return StoryEventDraft(
            content=content, type="discovery", choices=choices("discovery_take", "discovery_leave", i=thing)
        )
    return None


def _clue(name: str, described: str, current: str, found: ItemDraft | None, language: Language) -> str | None:
    """A sentence of the current passage about this place (or the object found there), if it has one."""
    for target in (name, found.name if found else ""):
        if not target:
            continue
        for sentence in split_sentences(current):
            if target in sentence and sentence.strip() not in described:
                return personas.clip(sentence.strip(), 80 if language == "zh" else 200, language)
    return None

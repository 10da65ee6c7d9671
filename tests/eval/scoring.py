"""The cast evaluation set and its scorer.

Each case is a text under `texts/` (or `../fixtures/`) with a hand-made gold list under `gold/`: the characters
(with every form the text uses for them), the locations and the key items. `analyse` runs the offline analysis
exactly as a scene's analysis job does (chunks of ANALYSIS_CHUNK_CHARS, the built-in provider's skill on each,
then the merge), and `score` compares its cast with the gold list:

- a predicted character is *correct* when one of its names (its name or an alias) is a name of exactly one gold
  character; it is *merged* when its names cover two gold characters, a *place or item* when its names are only
  a gold location or item, and *spurious* otherwise; merged, place-or-item and spurious characters are errors;
- precision is correct / predicted; recall is the share of the gold characters named at least three times in the
  text (by any of their forms) that some predicted character matches;
- a predicted character whose display name starts with an epithet ("Poor Alice") or is only a title is counted
  apart, as the analysis must fold those into the person.

Matching ignores case, a trailing dot after a title and a leading "the". Scores are summed over the cases of
one language (micro-averaged), so a long text weighs more than a short one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sceneintruder.scenes.analysis_schema import SceneAnalysis
from sceneintruder.scenes.merge import merge_analyses
from sceneintruder.scenes.offline.analysis import analyze_chunk
from sceneintruder.textkit import text as textkit

HERE = Path(__file__).parent
ANALYSIS_CHUNK_CHARS = 20_000  # the default ANALYSIS_CHUNK_CHARS setting
NAMED_AT_LEAST = 3
EN_EPITHETS = frozenset({"poor", "little", "old", "young", "dear", "good", "great", "big", "wicked", "silly"})


@dataclass(frozen=True)
class GoldCharacter:
    name: str
    aliases: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Case:
    name: str
    language: str
    source: str
    text: str
    characters: tuple[GoldCharacter, ...]
    locations: tuple[str, ...]
    items: tuple[str, ...]

    def mentions(self, character: GoldCharacter) -> int:
        """How often the text names `character` by any of its forms (longest form first, no overlaps)."""
        forms = sorted(set(character.forms), key=lambda f: (-len(f), f))
        alternation = "|".join(re.escape(form) for form in forms)
        pattern = rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])" if self.language == "en" else alternation
        return len(re.findall(pattern, self.text))

    @property
    def required(self) -> list[GoldCharacter]:
        """The characters recall is measured on: named at least NAMED_AT_LEAST times."""
        return [c for c in self.characters if self.mentions(c) >= NAMED_AT_LEAST]


def load_cases() -> list[Case]:
    cases = []
    for path in sorted((HERE / "gold").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        cases.append(
            Case(
                name=path.stem,
                language=gold["language"],
                source=gold["source"],
                text=(HERE / gold["text"]).read_text(encoding="utf-8"),
                characters=tuple(GoldCharacter(c["name"], tuple(c["aliases"])) for c in gold["characters"]),
                locations=tuple(gold["locations"]),
                items=tuple(gold["items"]),
            )
        )
    return cases


def analyse(case: Case) -> SceneAnalysis:
    """The offline analysis of the case's text, as the scene analysis job runs it."""
    language = textkit.detect_language(case.text)
    chunks = textkit.chunk_text(case.text, max_chars=ANALYSIS_CHUNK_CHARS)
    return merge_analyses([analyze_chunk(chunk.text, language=language) for chunk in chunks], language=language)


def _key(name: str) -> str:
    name = " ".join(name.split()).casefold()
    name = re.sub(r"^the\s+", "", name)
    return re.sub(r"\b(mr|mrs|ms|dr|st)\.", r"\1", name)


@dataclass
class CaseScore:
    case: str
    language: str
    predicted: list[str] = field(default_factory=list)
    correct: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    places_or_items: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    epithet_names: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)

    @property
    def missed(self) -> list[str]:
        return [name for name in self.required if name not in self.found]


def score(case: Case, analysis: SceneAnalysis) -> CaseScore:
    result = CaseScore(case=case.name, language=case.language)
    owner: dict[str, set[str]] = {}
    for character in case.characters:
        for form in character.forms:
            owner.setdefault(_key(form), set()).add(character.name)
    things = {_key(name) for name in (*case.locations, *case.items)}
    matched: set[str] = set()
    for predicted in analysis.characters:
        names = {_key(name) for name in (predicted.name, *predicted.aliases)}
        gold = set().union(*(owner.get(name, set()) for name in names))
        result.predicted.append(predicted.name)
        if len(gold) == 1:
            result.correct.append(predicted.name)
            matched |= gold
        elif len(gold) > 1:
            result.merged.append(predicted.name)
        elif names & things:
            result.places_or_items.append(predicted.name)
        else:
            result.spurious.append(predicted.name)
        first = predicted.name.split()[0].casefold() if predicted.name.split() else ""
        if case.language == "en" and first in EN_EPITHETS and len(predicted.name.split()) > 1:
            result.epithet_names.append(predicted.name)
    result.required = [character.name for character in case.required]
    result.found = [name for name in result.required if name in matched]
    return result


@dataclass(frozen=True)
class LanguageScore:
    language: str
    predicted: int
    correct: int
    required: int
    found: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.required if self.required else 0.0


def by_language(scores: Iterable[CaseScore]) -> dict[str, LanguageScore]:
    totals: dict[str, list[int]] = {}
    for s in scores:
        row = totals.setdefault(s.language, [0, 0, 0, 0])
        row[0] += len(s.predicted)
        row[1] += len(s.correct)
        row[2] += len(s.required)
        row[3] += len(s.found)
    return {language: LanguageScore(language, *row) for language, row in sorted(totals.items())}


def report(scores: list[CaseScore]) -> str:
    """A table of the per-case scores and each language's totals, for the benchmark and failing tests."""
    lines = [f"{'case':36} {'prec':>5} {'recall':>6}  errors"]
    for s in scores:
        precision = len(s.correct) / len(s.predicted) if s.predicted else 0.0
        recall = len(s.found) / len(s.required) if s.required else 0.0
        errors = s.merged + s.places_or_items + s.spurious
        lines.append(f"{s.case:36} {precision:5.2f} {recall:6.2f}  wrong={errors} missed={s.missed}")
    for language, total in by_language(scores).items():
        lines.append(f"{'== ' + language:36} {total.precision:5.2f} {total.recall:6.2f}")
    return "\n".join(lines)


def evaluate() -> list[CaseScore]:
    return [score(case, analyse(case)) for case in load_cases()]

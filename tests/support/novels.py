"""Realistic skill inputs from the fixture chapters: characters found by the offline analyser (as scene
creation finds them), passages cut as story initialisation cuts them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sceneintruder.scenes.analysis_schema import SceneAnalysis
from sceneintruder.scenes.merge import merge_analyses
from sceneintruder.scenes.offline.analysis import analyze_chunk
from sceneintruder.textkit.text import Language, chunk_text, split_segments

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_FILES = {"en": "pride_and_prejudice_ch1-3.txt", "zh": "hongloumeng_ch03.txt"}
_TITLES = {"en": "Pride and Prejudice", "zh": "红楼梦"}


@dataclass(frozen=True)
class Novel:
    language: Language
    analysis: SceneAnalysis
    segments: tuple[str, ...]

    @property
    def title(self) -> str:
        return _TITLES[self.language]

    def profiles(self, count: int = 10) -> list[dict[str, Any]]:
        """Full character profiles, as the chat skills receive them (ids like the app's)."""
        return [
            {**character.model_dump(exclude={"key", "relationships", "mentions", "dialogue_lines"}), "id": f"char_{i}"}
            for i, character in enumerate(self.analysis.characters[:count])
        ]

    def profile(self, name: str) -> dict[str, Any]:
        return next(p for p in self.profiles(30) if p["name"] == name or name in p["aliases"])

    def cast(self, count: int = 12) -> list[dict[str, Any]]:
        """The short character list the story skills receive."""
        return [
            {"id": p["id"], "name": p["name"], "role": p["role"], "aliases": p["aliases"]} for p in self.profiles(count)
        ]

    def segment_inputs(self, index: int) -> dict[str, Any]:
        """The inputs of the `story_segment` task for the passage at `index`."""
        return {
            "language": self.language,
            "scene": self.scene(),
            "characters": self.cast(),
            "passage": self.segments[index],
            "index": index,
            "total": len(self.segments),
        }

    def scene(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": "",
            "summary": self.analysis.summary,
            "era": self.analysis.era,
            "atmosphere": self.analysis.atmosphere,
            "characters": [{"name": c.name, "aliases": c.aliases} for c in self.analysis.characters],
            "locations": [location.name for location in self.analysis.locations],
        }


@functools.cache
def novel(language: Language) -> Novel:
    text = (FIXTURES / _FILES[language]).read_text(encoding="utf-8")
    chunks = [analyze_chunk(chunk.text, language=language) for chunk in chunk_text(text, 6000)]
    analysis = merge_analyses(chunks, language=language)
    return Novel(language=language, analysis=analysis, segments=tuple(split_segments(text)))

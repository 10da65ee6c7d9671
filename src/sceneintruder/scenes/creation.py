"""Storing an analysed text as a scene: every row in one transaction, so a scene is never half-written.

The scene keeps the whole source text and all of its ~900-character segments (the story turns each one into
a node; the reference kept only the first 12), the merged characters with relationships re-keyed from the
analysis keys to the new character ids, the items and the locations.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.ids import new_id
from sceneintruder.scenes import analysis_schema
from sceneintruder.scenes.models import Scene, SceneCharacter, SceneItem, SceneSegment, SceneText
from sceneintruder.textkit import text

SEGMENT_CHARS = 900
SEGMENT_SUMMARY_CHARS = 160
DESCRIPTION_CHARS = 300
_SEGMENT_TITLES = {"en": "Original Segment {n}", "zh": "原文片段 {n}"}


@dataclass(frozen=True)
class Segment:
    index: int
    title: str
    summary: str
    start_paragraph: int
    end_paragraph: int
    text: str


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def segments_of(source: str, language: str) -> list[Segment]:
    """The whole text in order as segments, each with its paragraph range and a short summary."""
    pieces = text.split_segments(source, target_chars=SEGMENT_CHARS)
    paragraph_ends = [end for _, end in text.paragraph_spans(source)]
    title = _SEGMENT_TITLES["zh" if language == "zh" else "en"]
    segments = []
    offset = 0
    for index, piece in enumerate(pieces):
        first = bisect.bisect_right(paragraph_ends, offset)
        last = bisect.bisect_right(paragraph_ends, max(offset, offset + len(piece.rstrip()) - 1))
        head = text.sentence_spans(piece, 0, min(len(piece), 2 * SEGMENT_SUMMARY_CHARS))  # the first is enough
        summary = _clip(piece[head[0][0] : head[0][1]] if head else piece, SEGMENT_SUMMARY_CHARS)
        segments.append(Segment(index, title.format(n=index + 1), summary, first, max(first, last), piece))
        offset += len(piece)
    return segments


def _location_description(location: analysis_schema.SceneLocation) -> str:
    return location.description or ""


def analysed_fields(analysis: analysis_schema.SceneAnalysis) -> dict[str, Any]:
    """The scene's columns an analysis decides (title, text, segments and story are the writer's)."""
    return {
        "description": _clip(analysis.summary, DESCRIPTION_CHARS),
        "summary": analysis.summary,
        "era": analysis.era,
        "atmosphere": analysis.atmosphere,
        "themes": list(analysis.themes),
        "locations": [{"name": loc.name, "description": _location_description(loc)} for loc in analysis.locations],
    }


def analysis_record(
    analysis: analysis_schema.SceneAnalysis, *, provider: str, text_characters: int, fallback_reason: str = ""
) -> dict[str, Any]:
    """`scene.analysis`: what made the current analysis, and of what (and why parts were made offline)."""
    record: dict[str, Any] = {
        "provider": provider,
        "chunk_count": analysis.chunk_count,
        "text_characters": text_characters,
        "character_count": len(analysis.characters),
    }
    if fallback_reason:
        record["fallback_reason"] = fallback_reason
    return record


async def store_analyzed_scene(
    session: AsyncSession,
    *,
    owner_id: str,
    title: str,
    source: str,
    analysis: analysis_schema.SceneAnalysis,
    provider: str,
    origin: str = "",
    segments: list[Segment] | None = None,
    fallback_reason: str = "",
) -> Scene:
    """`segments` may be computed beforehand (segments_of is CPU work a caller can overlap with analysis)."""
    now = utcnow()
    scene = Scene(
        id=new_id("scene"),
        owner_id=owner_id,
        title=title,
        source=origin,
        **analysed_fields(analysis),
        language=analysis.language,
        analysis=analysis_record(
            analysis, provider=provider, text_characters=len(source), fallback_reason=fallback_reason
        ),
        created_at=now,
        last_updated=now,
        last_accessed=now,
    )
    session.add(scene)
    session.add(SceneText(scene_id=scene.id, content=source, char_count=len(source)))
    for segment in segments if segments is not None else segments_of(source, analysis.language):
        session.add(
            SceneSegment(
                scene_id=scene.id,
                index=segment.index,
                title=segment.title,
                summary=segment.summary,
                start_paragraph=segment.start_paragraph,
                end_paragraph=segment.end_paragraph,
                text=segment.text,
            )
        )
    ids = {character.key: new_id("char") for character in analysis.characters}
    for position, character in enumerate(analysis.characters):
        session.add(
            SceneCharacter(
                id=ids[character.key],
                scene_id=scene.id,
                position=position,
                name=character.name,
                aliases=list(character.aliases),
                role=character.role,
                description=character.description,
                personality=character.personality,
                traits=list(character.traits),
                background=character.background,
                speech_style=character.speech_style,
                knowledge=list(character.knowledge),
                relations=[
                    {"character_id": ids[key], "relation": relation}
                    for key, relation in character.relationships.items()
                    if key in ids and key != character.key
                ],
                mentions=character.mentions + character.dialogue_lines,
                created_at=now,
                last_updated=now,
            )
        )
    for item in analysis.items:
        session.add(
            SceneItem(
                id=new_id("item"),
                scene_id=scene.id,
                name=item.name,
                description=item.description,
                location=item.location,
                type="",
                properties={"importance": item.importance, "mentions": item.mentions},
                usable_with=[],
                is_owned=False,
                source="GENERATED",
                created_at=now,
                last_updated=now,
            )
        )
    await session.commit()
    return scene

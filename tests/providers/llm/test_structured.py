"""Lenient reading of structured answers."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from sceneintruder.providers.llm.structured import StructuredOutputError, extract_json, parse_structured


class Point(BaseModel):
    x: int
    y: int


@pytest.mark.parametrize(
    "text",
    [
        '{"x": 1, "y": 2}',
        '```json\n{"x": 1, "y": 2}\n```',
        'Sure! Here it is:\n```\n{"x": 1, "y": 2}\n```\nAnything else?',
        'The answer is {"x": 1, "y": 2}. Hope that helps.',
        '{"x": 1, "y": 2,}',  # trailing comma, repaired
        "{'x': 1, 'y': 2}",  # single quotes, repaired
    ],
)
def test_json_is_found_in_fences_prose_and_near_json(text: str) -> None:
    assert parse_structured(text, Point) == Point(x=1, y=2)


def test_no_json_or_the_wrong_shape_is_reported_briefly() -> None:
    with pytest.raises(StructuredOutputError, match="no JSON"):
        extract_json("I cannot help with that.")
    with pytest.raises(StructuredOutputError, match="y: Field required"):
        parse_structured('{"x": 1}', Point)

"""Coercions for sloppy LLM JSON: each turns a plausible wrong shape into the expected one, never raising."""

from __future__ import annotations

import pytest

from sceneintruder.providers.llm.lenient import (
    LenientModel,
    as_bool,
    as_fraction,
    as_int_in_range,
    as_object_list,
    as_text,
    as_text_list,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("7", 7), ("7/10", 7), (7.6, 8), ("high", 8), ("intensity: 12", 10), (0, 1), (-3, 1), (0.7, 7)],
)
def test_int_in_range_reads_what_models_write(value: object, expected: int) -> None:
    assert as_int_in_range(value, low=1, high=10, default=5) == expected


@pytest.mark.parametrize("value", [None, "", "very", True, [3], {"a": 1}])
def test_int_in_range_falls_back_to_the_default(value: object) -> None:
    assert as_int_in_range(value, low=1, high=10, default=5) == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.7, 0.7),
        (70, 0.7),
        ("70%", 0.7),
        ("0.25", 0.25),
        ("high", 0.8),
        ("高", 0.8),
        (250, 1.0),
        (-1, 0.0),
        ("?", 0.0),
    ],
)
def test_fraction(value: object, expected: float) -> None:
    assert as_fraction(value) == pytest.approx(expected)


def test_bool_text_list_and_objects() -> None:
    assert as_bool("是", default=False) is True
    assert as_bool("locked", default=True) is False
    assert as_bool("maybe", default=True) is True
    assert as_text_list("joy, surprise；fear") == ["joy", "surprise", "fear"]
    assert as_text(["a", " b "]) == "a; b"
    assert as_object_list("Go", text_key="text") == [{"text": "Go"}]
    assert as_object_list({"text": "Go"}, text_key="text") == [{"text": "Go"}]
    assert as_object_list(["Go", {"text": "Stay"}], text_key="text") == [{"text": "Go"}, {"text": "Stay"}]


def test_lenient_model_treats_null_as_missing() -> None:
    class Thing(LenientModel):
        name: str = "default"

    assert Thing.model_validate({"name": None, "unknown": 1}).name == "default"

"""Story schemas read what real models return, sloppy or not."""

from __future__ import annotations

from sceneintruder.story.llm_schemas import CommandReply, ExploreResult, NextNode, SegmentNarration


def test_next_node_reads_sloppy_output_and_drops_empty_objects() -> None:
    node = NextNode.model_validate(
        {
            "narration": "You walk in.",
            "type": "对话",
            "choices": ["Wait", {"choice": "Leave", "result": "They notice", "next_hint": "outside"}, {}, "A", "B"],
            "new_task": {"title": "", "objectives": ["x"]},
            "new_location": {"name": "The Mill", "accessible": "否"},
            "new_item": None,
            "character_interactions": [{"topic": "ignored"}],
        }
    )
    assert node.content == "You walk in."
    assert node.type == "interaction"
    assert [c.text for c in node.choices] == ["Wait", "Leave", "A"]
    assert node.choices[1].consequence == "They notice" and node.choices[1].next_node_hint == "outside"
    assert node.new_task is None and node.new_item is None
    assert node.new_location is not None and node.new_location.accessible is False


def test_next_node_task_objectives_in_any_shape() -> None:
    task = NextNode.model_validate(
        {
            "content": "x",
            "type": "unknown",
            "new_task": {"title": "Find it", "objectives": [{"description": "Look"}, "Ask", None]},
        }
    )
    assert task.type == "event"
    assert task.new_task is not None and task.new_task.objectives == ["Look", "Ask"]
    listed = NextNode.model_validate({"new_task": {"title": "T", "objectives": "1. Look\n2. Ask"}})
    assert listed.new_task is not None and listed.new_task.objectives == ["Look", "Ask"]


def test_segment_narration() -> None:
    segment = SegmentNarration.model_validate({"content": ["a", "b"], "type": "支线", "choices": [{"text": "Go"}]})
    assert segment.content == "a; b" and segment.type == "side" and len(segment.choices) == 1
    assert SegmentNarration.model_validate({}).type == "main"


def test_command_reply_accepts_the_reference_keys() -> None:
    reply = CommandReply.model_validate(
        {
            "narration": "The hall falls silent.",
            "recommendations": [
                {"text": "Speak", "impact": "70%"},
                {"text": "Wait", "impact": 85},
                {"text": "Run", "impact": "高"},
                {"text": "Hide", "impact": None, "next_node_hint": "dark"},
                {"text": "Fifth"},
            ],
        }
    )
    assert reply.reply == "The hall falls silent."
    assert [c.impact for c in reply.choices] == [0.7, 0.85, 0.8, 0.0]
    assert reply.choices[3].next_hint == "dark" and reply.choices[0].type == "action"


def test_explore_result() -> None:
    result = ExploreResult.model_validate(
        {
            "content": "Dusty.",
            "found_item": {"name": ""},
            "story_event": {"text": "A figure.", "type": "真相", "choices": ["Follow"]},
            "new_clue": "  ",
        }
    )
    assert result.description == "Dusty." and result.found_item is None and result.new_clue is None
    assert result.story_event is not None and result.story_event.type == "revelation"
    assert result.story_event.choices[0].text == "Follow"
    assert ExploreResult.model_validate({"story_event": {"content": ""}}).story_event is None

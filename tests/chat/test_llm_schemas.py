"""Chat schemas read what real models return, sloppy or not, and what the offline skills return."""

from __future__ import annotations

from sceneintruder.chat.llm_schemas import DialogueLine, DialogueResult, EmotionalResponse, attribute_dialogue


def test_emotional_response_reads_sloppy_model_output() -> None:
    parsed = EmotionalResponse.model_validate(
        {
            "reply": "Hmph.",
            "emotion": "愤怒",
            "intensity": "8/10",
            "body_language": ["arms folded", "turns away"],
            "secondary_emotions": "喜悦, 愤怒, surprised, nonsense, fear",
            "tokens": 12,
        }
    )
    assert parsed.response == "Hmph."
    assert parsed.emotion == "anger"
    assert parsed.intensity == 8
    assert parsed.body_language == "arms folded; turns away"
    assert parsed.secondary_emotions == ["joy", "surprise"]  # the main emotion is not repeated; at most two


def test_emotional_response_defaults_and_clamps() -> None:
    assert EmotionalResponse.model_validate({}).model_dump() == {
        "response": "",
        "emotion": "neutral",
        "intensity": 5,
        "body_language": "",
        "facial_expression": "",
        "voice_tone": "",
        "secondary_emotions": [],
    }
    assert EmotionalResponse.model_validate({"intensity": 42, "emotion": "bemused"}).intensity == 10
    assert EmotionalResponse.model_validate({"intensity": "0", "emotion": None}).intensity == 1
    assert EmotionalResponse.model_validate({"intensity": 0.6, "emotion": "Happy"}).emotion == "joy"
    assert EmotionalResponse.model_validate({"emotion": "bemused"}).emotion == "neutral"


def test_dialogue_accepts_the_reference_array_and_other_wrappers() -> None:
    lines = [
        {"character_id": "a", "character_name": "Ann", "message": "Hello.", "emotion": "高兴", "action": "waves"},
        {"name": "Bob", "content": "Hi.", "extra": True},
        {"character_id": "a", "message": ""},
    ]
    for payload in (lines, {"dialogue": lines}, {"dialogues": lines}):
        result = DialogueResult.model_validate(payload)
        assert [line.message for line in result.dialogues] == ["Hello.", "Hi."]
        assert result.dialogues[0].emotion == "joy"
        assert result.dialogues[1].character_name == "Bob"
    assert DialogueLine.model_validate({"emotion": "wistful"}).emotion == "wistful"


def test_attribute_dialogue_maps_names_and_never_invents_ids() -> None:
    characters = [{"id": "c1", "name": "Mr. Bennet"}, {"id": "c2", "name": "林黛玉", "aliases": ["黛玉"]}]
    lines = DialogueResult.model_validate(
        [
            {"character_id": "c1", "character_name": "whoever", "message": "one"},
            {"character_name": "MR. BENNET", "message": "two"},
            {"character_name": "黛玉", "message": "three"},
            {"character_id": "林黛玉", "message": "four"},
            {"character_id": "c9", "character_name": "Stranger", "message": "five"},
        ]
    ).dialogues
    attributed = attribute_dialogue(lines, characters)
    assert [(line.character_id, line.character_name, line.message) for line in attributed] == [
        ("c1", "Mr. Bennet", "one"),
        ("c1", "Mr. Bennet", "two"),
        ("c2", "林黛玉", "three"),
        ("c2", "林黛玉", "four"),
    ]

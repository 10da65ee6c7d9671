"""The video's pure parts: the camera guess on whole words, option normalisation, recovery states."""

from __future__ import annotations

from sceneintruder.video.recovery import recovery
from sceneintruder.video.schemas import normalise_options
from sceneintruder.video.timeline import enhanced_prompt, guess_camera


def test_the_camera_guess_reads_whole_words() -> None:
    assert guess_camera("She picks up the cup") == "tilt_up"
    assert guess_camera("A cup of tea and some support") == "static"  # "up" inside words moves nothing (8.23)
    assert guess_camera("He runs after the carriage") == "handheld"
    assert guess_camera("宝玉抬头看天") == "tilt_up"
    assert guess_camera("A wide view of the village") == "pull_out"


def test_options_fall_back_to_their_defaults_and_aliases_map() -> None:
    options = normalise_options({"language": "Mandarin", "motion_strength": "HIGH", "camera_pacing": "warp"})
    assert options["language"] == "zh-cn" and options["motion_strength"] == "strong"
    assert options["camera_pacing"] == "balanced" and options["dialogue_style"] == "auto"
    merged = normalise_options({"camera_pacing": "slow"}, base=options)
    assert merged["language"] == "zh-cn" and merged["camera_pacing"] == "slow"
    prompt = enhanced_prompt("Ann walks in", merged)
    assert prompt.startswith("Ann walks in") and "slow pacing" in prompt and "Mandarin" in prompt
    assert len(prompt.split(", ")) == len({p.lower() for p in prompt.split(", ")})


def test_recovery_says_what_a_new_run_would_do() -> None:
    clips = [{"frame_id": f"f{i}"} for i in range(3)]
    done = recovery(
        clips, {"f0": "completed", "f1": "completed", "f2": "completed"}, {"generation_status": "completed"}, None
    )
    assert done["status"] == "completed" and done["pending_frame_ids"] == []
    cut = recovery(clips, {"f0": "completed"}, {"generation_status": "running"}, None)
    assert cut["status"] == "interrupted" and cut["can_resume"] and cut["pending_frame_ids"] == ["f1", "f2"]
    live = recovery(clips, {"f0": "completed"}, {"generation_status": "running"}, ("task_x", "running"))
    assert live["status"] == "running" and live["active_task_id"] == "task_x"
    degraded = recovery(
        clips, {"f0": "completed", "f1": "failed", "f2": "completed"}, {"generation_status": "completed_degraded"}, None
    )
    assert degraded["status"] == "resumable" and degraded["resume_from"] == "failed_clips"
    assert recovery([], {}, {}, None)["status"] == "idle"

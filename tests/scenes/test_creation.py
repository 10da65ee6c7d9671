"""Storing an analysed text: one transaction, all segments, characters with relations by id, items."""

from __future__ import annotations

from pathlib import Path

from sceneintruder.scenes import creation, merge
from sceneintruder.scenes.offline import analysis as offline_analysis
from sceneintruder.textkit import text
from tests.support.builders import bearer, make_user, token_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _analysis(source: str, title: str):
    language = text.detect_language(source)
    chunks = [offline_analysis.analyze_chunk(c.text, language=language) for c in text.chunk_text(source, 8000)]
    return merge.merge_analyses(chunks, language=language, title=title)


async def test_segments_cover_the_whole_text_with_paragraph_ranges() -> None:
    source = (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")
    segments = creation.segments_of(source, "en")
    assert "".join(segment.text for segment in segments) == source
    assert len(segments) > 12
    assert segments[0].title == "Original Segment 1"
    assert all(len(segment.summary) <= creation.SEGMENT_SUMMARY_CHARS for segment in segments)
    starts = [segment.start_paragraph for segment in segments]
    assert starts == sorted(starts) and all(s.end_paragraph >= s.start_paragraph for s in segments)


async def test_stored_scene_serves_characters_with_relations_by_id(app, client) -> None:
    await make_user(app, "alice")
    source = (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8")
    analysis = _analysis(source, "红楼梦")
    async with app.state.db.writer() as session:
        scene = await creation.store_analyzed_scene(
            session, owner_id="alice", title="红楼梦", source=source, analysis=analysis, provider="builtin"
        )
    headers = bearer(token_for(app, "alice"))
    data = (await client.get(f"/api/scenes/{scene.id}", headers=headers)).json()["data"]
    assert data["scene"]["language"] == "zh" and data["scene"]["analysis"]["provider"] == "builtin"
    assert data["original_text"] == source
    assert "".join(s["original_text"] for s in data["original_segments"]) == source
    assert data["original_segments"][0]["title"] == "原文片段 1"
    names = [character["name"] for character in data["characters"]]
    assert {"林黛玉", "贾母", "宝玉"} <= set(names[:6])
    ids = {character["id"] for character in data["characters"]}
    related = [c for c in data["characters"] if c["relations"]]
    assert related
    for character in related:
        assert {relation["character_id"] for relation in character["relations"]} <= ids
        assert set(character["relationships"]) == {relation["name"] for relation in character["relations"]}
    one = data["characters"][0]
    fetched = (await client.get(f"/api/scenes/{scene.id}/characters/{one['id']}", headers=headers)).json()["data"]
    assert fetched == one
    missing = await client.get(f"/api/scenes/{scene.id}/characters/char_nope", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "CHARACTER_NOT_FOUND"
    assert data["scene"]["character_count"] == len(data["characters"]) and data["items"]

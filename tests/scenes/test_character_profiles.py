"""`character_profiles`, the one light query story prompts read the cast with, says what `list_characters` says
of the same characters, in the same order and with the same keys in the same order."""

from __future__ import annotations

from sceneintruder.scenes import service as scenes_service
from sceneintruder.story.context import CAST_SIZE, PROFILE_FIELDS
from tests.story.support import create_scene, excerpt


async def test_the_light_profiles_are_the_characters_values(app, client) -> None:
    scene_id = await create_scene(client, excerpt(6000))
    async with app.state.db.reader() as session:
        characters = await scenes_service.list_characters(session, scene_id=scene_id)
        for limit in (CAST_SIZE, 2):
            profiles = await scenes_service.character_profiles(session, scene_id=scene_id, limit=limit)
            expected = [character.model_dump(include=set(PROFILE_FIELDS)) for character in characters[:limit]]
            assert profiles == expected
            assert [list(profile) for profile in profiles] == [list(PROFILE_FIELDS)] * len(profiles)
    assert len(characters) > 2  # the limit cut something
    assert any(character.aliases for character in characters)

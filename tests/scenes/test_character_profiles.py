"""The cast a story prompt reads (`prompt_rows.PROFILES`, part of the context's one statement) says what
`list_characters` says of the same characters, in the same order and with the same keys in the same order."""

from __future__ import annotations

from sceneintruder.scenes import prompt_rows
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.models import Scene
from sceneintruder.story import context
from sceneintruder.story.context import CAST_SIZE, PROFILE_FIELDS
from tests.story.support import create_scene, excerpt


async def test_the_light_profiles_are_the_characters_values(app, client) -> None:
    scene_id = await create_scene(client, excerpt(6000))
    async with app.state.db.reader() as session:
        characters = await scenes_service.list_characters(session, scene_id=scene_id)
        for limit in (CAST_SIZE, 2):
            rows = await session.execute(prompt_rows.PROFILES[0], {"scene_id": scene_id, "cast_size": limit})
            profiles = [prompt_rows.profile(row) for row in rows]
            expected = [character.model_dump(include=set(PROFILE_FIELDS)) for character in characters[:limit]]
            assert profiles == expected
            assert [list(profile) for profile in profiles] == [list(PROFILE_FIELDS)] * len(profiles)
        scene = await session.get(Scene, scene_id)
        assert (await context.gather(session, scene)).profiles == [
            character.model_dump(include=set(PROFILE_FIELDS)) for character in characters[:CAST_SIZE]
        ]
    assert len(characters) > 2  # the limit cut something
    assert any(character.aliases for character in characters)

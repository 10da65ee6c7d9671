"""Offline replies remember what was asked per character and per branch: a question put to one character is
not "asked already" of another, and a question on an abandoned branch is not remembered on the new one."""

from __future__ import annotations

REPEAT = "you asked me that already"  # compared case-insensitively (an interjection may come first)
QUESTION = "What do you think of the ball at Meryton?"


async def _ask(client, headers, scene, character_id: str, message: str = QUESTION) -> str:
    """The reply, casefolded."""
    body = {"scene_id": scene.id, "character_id": character_id, "message": message}
    response = await client.post("/api/chat", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["response"].casefold()


async def test_a_question_to_one_character_is_new_to_another(client, alice, scene) -> None:
    elizabeth, darcy = scene.ids("Elizabeth", "Darcy")
    assert REPEAT not in await _ask(client, alice, scene, elizabeth)
    assert REPEAT not in await _ask(client, alice, scene, darcy)  # never asked of him
    assert REPEAT in await _ask(client, alice, scene, elizabeth)  # she was asked it before


async def test_a_question_on_an_abandoned_branch_is_not_remembered(client, alice, scene) -> None:
    elizabeth = scene.ids("Elizabeth")[0]
    body = {"scene_id": scene.id, "character_id": elizabeth, "message": QUESTION}
    first = (await client.post("/api/chat", headers=alice, json=body)).json()["data"]  # branch 1 asks it
    edited = await client.post(
        f"/api/scenes/{scene.id}/conversations/{first['user_message_id']}/edit",
        headers=alice,
        json={"content": "Tell me about Jane."},
    )
    assert edited.status_code == 201, edited.text  # branch 2 replaces it; branch 1 is no longer the path
    assert REPEAT not in await _ask(client, alice, scene, elizabeth)
    assert REPEAT in await _ask(client, alice, scene, elizabeth)  # now asked on this branch

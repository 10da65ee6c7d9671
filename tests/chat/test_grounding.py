"""Offline replies answer from the book (issue 14, item 3): a question about an event of the text gets a reply
that carries the words of the passage narrating it, from a passage where the asked character is present; a
question about something the text never tells gets the same plain "not in the text" answer, with no flourish.
Through the app: the scene is stored from the text with its offline analysis, the reply comes from POST /api/chat.
"""

from __future__ import annotations

import pytest

from sceneintruder.chat.offline.phrases import NOT_IN_THE_BOOK
from sceneintruder.scenes import creation
from tests.chat.conftest import chat_requests
from tests.eval.scoring import analyse, load_cases
from tests.support.builders import bearer, make_user, token_for

CASES = {case.name: case for case in load_cases()}


async def _scene(app, client, case_name: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """(scene id, headers, character id by every name and alias) of the evaluation text stored as a scene."""
    await make_user(app, "reader")
    headers = bearer(token_for(app, "reader"))
    owner = app.state.tokens.decode(headers["Authorization"].removeprefix("Bearer ")).sub
    case = CASES[case_name]
    async with app.state.db.writer() as session:
        scene = await creation.store_analyzed_scene(
            session, owner_id=owner, title=case.name, source=case.text, analysis=analyse(case), provider="builtin"
        )
    cast = (await client.get(f"/api/scenes/{scene.id}/characters", headers=headers)).json()["data"]
    ids = {name: c["id"] for c in cast for name in (c["name"], *c["aliases"])}
    return scene.id, headers, ids


async def _reply(client, headers, scene_id: str, character_id: str, message: str) -> str:
    body = {"scene_id": scene_id, "character_id": character_id, "message": message}
    response = await client.post("/api/chat", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["response"]


DETECTIVE = [
    # (who is asked, question, words of the passage that narrates the answer)
    ("Clara Fenwick", "When did you bring his tea?", ["half past six"]),
    ("Dr. Samuel Pike", "Where did Crane keep his private accounts?", ["strongbox at the Blue Anchor"]),
    ("Dr. Samuel Pike", "Did you lend Crane money?", ["lent him money"]),
    ("Sergeant Owen Ashford", "Where did the housekeeper find him?", ["at his desk"]),
    ("Inspector Maud Kessler", "What was inside the strongbox?", ["folded page", "revolver"]),
]
SCIFI = [
    ("林晓", "信号是从哪里传来的？", ["第七号温室"]),
    ("周明远", "温室的门怎么打开？", ["只有这张卡能打开"]),
    ("苏芮", "你给林晓端了什么？", ["热可可"]),
]


@pytest.mark.parametrize(
    ("case", "who", "question", "passage_words"),
    [("en_own_detective", *row) for row in DETECTIVE] + [("zh_own_scifi", *row) for row in SCIFI],
)
async def test_a_question_about_the_story_is_answered_from_its_passage(
    app, client, case, who, question, passage_words
) -> None:
    scene_id, headers, ids = await _scene(app, client, case)
    reply = await _reply(client, headers, scene_id, ids[who], question)
    assert all(words in reply for words in passage_words), reply
    assert NOT_IN_THE_BOOK["en"] not in reply and NOT_IN_THE_BOOK["zh"] not in reply


@pytest.mark.parametrize(
    ("case", "who", "question", "language"),
    [
        ("en_own_detective", "Clara Fenwick", "What did you think of the dragon in the garden?", "en"),
        ("en_own_detective", "Dr. Samuel Pike", "Tell me about your voyage to Jamaica.", "en"),
        ("zh_own_scifi", "安宁", "你会骑马打仗吗？", "zh"),
        ("zh_own_scifi", "周明远", "你去过长安城吗？", "zh"),
    ],
)
async def test_a_question_the_text_never_answers_gets_the_plain_answer(
    app, client, case, who, question, language
) -> None:
    scene_id, headers, ids = await _scene(app, client, case)
    assert await _reply(client, headers, scene_id, ids[who], question) == NOT_IN_THE_BOOK[language]


async def test_a_passage_where_the_character_is_absent_is_not_its_answer(app, client) -> None:
    """Tom Garrick appears only at the Blue Anchor: the tea at half past six is not his to tell."""
    scene_id, headers, ids = await _scene(app, client, "en_own_detective")
    reply = await _reply(client, headers, scene_id, ids["Tom Garrick"], "When was the tea brought?")
    assert "half past six" not in reply
    assert reply == NOT_IN_THE_BOOK["en"]


async def test_a_real_model_is_given_the_same_passages(app, client, vendor) -> None:
    scene_id, headers, ids = await _scene(app, client, "en_own_detective")
    await _reply(client, headers, scene_id, ids["Dr. Samuel Pike"], "Where did Crane keep his private accounts?")
    system = chat_requests(vendor)[-1]["messages"][0]["content"]
    assert "Passages of the book where you appear" in system
    assert "strongbox at the Blue Anchor" in system

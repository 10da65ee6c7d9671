"""POST /api/scenes: the whole text analysed (builtin or a vendor), then stored; what the reference UI calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from tests.fakes._base import API_KEY
from tests.fakes.openai_compatible import FakeOpenAI
from tests.support.builders import assert_error, bearer, make_user, token_for
from tests.support.servers import run_uvicorn
from tests.support.vendors import openai_provider

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENGLISH = (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")
CHINESE = (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8")


async def test_english_novel_with_the_builtin_provider(client) -> None:
    response = await client.post("/api/scenes", json={"title": "Pride and Prejudice", "text": ENGLISH})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message"] == "场景创建成功"
    scene = body["data"]
    assert scene["title"] == scene["name"] == "Pride and Prejudice"
    assert scene["language"] == "en" and scene["analysis"]["provider"] == "builtin"
    assert scene["character_count"] >= 5 and scene["summary"]
    characters = (await client.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]
    top = [character["name"] for character in characters[:8]]
    for name in ("Elizabeth", "Bingley", "Darcy"):
        assert any(name in found for found in top), top
    assert any(location["name"] == "Netherfield Park" for location in scene["locations"])


async def test_chinese_novel_with_the_builtin_provider(client) -> None:
    response = await client.post("/api/scenes", json={"title": "红楼梦 第三回", "text": CHINESE})
    scene = response.json()["data"]
    assert response.status_code == 201 and scene["language"] == "zh"
    names = [c["name"] for c in (await client.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]]
    assert {"林黛玉", "贾母", "宝玉"} <= set(names[:6])
    segments = (await client.get(f"/api/scenes/{scene['id']}")).json()["data"]["original_segments"]
    assert "".join(segment["original_text"] for segment in segments) == CHINESE


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "x"},
        {"title": "t"},
        {"title": "", "text": "x"},
        {"title": "t", "text": ""},
        {"title": "t", "text": "   \n "},
        {"title": 5, "text": "x"},
        {"title": "t", "text": ["x"]},
    ],
)
async def test_bad_bodies_are_400(client, body) -> None:
    assert_error(await client.post("/api/scenes", json=body), 400, "BAD_REQUEST")


async def test_a_whole_book_is_created_while_the_client_waits(client) -> None:
    """The reference frontend posts a whole book and waits: 150,000 characters give 201 and the scene."""
    book = (ENGLISH + "\n\n") * (150_000 // len(ENGLISH) + 1)
    assert len(book) >= 150_000
    response = await client.post("/api/scenes", json={"title": "A long book", "text": book})
    assert response.status_code == 201, response.text
    scene = response.json()["data"]
    assert scene["title"] == "A long book" and scene["analysis"]["text_characters"] == len(book)
    assert scene["analysis"]["chunk_count"] > 1
    assert (await client.get(f"/api/scenes/{scene['id']}")).status_code == 200


async def test_text_over_the_size_limit_is_413(make_settings) -> None:
    app = create_app(make_settings(upload_max_chars=1000))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.post("/api/scenes", json={"title": "Long", "text": "word " * 300})
            body = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
            assert body["error"]["details"] == {"max_chars": 1000}
            assert (await client.get("/api/scenes")).json()["data"] == []


async def test_a_client_that_stops_waiting_still_gets_its_scene(live_app) -> None:
    """The request is dropped mid-analysis; the job carries on and the scene appears."""
    base = live_app
    book = (ENGLISH + "\n\n") * 4
    async with httpx.AsyncClient(base_url=base, timeout=0.05) as impatient:
        with pytest.raises(httpx.TimeoutException):
            await impatient.post("/api/scenes", json={"title": "Left behind", "text": book})
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        async with asyncio.timeout(30):
            while not (scenes := (await client.get("/api/scenes")).json()["data"]):  # noqa: ASYNC110 - the API
                await asyncio.sleep(0.05)
    assert [scene["title"] for scene in scenes] == ["Left behind"]


@pytest.fixture
async def live_app(make_settings) -> AsyncIterator[str]:
    async with run_uvicorn(create_app(make_settings(story_narrate_ahead=0))) as base:
        yield base


# --- with a vendor: a fake OpenAI-compatible server on 127.0.0.1 ------------------------------------------------


@pytest.fixture
def settings(make_settings):
    # The story the new scene starts narrates its passages in the background; these tests count analysis calls.
    return make_settings(
        allow_private_provider_urls=True, analysis_chunk_chars=2000, analysis_concurrency=2, story_narrate_ahead=0
    )


@pytest.fixture
async def vendor(app, client) -> AsyncIterator[FakeOpenAI]:
    async with openai_provider(app, client, FakeOpenAI()) as fake:
        yield fake


def _analysis(*names: str, place: str = "Longbourn") -> str:
    return json.dumps(
        {
            "characters": [
                {
                    "name": name,
                    "role": "sister",
                    "personality": "lively",
                    "mentions": 3,
                    "relationships": {other: "sister" for other in names if other != name},
                }
                for name in names
            ],
            "locations": [{"name": place, "description": "the family home"}],
            "items": [{"name": "letter", "importance": "HIGH"}],
            "era": "Regency",
            "atmosphere": "warm",
            "themes": ["marriage"],
            "summary": "Sisters talk.",
        }
    )


async def test_a_vendor_analyses_each_chunk_and_the_results_merge(app, client, vendor: FakeOpenAI) -> None:
    paragraphs = [f"Paragraph {n}. Jane and Elizabeth walked to Longbourn and talked a while." for n in range(60)]
    source = "\n\n".join(paragraphs)
    chunk_count = len(source) // 2000 + 2
    vendor.replies.extend(_analysis("Jane", "Elizabeth") for _ in range(chunk_count))
    await make_user(app, "alice")
    alice = bearer(token_for(app, "alice"))
    response = await client.post("/api/scenes", headers=alice, json={"title": "Sisters", "text": source})
    assert response.status_code == 201, response.text
    scene = response.json()["data"]
    calls = [seen for seen in vendor.requests if seen.path.endswith("/chat/completions")]
    assert len(calls) == scene["analysis"]["chunk_count"] > 1
    sent = "".join(message["content"] for seen in calls for message in seen.body["messages"])
    assert "Paragraph 0." in sent and "Paragraph 59." in sent  # the whole text went out, not 5,000 characters
    assert all(seen.body["response_format"]["type"] in ("json_object", "json_schema") for seen in calls)
    assert scene["analysis"]["provider"] == "openai"
    characters = (await client.get(f"/api/scenes/{scene['id']}/characters", headers=alice)).json()["data"]
    assert sorted(c["name"] for c in characters) == ["Elizabeth", "Jane"]  # deduplicated across chunks
    jane = next(c for c in characters if c["name"] == "Jane")
    elizabeth = next(c for c in characters if c["name"] == "Elizabeth")
    assert jane["relations"] == [{"character_id": elizabeth["id"], "name": "Elizabeth", "relation": "sister"}]
    assert scene["era"] == "Regency" and [loc["name"] for loc in scene["locations"]] == ["Longbourn"]


async def test_people_a_model_made_up_are_dropped(client, vendor: FakeOpenAI) -> None:
    """A model may answer with names the text never uses (the schema's words, people of other books): only
    characters whose name or an alias occurs in the text are kept."""
    reply = json.loads(_analysis("Jane", "Gandalf", "Miss Bennet"))
    reply["characters"][2]["aliases"] = ["Lizzy"]  # "Miss Bennet" is not in the text, "Lizzy" is
    vendor.replies.append(json.dumps(reply))
    text = "Jane walked to Longbourn. Lizzy laughed at her. They talked a while."
    response = await client.post("/api/scenes", json={"title": "Made up", "text": text})
    assert response.status_code == 201, response.text
    scene_id = response.json()["data"]["id"]
    names = [c["name"] for c in (await client.get(f"/api/scenes/{scene_id}/characters")).json()["data"]]
    assert sorted(names) == ["Jane", "Miss Bennet"]


async def test_malformed_json_is_repaired_or_re_asked(client, vendor: FakeOpenAI) -> None:
    vendor.replies.extend(["Here you go:\n```json\n" + _analysis("Ann") + "\n```", "not json at all", _analysis("Bea")])
    first = await client.post("/api/scenes", json={"title": "One", "text": "Ann waited by the window."})
    assert first.status_code == 201, first.text
    second = await client.post("/api/scenes", json={"title": "Two", "text": "Bea read the letter."})
    assert second.status_code == 201, second.text
    names = [
        c["name"] for c in (await client.get(f"/api/scenes/{second.json()['data']['id']}/characters")).json()["data"]
    ]
    assert names == ["Bea"]
    assert len(vendor.requests) == 3  # one answer was re-asked once


async def test_a_vendor_that_never_answers_in_json_falls_back_offline_and_says_why(client, vendor: FakeOpenAI) -> None:
    vendor.replies.extend(["I cannot do that.", "Still prose, sorry."])
    response = await client.post("/api/scenes", json={"title": "Fallback", "text": "Cy slept. Cy woke. Cy ran."})
    assert response.status_code == 201, response.text
    analysis = response.json()["data"]["analysis"]
    assert analysis["provider"] == "builtin" and analysis["offline"] is True
    assert "replied twice with unusable JSON" in analysis["fallback_reason"]
    assert "1 of 1 parts analysed offline" in analysis["fallback_reason"]
    assert len(vendor.requests) == 2  # asked, re-asked once, then no more calls to the vendor


async def test_a_vendor_failure_is_an_error_and_creates_nothing(client, vendor: FakeOpenAI) -> None:
    vendor.plan("401")
    response = await client.post("/api/scenes", json={"title": "Nope", "text": "Dee slept."})
    body = response.json()
    assert response.status_code == 502 and body["error"]["code"] == "LLM_AUTH_FAILED"
    assert API_KEY not in response.text
    assert (await client.get("/api/scenes")).json()["data"] == []

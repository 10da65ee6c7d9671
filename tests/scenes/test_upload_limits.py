"""Uploads a client controls cannot stall or crash the server: limits decided before the work, an isolated
worker with a time limit, FILE_INVALID for anything malformed, and the guest rule like every other route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.settings import Settings
from sceneintruder.scenes import upload
from tests.support import epubs, gates
from tests.support.builders import assert_error
from tests.support.servers import run_uvicorn


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def _upload(client, name: str, data: bytes, headers: dict[str, str] | None = None):
    return await client.post("/api/upload", files={"file": (name, data, "application/epub+zip")}, headers=headers)


async def test_a_decompression_bomb_is_refused_from_the_zip_directory(client) -> None:
    body = assert_error(await _upload(client, "bomb.epub", epubs.bomb()), 400, "FILE_INVALID")
    assert body["error"]["message"] == "EPUB 文件解压后过大"
    assert "67108864" in body["error"]["details"]


async def test_total_inflated_size_and_entry_count_are_limited(make_settings) -> None:
    settings = make_settings(
        upload_epub_max_uncompressed_bytes=400_000, upload_epub_max_document_bytes=200_000, upload_epub_max_chapters=3
    )
    async with _client(settings) as client:
        big = epubs.book(["<p>" + "word " * 30_000 + "</p>"] * 3)  # 3 x 150 KB inflated
        body = assert_error(await _upload(client, "big.epub", big), 400, "FILE_INVALID")
        assert body["error"]["message"] == "EPUB 文件解压后过大"
        one = epubs.book(["<p>" + "word " * 50_000 + "</p>"])  # one 250 KB chapter
        body = assert_error(await _upload(client, "one.epub", one), 400, "FILE_INVALID")
        assert body["error"]["message"] == "EPUB 单个文件过大"
        many = epubs.book(["<p>chapter</p>"] * 4)
        body = assert_error(await _upload(client, "many.epub", many), 400, "FILE_INVALID")
        assert body["error"]["message"] == "EPUB 章节过多"
        ok = await _upload(client, "ok.epub", epubs.book(["<p>One.</p>", "<p>Two.</p>"]))
        assert ok.status_code == 200, ok.text
        assert ok.json()["data"]["content"] == "One.\n\nTwo."


async def test_nested_entities_in_the_package_document_are_file_invalid(client) -> None:
    hostile = epubs.book(["<p>text</p>"], doctype=epubs.LAUGHS)
    body = assert_error(await _upload(client, "laughs.epub", hostile), 400, "FILE_INVALID")
    assert body["error"]["message"] == "EPUB 文件无效"
    assert "entity" in body["error"]["details"]


@pytest.mark.parametrize(
    "files",
    [
        {"OEBPS/content.opf": b"<package><unclosed"},  # XML the parser rejects
        {"OEBPS/content.opf": epubs.opf(1)},  # a spine item whose file is missing
        {},  # no package document at all
    ],
)
async def test_malformed_books_are_file_invalid_not_500(client, files: dict[str, bytes]) -> None:
    assert_error(await _upload(client, "broken.epub", epubs.archive(files)), 400, "FILE_INVALID")


async def test_a_file_that_takes_too_long_to_read_is_refused(make_settings) -> None:
    # A legacy-encoded text makes charset detection work through every candidate encoding: far over 50 ms.
    text = ("第一回 甄士隐梦幻识通灵，贾雨村风尘怀闺秀。" * 40 + "\n") * 2000
    async with _client(make_settings(upload_decode_seconds=0.05)) as client:
        body = assert_error(await _upload(client, "slow.txt", text.encode("gb18030")), 400, "FILE_INVALID")
        assert body["error"]["details"] == "timeout"
        # The worker that was killed is replaced: the next upload works.
        ok = await _upload(client, "ok.txt", b"short text")
        assert ok.status_code == 200, ok.text


async def test_upload_follows_allow_guest(make_settings) -> None:
    async with _client(make_settings(allow_guest=False)) as client:
        assert_error(await _upload(client, "a.txt", b"hello"), 401, "UNAUTHORIZED")


async def test_health_answers_while_an_upload_is_being_read(make_settings, monkeypatch, tmp_path) -> None:
    """Uploads are read off the loop: while a worker is in the middle of reading one, /api/health answers. The
    reading waits on a gate the test opens only after that answer, so reading on the loop would never finish."""
    monkeypatch.setattr(upload, "decode_upload", gates.decode_after_gate)
    gate = tmp_path / "gate"
    app = create_app(make_settings())
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        reading = asyncio.create_task(_upload(client, "gated.txt", str(gate).encode()))
        async with asyncio.timeout(30):
            while not gates.started_marker(gate).exists():
                assert not reading.done(), reading.result().text
                await asyncio.sleep(0.01)
        for _ in range(3):
            assert (await client.get("/api/health")).status_code == 200
        assert not reading.done()
        gate.touch()
        response = await reading
    assert response.status_code == 200, response.text
    assert response.json()["data"]["content"] == "opened after the gate"


async def test_a_bomb_and_a_slow_book_read_side_by_side(make_settings) -> None:
    """Two uploads at once, one hostile and one slow to decode: each gets its own answer."""
    app = create_app(make_settings())
    slow = (("第一回 甄士隐梦幻识通灵，贾雨村风尘怀闺秀。" * 40 + "\n") * 2000).encode("gb18030")
    async with run_uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        bomb, book = await asyncio.gather(_upload(client, "bomb.epub", epubs.bomb()), _upload(client, "slow.txt", slow))
        assert (await client.get("/api/health")).status_code == 200
    assert_error(bomb, 400, "FILE_INVALID")
    assert book.status_code == 200, book.text
    assert book.json()["data"]["content"].startswith("第一回 甄士隐梦幻识通灵")

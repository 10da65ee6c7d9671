"""Upload (encodings, EPUB, refusals) and the scene export in all five formats, parsed back."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from ebooklib import epub

from tests.support.builders import assert_error

CHINESE = "第一回 甄士隐梦幻识通灵\n\n此开卷第一回也。作者自云：因曾历过一番梦幻之后，故将真事隐去。\n"
TRADITIONAL = "第一回 甄士隱夢幻識通靈\n\n此開卷第一回也。作者自雲：因曾歷過一番夢幻之後，故將真事隱去。\n"
ENGLISH = "It is a truth universally acknowledged, that a single man in possession of a good fortune...\n"


async def _upload(client, name: str, data: bytes):
    return await client.post("/api/upload", files={"file": (name, data, "application/octet-stream")})


@pytest.mark.parametrize(
    ("encoding", "name", "sample"),
    [
        ("utf-8", "a.txt", CHINESE),
        ("gb18030", "hongloumeng.txt", CHINESE),
        ("big5", "b.TXT", TRADITIONAL),
        ("utf-16", "c.md", CHINESE),
    ],
)
async def test_chinese_text_in_common_encodings_decodes(client, encoding: str, name: str, sample: str) -> None:
    text = sample * 20  # charset detection wants a little text to be sure
    response = await _upload(client, name, text.encode(encoding))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["content"] == text
    assert data["filename"] == name and data["size"] == len(text.encode(encoding))
    assert data["char_count"] == len(text)
    assert data["encoding"]


async def test_utf8_bom_and_crlf_are_normalised(client) -> None:
    response = await _upload(client, "win.txt", b"\xef\xbb\xbf" + ENGLISH.replace("\n", "\r\n").encode())
    assert response.json()["data"]["content"] == ENGLISH


def _epub_bytes() -> bytes:
    book = epub.EpubBook()
    book.set_identifier("id-1")
    book.set_title("Test Novel")
    book.set_language("en")
    chapters = []
    for n, body in enumerate(["<h1>One</h1><p>First chapter.</p><script>alert(1)</script>", "<p>Second chapter.</p>"]):
        chapter = epub.EpubHtml(title=f"c{n}", file_name=f"c{n}.xhtml", lang="en")
        chapter.content = f"<html><body>{body}</body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = chapters
    out = io.BytesIO()
    epub.write_epub(out, book)
    return out.getvalue()


async def test_epub_chapters_in_reading_order(client) -> None:
    response = await _upload(client, "novel.epub", _epub_bytes())
    assert response.status_code == 200, response.text
    content = response.json()["data"]["content"]
    assert content.index("First chapter.") < content.index("Second chapter.")
    assert "alert" not in content and "<p>" not in content


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("image.txt", bytes(range(256)) * 4, "文件是二进制内容，不是文本"),
        ("notes.md", b"# Title\n<script>alert(1)</script>\n", "Markdown 文件包含脚本内容"),
        ("link.md", b"[x](javascript:alert(1))", "Markdown 文件包含脚本内容"),
        ("empty.txt", b"", "文件为空"),
        ("blank.txt", b"   \n\n  ", "文件没有文本内容"),
        ("broken.epub", b"not a zip at all", "EPUB 文件无效"),
    ],
)
async def test_bad_files_are_file_invalid(client, name: str, data: bytes, message: str) -> None:
    body = assert_error(await _upload(client, name, data), 400, "FILE_INVALID")
    assert body["error"]["message"] == message


async def test_oversize_and_missing_file(client, make_settings) -> None:
    assert_error(await client.post("/api/upload"), 400, "BAD_REQUEST")
    big = await _upload(client, "big.txt", b"a" * (10 * 1024 * 1024 + 1))
    assert_error(big, 413, "PAYLOAD_TOO_LARGE")


async def _scene_with_items(client) -> dict:
    scene = (
        await client.post("/api/scenes/shell", json={"title": "港口 Harbour", "description": "A foggy harbour"})
    ).json()["data"]
    await client.post(f"/api/scenes/{scene['id']}/items", json={"name": "Lantern", "description": "brass, | pipe"})
    return scene


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_export_json_is_the_reference_export_result(client) -> None:
    scene = await _scene_with_items(client)
    body = (await client.get(f"/api/scenes/{scene['id']}/export/scene")).json()
    result = body["data"]
    assert {
        "scene_id",
        "title",
        "format",
        "content",
        "generated_at",
        "export_type",
        "characters",
        "conversations",
        "summary",
        "file_path",
        "file_size",
    } <= set(result)
    assert result["format"] == "json" and result["export_type"] == "scene"
    document = json.loads(result["content"])
    assert document["scene_info"]["title"] == "港口 Harbour"
    assert [item["name"] for item in document["items"]] == ["Lantern"]
    assert "conversations" not in document and "context" not in document
    assert document["export_info"]["include_conversations"] is False
    assert result["file_size"] == len(result["content"].encode())
    # a hand-made scene: nothing in it was generated, so nothing says "offline"
    assert result["offline"] is False and "notice" not in result
    assert document["export_info"]["generated_offline"] is False


async def test_export_downloads_parse_back(client) -> None:
    scene = await _scene_with_items(client)
    base = f"/api/scenes/{scene['id']}/export/scene"
    markdown = await client.get(f"{base}?format=markdown")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.headers["content-disposition"].startswith('attachment; filename="')
    assert markdown.text.startswith("# 港口 Harbour") and "| Lantern |" in markdown.text
    assert "brass, \\| pipe" in markdown.text
    text = await client.get(f"{base}?format=TXT")
    assert text.headers["content-type"].startswith("text/plain") and "Lantern" in text.text
    page = await client.get(f"{base}?format=html")
    collector = _TextCollector()
    collector.feed(page.text)
    assert {"html", "h1", "table"} <= set(collector.tags)
    assert "Lantern" in "".join(collector.text)
    sheet = await client.get(f"{base}?format=csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert {row["section"] for row in rows} >= {"scene", "items", "statistics"}
    lantern = {row["field"]: row["value"] for row in rows if row["section"] == "items" and row["value"] == "Lantern"}
    assert lantern


async def test_export_rejects_unknown_formats(client) -> None:
    scene = await _scene_with_items(client)
    assert_error(await client.get(f"/api/scenes/{scene['id']}/export/scene?format=pdf"), 400, "EXPORT_FORMAT_INVALID")

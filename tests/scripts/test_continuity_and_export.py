"""Continuity warnings on a crafted book (never blocking a write), and exports that parse back as what they claim
to be: Markdown, text, HTML (rendered, raw HTML escaped), the JSON envelope, and an EPUB an e-reader opens."""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser

import ebooklib
from ebooklib import epub

from tests.scripts.support import detail, generate, new_script

CHAPTERS_EN = {
    1: 'Katherine Vale kept the lamp.\n\nEzra Hale brought the post every Tuesday. "Storm coming," said Ezra.',
    2: "The storm took the boat. Ezra Hale died on the rocks below the tower.\n\nKatherine watched the tide.",
    3: 'In the morning Katharine found the letter.\n\n"You should not have opened it," said Ezra.',
}
CHAPTERS_ZH = {
    1: "林冲在草料场看守。\n\n王伦说：“你且安心住下。”",
    2: "王伦死了，梁山上下一片寂静。",
    3: "林仲说：“我要下山。”\n\n王伦道：“不许走。”",
}


async def _book(client, chapters, characters) -> str:
    script_id = await new_script(client)
    for index, text in chapters.items():
        saved = await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": index, "user_draft": text})
        assert saved.status_code == 200  # warnings never block a write
    await client.put(f"/api/scripts/{script_id}/characters", json=characters)
    return script_id


async def test_continuity_finds_a_second_spelling_and_a_dead_man_talking(client) -> None:
    script_id = await _book(
        client, CHAPTERS_EN, [{"name": "Katherine Vale"}, {"name": "Ezra Hale", "aliases": ["Ezra"]}]
    )
    report = (await client.get(f"/api/scripts/{script_id}/continuity")).json()["data"]
    found = {(w["type"], w["chapter"], w["paragraph"]) for w in report["warnings"]}
    assert ("name_variant", 3, 1) in found  # "Katharine" for "Katherine"
    assert ("dead_speaking", 3, 2) in found  # Ezra speaks after "Ezra Hale died"
    variant = next(w for w in report["warnings"] if w["type"] == "name_variant")
    assert variant["names"] == ["Katherine", "Katharine"] and "Katharine found the letter" in variant["excerpt"]
    dead = next(w for w in report["warnings"] if w["type"] == "dead_speaking")
    assert dead["died_in_chapter"] == 2 and "said Ezra" in dead["excerpt"]
    assert len(report["warnings"]) == 2  # "Storm" (a sentence's first word) and the others are not names
    assert (await detail(client, script_id))["continuity"]["warnings"] == report["warnings"]


async def test_continuity_in_chinese(client) -> None:
    script_id = await _book(client, CHAPTERS_ZH, [{"name": "林冲"}, {"name": "王伦"}])
    warnings = (await client.get(f"/api/scripts/{script_id}/continuity")).json()["data"]["warnings"]
    found = {(w["type"], w["chapter"], w["paragraph"], tuple(w["names"])) for w in warnings}
    assert found == {("name_variant", 3, 1, ("林冲", "林仲")), ("dead_speaking", 3, 2, ("王伦",))}


async def test_a_dead_character_state_counts_too(client) -> None:
    script_id = await _book(client, {1: "Mara waited.", 4: '"Open the door," said Mara.'}, [{"name": "Mara"}])
    added = await client.post(
        f"/api/scripts/{script_id}/memory",
        json={"kind": "character_state", "character": "Mara", "chapter": 2, "state": {"status": "dead"}},
    )
    assert added.status_code == 201
    warnings = (await client.get(f"/api/scripts/{script_id}/continuity")).json()["data"]["warnings"]
    assert [(w["type"], w["chapter"], w["known_from"]) for w in warnings] == [("dead_speaking", 4, "character_state")]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data) -> None:
        self.text.append(data)


async def test_exports_parse_back(client, tmp_path) -> None:
    script_id = await new_script(client, framework={"chapter_count": 8, "genre": "mystery"}, title="Lantern")
    assert (await generate(client, script_id))["status"] == "completed"  # offline: a skeleton outline
    prose = "Mara lit the *lamp*.\n\n<script>alert(1)</script> stayed text."
    await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 2, "user_draft": prose})

    md = await client.get(f"/api/scripts/{script_id}/export", params={"format": "markdown", "include_meta": "true"})
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.headers["content-disposition"].startswith(f'attachment; filename="{script_id}_')
    text = md.text
    assert text.startswith("# Lantern\n") and "> **Generated offline:" in text
    assert text.count("\n## Chapter ") == 8 and "Mara lit the *lamp*." in text
    assert "### memory.json" in text and "### chapter_draft.json" in text and "## 附录 / Appendix" in text
    assert "Key beats" not in text  # chapter 1's offline prompts are not exported as its prose

    page = await client.get(f"/api/scripts/{script_id}/export", params={"format": "html"})
    parser = _Text()
    parser.feed(page.text)
    assert "em" in parser.tags and "script" not in parser.tags  # Markdown rendered, raw HTML escaped
    assert "<script>alert(1)</script> stayed text." in "".join(parser.text)
    assert page.text.count("<h2>") == 8 and 'class="notice"' in page.text

    plain = await client.get(f"/api/scripts/{script_id}/export", params={"format": "txt"})
    assert plain.text.startswith("Lantern\n\n[Generated offline:") and "Chapter 8" in plain.text

    envelope = await client.get(f"/api/scripts/{script_id}/export", params={"format": "json"})
    data = envelope.json()["data"]
    assert envelope.json()["message"] == "导出成功"
    assert data["format"] == "json" and data["content_format"] == "markdown" and data["export_type"] == "script"
    assert data["scene_id"] == script_id and data["offline"] is True and data["content"].startswith("# Lantern")
    assert data["file_size"] == len(data["content"].encode("utf-8"))
    assert [c["source"] for c in data["chapters"]] == ["none", "user_draft", *(["none"] * 6)]

    book_file = await client.get(f"/api/scripts/{script_id}/export", params={"format": "epub"})
    assert book_file.headers["content-type"] == "application/epub+zip"
    archive = zipfile.ZipFile(io.BytesIO(book_file.content))
    assert archive.read("mimetype") == b"application/epub+zip"
    path = tmp_path / "read.epub"
    path.write_bytes(book_file.content)  # ebooklib reads paths
    opened = epub.read_epub(str(path))
    assert opened.get_metadata("DC", "title")[0][0] == "Lantern"
    pages = [item for item in opened.get_items_of_type(ebooklib.ITEM_DOCUMENT) if item.file_name.startswith("chapter_")]
    assert len(pages) == 8 and b"Mara lit the <em>lamp</em>." in pages[1].get_content()

    reference = await client.get(f"/api/scripts/{script_id}/export", params={"format": "markdown", "source": "draft"})
    assert "Key beats" in reference.text and "Mara lit" not in reference.text  # the reference's draft-only export

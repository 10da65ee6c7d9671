"""Turning an uploaded file into text: .txt, .md and .epub, in whatever encoding a novel comes in.

Encodings: a BOM decides first (UTF-8, UTF-16), then strict UTF-8, then charset-normalizer, which recognises
GB18030/GBK, Big5, Shift-JIS and the like: Chinese novels are rarely UTF-8. Files that are binary, that
decode to control characters, or markdown that carries script are refused with FILE_INVALID.

An EPUB is a zip a client made: its limits (entries, total and per-document uncompressed size, chapters) are
checked from the zip's directory before anything is inflated, and XML carrying entity declarations (the
"billion laughs" family) is refused before any parser sees it. Anything ebooklib or its XML parser still
rejects is FILE_INVALID. `decode_upload` is pure and picklable: the router runs it in an isolated worker
process with a time and memory limit (`core.offload`).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath

from charset_normalizer import from_bytes
from ebooklib import epub

from sceneintruder.core.errors import PayloadTooLarge
from sceneintruder.core.offload import IsolatedWorkFailed
from sceneintruder.scenes.errors import FileInvalid
from sceneintruder.scenes.runtime import ScenesRuntime
from sceneintruder.scenes.schemas import UploadResult

TEXT_EXTENSIONS = frozenset({".txt", ".text", ".md", ".markdown"})
EPUB_EXTENSION = ".epub"
_MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
_SCRIPT_PATTERNS = re.compile(r"<\s*script|javascript\s*:|data\s*:\s*text/html|<\s*iframe", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAX_CONTROL_RATIO = 0.001
_XML_SUFFIXES = (".opf", ".ncx", ".xml", ".xhtml", ".html", ".htm", ".smil")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True)
class UploadLimits:
    """Decided before any work starts (from settings)."""

    max_chars: int  # characters of text after decoding
    epub_max_uncompressed_bytes: int = 64 * 1024 * 1024  # all entries of the archive, inflated
    epub_max_document_bytes: int = 16 * 1024 * 1024  # one entry, inflated
    epub_max_entries: int = 5_000
    epub_max_chapters: int = 2_000  # documents in the reading order


@dataclass(frozen=True)
class DecodedFile:
    filename: str
    content: str
    size: int
    encoding: str

    @property
    def char_count(self) -> int:
        return len(self.content)


def decode_upload(filename: str, data: bytes, limits: UploadLimits) -> DecodedFile:
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload.txt"
    extension = PurePosixPath(name).suffix.lower()
    if extension not in TEXT_EXTENSIONS and extension != EPUB_EXTENSION:
        raise FileInvalid("不支持的文件类型", details="accepted: .txt, .md, .epub")
    if not data:
        raise FileInvalid("文件为空")
    if extension == EPUB_EXTENSION:
        content, encoding = _epub_text(data, limits), "epub"
    else:
        content, encoding = _decode_text(data)
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    _check_text(content, markdown=extension in _MARKDOWN_EXTENSIONS)
    if len(content) > limits.max_chars:
        raise FileInvalid("文件内容过长", details=f"at most {limits.max_chars} characters")
    return DecodedFile(filename=name, content=content, size=len(data), encoding=encoding)


def _decode_text(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise FileInvalid("文本编码无效", details=encoding) from exc
    if b"\x00" in data:
        guess = from_bytes(data).best()
        if guess is None or not guess.encoding.startswith("utf_16"):
            raise FileInvalid("文件是二进制内容，不是文本")
        return str(guess), guess.encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is None:
        raise FileInvalid("无法识别文本编码")
    return str(guess), guess.encoding


def _check_text(content: str, *, markdown: bool) -> None:
    if not content.strip():
        raise FileInvalid("文件没有文本内容")
    controls = sum(1 for char in content if ord(char) < 32 and char not in "\n\t\f")
    if "\x00" in content or controls > max(2, len(content) * _MAX_CONTROL_RATIO):
        raise FileInvalid("文件是二进制内容，不是文本")
    if markdown and _SCRIPT_PATTERNS.search(content):
        raise FileInvalid("Markdown 文件包含脚本内容")


class _BlockTextParser(HTMLParser):
    """XHTML to text, keeping block boundaries as line breaks and dropping script/style."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self.parts).splitlines())
        return "\n\n".join(line for line in lines if line)


def _check_archive(data: bytes, limits: UploadLimits) -> None:
    """Refuse an archive by its directory (sizes as declared; zipfile never inflates past them: a lying entry
    fails its CRC), and XML that declares entities, before ebooklib reads anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > limits.epub_max_entries:
                raise FileInvalid("EPUB 文件条目过多", details=f"at most {limits.epub_max_entries} entries")
            if sum(info.file_size for info in entries) > limits.epub_max_uncompressed_bytes:
                raise FileInvalid(
                    "EPUB 文件解压后过大", details=f"at most {limits.epub_max_uncompressed_bytes} bytes uncompressed"
                )
            for info in entries:
                if info.file_size > limits.epub_max_document_bytes:
                    raise FileInvalid(
                        "EPUB 单个文件过大",
                        details=f"{info.filename}: at most {limits.epub_max_document_bytes} bytes uncompressed",
                    )
                if info.filename.lower().endswith(_XML_SUFFIXES) and _ENTITY_DECLARATION.search(archive.read(info)):
                    raise FileInvalid("EPUB 文件无效", details=f"{info.filename}: XML entity declarations")
    except zipfile.BadZipFile as exc:
        raise FileInvalid("EPUB 文件无效", details="not a zip archive") from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        raise FileInvalid("EPUB 文件无效", details=type(exc).__name__) from exc


def _epub_text(data: bytes, limits: UploadLimits) -> str:
    """The chapters of an EPUB in reading (spine) order."""
    _check_archive(data, limits)
    try:
        book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
    except Exception as exc:  # ebooklib and lxml raise a dozen types for a malformed book; all mean the same here
        raise FileInvalid("EPUB 文件无效", details=type(exc).__name__) from exc
    if len(book.spine) > limits.epub_max_chapters:
        raise FileInvalid("EPUB 章节过多", details=f"at most {limits.epub_max_chapters} chapters")
    documents = []
    for item_id, _linear in book.spine:
        item = book.get_item_with_id(item_id)
        if item is not None:
            documents.append(item.get_content())
    chapters = []
    total = 0
    for document in documents:
        parser = _BlockTextParser()
        parser.feed(document.decode("utf-8", errors="replace"))
        if text := parser.text():
            chapters.append(text)
            total += len(text)
            if total > limits.max_chars:
                raise FileInvalid("文件内容过长", details=f"at most {limits.max_chars} characters")
    if not chapters:
        raise FileInvalid("EPUB 没有文本内容")
    return "\n\n".join(chapters)


async def read_upload(runtime: ScenesRuntime, *, filename: str | None, data: bytes) -> UploadResult:
    """`POST /api/upload`: the file read in an isolated worker process, under limits set before it starts (size,
    EPUB entries and inflated size, characters, time, memory), so no upload can stall the server."""
    settings = runtime.settings
    if len(data) > settings.upload_max_bytes:
        raise PayloadTooLarge("文件过大", details=f"at most {settings.upload_max_bytes} bytes")
    if not filename:
        raise FileInvalid("缺少文件名")
    limits = UploadLimits(
        max_chars=settings.upload_max_chars,
        epub_max_uncompressed_bytes=settings.upload_epub_max_uncompressed_bytes,
        epub_max_document_bytes=settings.upload_epub_max_document_bytes,
        epub_max_chapters=settings.upload_epub_max_chapters,
    )
    try:
        decoded = await runtime.offload.run_isolated(
            decode_upload, filename, data, limits, timeout=settings.upload_decode_seconds
        )
    except IsolatedWorkFailed as exc:
        raise FileInvalid("文件无法在限定的时间和内存内读取", details=exc.reason) from exc
    return UploadResult(
        filename=decoded.filename,
        content=decoded.content,
        size=decoded.size,
        encoding=decoded.encoding,
        char_count=decoded.char_count,
    )

"""Hand-built EPUB archives, including hostile ones (a decompression bomb, XML entity expansion)."""

from __future__ import annotations

import io
import zipfile

CONTAINER = b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def opf(chapters: int, *, doctype: str = "") -> bytes:
    manifest = "".join(
        f'<item id="c{n}" href="c{n}.xhtml" media-type="application/xhtml+xml"/>' for n in range(chapters)
    )
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(chapters))
    return f"""<?xml version="1.0" encoding="utf-8"?>{doctype}
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x</dc:identifier>
    <dc:title>Hostile</dc:title><dc:language>en</dc:language></metadata>
  <manifest>{manifest}</manifest>
  <spine>{spine}</spine>
</package>""".encode()


def chapter(body: str) -> bytes:
    return f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html>'.encode()


def archive(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in files.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def book(chapters: list[str], *, doctype: str = "") -> bytes:
    files = {"OEBPS/content.opf": opf(len(chapters), doctype=doctype)}
    files.update({f"OEBPS/c{n}.xhtml": chapter(body) for n, body in enumerate(chapters)})
    return archive(files)


def bomb(chapter_bytes: int = 95 * 1024 * 1024) -> bytes:
    """One chapter of `chapter_bytes` of the same paragraph: a few hundred KB compressed."""
    paragraph = b"<p>All work and no play makes Jack a dull boy.</p>"
    head, tail = b'<html xmlns="http://www.w3.org/1999/xhtml"><body>', b"</body></html>"
    body = paragraph * ((chapter_bytes - len(head) - len(tail)) // len(paragraph))
    return archive({"OEBPS/content.opf": opf(1), "OEBPS/c0.xhtml": head + body + tail})


LAUGHS = """
<!DOCTYPE package [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""

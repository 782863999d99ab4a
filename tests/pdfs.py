"""Small PDFs with a text layer, written here byte by byte (no PDF writer is installed): pages of
paragraphs in Helvetica, WinAnsi-encoded (French letters included), laid out as a report's
justified column would be: each paragraph broken into lines, paragraphs apart."""

import zlib


def _escaped(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page_stream(paragraphs: list[list[str]]) -> bytes:
    ops = [b"BT /F1 11 Tf 14 TL 72 770 Td"]
    for lines in paragraphs:
        for line in lines:
            ops.append(b"(" + _escaped(line) + b") Tj T*")
        ops.append(b"T* T*")  # a gap between paragraphs
    ops.append(b"ET")
    return b"\n".join(ops)


def pdf_bytes(pages: list[list[list[str]]], *, title: str = "") -> bytes:
    """A PDF of `pages`, each a list of paragraphs, each a list of lines; `title` in its
    document information."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled below
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for paragraphs in pages:
        data = zlib.compress(_page_stream(paragraphs))
        stream = add(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] " % pages_id
                + b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, stream)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    # A text string in UTF-16 with its byte-order mark, as most writers put it.
    info = None
    if title:
        info = add(b"<< /Title <FEFF%s> >>" % title.encode("utf-16-be").hex().encode())

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)

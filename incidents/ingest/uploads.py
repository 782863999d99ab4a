"""Uploaded files: a report an editor received as a file (plain text, an HTML page, an e-mail, a
PDF) or
an ACLED or UCDP GED CSV export, stored once as a raw report (its bytes and their SHA-256 kept as
evidence) and then processed like any other report: a text through extraction, an export through
the dataset import on the imports queue.

What can be read is what the installed libraries read well: text in any common encoding
(charset-normalizer), HTML (trafilatura, as for feed articles), e-mail (the standard library) and
PDF with a text layer (pdfminer.six; a scan without one is refused: there is no OCR). Anything
else is refused with a message saying which files are accepted."""

import codecs
import csv
import email
import email.policy
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.ingest import fetch
from incidents.ingest.models import IngestSource, IngestSourceKind, RawReport
from incidents.ingest.pipeline import IngestError, report_store

UPLOADED_SOURCE_NAME = "Uploaded files"
# The kinds of source a file is uploaded to, and the dataset each export kind is.
UPLOAD_KINDS = (IngestSourceKind.UPLOAD, IngestSourceKind.UCDP_CSV, IngestSourceKind.ACLED_CSV)
DATASET_OF_KIND = {IngestSourceKind.UCDP_CSV: "ucdp", IngestSourceKind.ACLED_CSV: "acled"}
TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm")
EMAIL_SUFFIXES = (".eml",)
PDF_SUFFIXES = (".pdf",)
# The columns without which a file is not the export it claims to be (the first ones a reader of
# each codebook looks for; the row mappings check the rest, row by row).
DATASET_COLUMNS = {
    "ucdp": ("id", "date_start", "date_end", "latitude", "longitude", "best"),
    "acled": ("event_id_cnty", "event_date", "latitude", "longitude", "fatalities"),
}


class UploadError(IngestError):
    """A file that cannot be ingested; the message says why, for the upload form's file field."""


@dataclass
class UploadedText:
    text: str
    title: str
    content_type: str
    published_at: datetime | None = None


def upload_source() -> IngestSource:
    """The source that uploaded reports are filed under unless another is chosen."""
    source, _created = IngestSource.objects.get_or_create(
        name=UPLOADED_SOURCE_NAME,
        defaults={"kind": IngestSourceKind.UPLOAD, "enabled": False},
    )
    return source


def upload_store(
    *,
    source_id: int,
    name: str,
    content: bytes,
    published: date | None = None,
    dataset_version: str = "",
) -> tuple[RawReport, bool]:
    """Stores an uploaded file once (by the SHA-256 of its bytes) under an upload source; returns
    the report and whether it is new (a file uploaded before is the report stored then). The
    caller enqueues a new report (tasks.report_enqueue). Raises UploadError for a file that
    cannot be read as what the source takes."""
    source = IngestSource.objects.get(pk=source_id)
    if source.kind not in UPLOAD_KINDS:
        raise UploadError(_("Files are uploaded to a source of an upload kind."))
    if not content:
        raise UploadError(_("The file is empty."))
    if len(content) > settings.INGEST_UPLOAD_MAX_BYTES:
        raise UploadError(
            _("The file is larger than %(size)d MB.")
            % {"size": settings.INGEST_UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    dataset = DATASET_OF_KIND.get(source.kind)
    if dataset:
        dataset_check(dataset, name, content)
        return report_store(
            source=source,
            content=content,
            text="",
            title=PurePath(name).name,
            published_at=_moment(published) if published else None,
            content_type="text/csv; charset=utf-8",
            dataset_version=dataset_version.strip()[:50],
        )
    uploaded = upload_read(name, content)
    return report_store(
        source=source,
        content=content,
        text=uploaded.text,
        title=uploaded.title or PurePath(name).name,
        published_at=uploaded.published_at or _moment(published or timezone.localdate()),
        content_type=uploaded.content_type,
    )


def upload_read(name: str, content: bytes) -> UploadedText:
    """The text of an uploaded report, by its file name's suffix: plain text, an HTML page (its
    main text) or an e-mail (subject, date and body)."""
    suffix = PurePath(name.lower()).suffix
    if suffix in TEXT_SUFFIXES:
        text = text_decode(content).strip()
        uploaded = UploadedText(text, _first_line(text), "text/plain; charset=utf-8")
    elif suffix in HTML_SUFFIXES:
        uploaded = _html_read(content)
    elif suffix in EMAIL_SUFFIXES:
        uploaded = email_read(content)
    elif suffix in PDF_SUFFIXES:
        uploaded = pdf_read(content)
    else:
        raise UploadError(
            _("Files of this type cannot be read: upload a .txt, .html, .eml or .pdf file.")
        )
    if not uploaded.text:
        raise UploadError(_("No text was found in the file."))
    return uploaded


def text_decode(content: bytes) -> str:
    """Text in UTF-8 (with or without its byte-order mark) or UTF-16 with its mark; else
    Windows-1252, the default of the French and English desktops reports come from (a short
    French text is too little for a detector to tell it from Central European code pages); else
    the encoding charset-normalizer finds most likely."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(content).best()
    if best is None:
        raise UploadError(_("The file is not readable text."))
    return str(best)


def _html_read(content: bytes) -> UploadedText:
    html = text_decode(content)
    text = fetch.article_text(html) or fetch.html_to_text(html)
    title = ""
    try:
        import lxml.html

        title = " ".join((lxml.html.fromstring(html).findtext(".//title") or "").split())
    except (ValueError, TypeError, SyntaxError):
        title = ""
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return UploadedText(text.strip(), title or _first_line(text), "text/html; charset=utf-8")


def email_read(content: bytes) -> UploadedText:
    """An e-mail's subject, date and body (its plain-text part, else the text of its HTML
    part)."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    subject = " ".join(str(message.get("subject") or "").split())
    published = None
    try:
        header = message.get("date")
        published = header.datetime if header is not None else None
    except (TypeError, ValueError, AttributeError):
        published = None
    if published is not None and timezone.is_naive(published):
        published = timezone.make_aware(published)
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        raw = body.get_content()
        raw = raw if isinstance(raw, str) else text_decode(raw)
        if body.get_content_type() == "text/html":
            raw = fetch.article_text(raw) or fetch.html_to_text(raw)
        text = raw.strip()
    if subject and text and not text.startswith(subject):
        text = f"{subject}\n\n{text}"
    return UploadedText(text or subject, subject or _first_line(text), "message/rfc822", published)


# A line broken inside a paragraph (not after the end of a sentence, a colon or a blank line).
_SOFT_BREAK = re.compile(r"(?<=[^\s.!?:;»”\"])[ \t]*\n(?=[ \t]*[^\s•\-–—*\d])")


def pdf_read(content: bytes) -> UploadedText:
    """A PDF's text (its text layer, page by page) with the lines of each paragraph joined again,
    so that "near\nBoni" reads as "near Boni"; the title from its metadata, else its first line.
    A damaged or password-protected file and a scan without text are refused, saying which."""
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.pdftypes import resolve1
    from pdfminer.psexceptions import PSException
    from pdfminer.utils import decode_text

    if content.lstrip()[:5] != b"%PDF-":
        raise UploadError(_("The file is not a PDF."))
    try:
        document = PDFDocument(PDFParser(io.BytesIO(content)))
        text = extract_text(io.BytesIO(content))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise UploadError(_("The PDF is protected by a password: upload it unprotected.")) from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError):
        raise UploadError(_("The PDF is damaged and cannot be read.")) from None
    paragraphs = []
    for block in re.split(r"\n\s*\n|\f", text.replace("\r", "")):
        block = _SOFT_BREAK.sub(" ", block)
        lines = (" ".join(line.split()) for line in block.splitlines())
        paragraphs.append("\n".join(line for line in lines if line))
    text = "\n\n".join(p for p in paragraphs if p)
    if not text:
        raise UploadError(
            _("The PDF has no text layer (a scan?): paste its text or upload it as text.")
        )
    title = ""
    for info in document.info:
        value = resolve1(info.get("Title"))
        if isinstance(value, bytes):
            value = decode_text(value)  # UTF-16 with its mark, else PDFDocEncoding
        if isinstance(value, str) and value.strip():
            title = " ".join(value.split())
            break
    return UploadedText(text, title or _first_line(text), "application/pdf")


def dataset_check(dataset: str, name: str, content: bytes) -> None:
    """Refuses a file that is not a CSV export of this dataset (by its suffix and header)."""
    if PurePath(name.lower()).suffix != ".csv":
        raise UploadError(_("An ACLED or UCDP export is uploaded as a .csv file."))
    try:
        first = content[:65536].decode("utf-8-sig").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        raise UploadError(_("The file is not a UTF-8 CSV export.")) from None
    header = {column.strip() for column in next(csv.reader(io.StringIO(first)), [])}
    missing = [column for column in DATASET_COLUMNS[dataset] if column not in header]
    if missing:
        raise UploadError(
            _("This is not a %(dataset)s export: the columns %(columns)s are missing.")
            % {"dataset": dataset.upper(), "columns": ", ".join(missing)}
        )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))

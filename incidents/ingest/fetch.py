"""Fetching over HTTP: feeds with conditional requests (ETag / If-Modified-Since), their entries
(RSS and Atom through feedparser, JSON Feed 1.x as JSON), and article pages, whose text is
extracted with trafilatura. No database here: pipeline.py stores what this returns.

Errors are of two kinds, so that the tasks know what to retry: `FetchError` (the network, a
server error, a malformed feed: worth another try later) and nothing else (a bug)."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import strip_tags

# Query parameters that only track the reader: the same article with or without them is one.
TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "xtor"}
TRACKING_PREFIXES = ("utm_", "at_", "pk_")
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_BYTES = 10 * 1024 * 1024


class FetchError(Exception):
    """Fetching or reading a feed or page failed in a way another try may fix (network, server
    error, malformed feed). The message says what failed; `status` is the HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def gone(self) -> bool:
        """The server says the resource is not there (4xx): another try will not fix it."""
        return self.status is not None and 400 <= self.status < 500


@dataclass
class Response:
    """A fetched resource, or `not_modified` when the server answered 304."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Entry:
    """One item of a feed: its link, title, date and whatever text the feed carries (`content`
    when the feed gives the full text, else only `summary`)."""

    url: str
    title: str = ""
    published_at: datetime | None = None
    summary: str = ""
    content: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return html_to_text(self.content or self.summary)


def normalise_url(url: str) -> str:
    """The form of an address two copies of one article share: https, lower-case host, no
    default port, no fragment, no tracking parameters, parameters sorted, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def valid_url(url: str) -> str:
    """The address if it is a valid http(s) URL, else "" (a feed may give anything)."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url if len(url) <= 1000 else ""


def http_get(url: str, *, etag: str = "", last_modified: str = "") -> Response:
    """GET with a timeout and, when given, a conditional request. Raises FetchError for a
    network failure or an answer other than 2xx or 304."""
    headers = {"User-Agent": settings.INGEST_USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with requests.get(
            url, headers=headers, timeout=settings.INGEST_HTTP_TIMEOUT, stream=True
        ) as answer:
            if answer.status_code == 304:
                return Response(url=url, status=304, etag=etag, last_modified=last_modified)
            if not 200 <= answer.status_code < 300:
                raise FetchError(
                    f"HTTP {answer.status_code} {answer.reason} from {url}",
                    status=answer.status_code,
                )
            content = _read_limited(answer)
            return Response(
                url=answer.url,
                status=answer.status_code,
                content=content,
                content_type=answer.headers.get("Content-Type", ""),
                etag=answer.headers.get("ETag", ""),
                last_modified=answer.headers.get("Last-Modified", ""),
            )
    except requests.RequestException as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc


def _read_limited(answer: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in answer.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError(f"more than {MAX_BYTES} bytes from {answer.url}")
        chunks.append(chunk)
    return b"".join(chunks)


# --- Feeds ------------------------------------------------------------------------------------


def parse_feed(content: bytes, *, url: str = "") -> list[Entry]:
    """The entries of an RSS or Atom feed. Raises FetchError for something that is not a feed
    (feedparser reads broken feeds leniently; one with no recognisable structure is refused)."""
    import feedparser

    parsed = feedparser.parse(content, response_headers={"content-location": url})
    if parsed.bozo and not parsed.entries:
        raise FetchError(f"malformed feed: {parsed.get('bozo_exception') or 'not a feed'}")
    if not parsed.get("version") and not parsed.entries:
        raise FetchError("malformed feed: neither RSS nor Atom")
    return [_feed_entry(item) for item in parsed.entries]


def _feed_entry(item) -> Entry:
    content = " ".join(part.get("value", "") for part in item.get("content", []))
    when = item.get("published_parsed") or item.get("updated_parsed")
    return Entry(
        url=item.get("link", ""),
        title=html_to_text(item.get("title", "")),
        published_at=datetime(*when[:6], tzinfo=UTC) if when else None,
        summary=item.get("summary", ""),
        content=content,
        raw={"id": item.get("id", ""), "link": item.get("link", "")},
    )


def parse_json_feed(content: bytes) -> list[Entry]:
    """The items of a JSON Feed (jsonfeed.org, version 1 or 1.1). Raises FetchError for
    anything else."""
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"malformed JSON feed: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise FetchError("malformed JSON feed: no list of items")
    if "jsonfeed.org/version/1" not in str(document.get("version", "")):
        raise FetchError("malformed JSON feed: not a JSON Feed version 1")
    return [_json_entry(item) for item in document["items"] if isinstance(item, dict)]


def _json_entry(item: dict) -> Entry:
    return Entry(
        url=str(item.get("url") or item.get("external_url") or ""),
        title=str(item.get("title") or ""),
        published_at=_iso_datetime(item.get("date_published") or item.get("date_modified")),
        summary=str(item.get("summary") or ""),
        content=str(item.get("content_text") or item.get("content_html") or ""),
        raw={"id": str(item.get("id", ""))},
    )


def _iso_datetime(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- Text -------------------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed's summary or content), whitespace collapsed."""
    return " ".join(unescape(strip_tags(html or "")).split())


def article_text(html: bytes | str, *, url: str = "") -> str:
    """The article's text from a whole web page (trafilatura: the main text without menus,
    comments and boilerplate); "" when it finds none."""
    import trafilatura

    text = trafilatura.extract(
        html if isinstance(html, str) else html.decode("utf-8", "replace"),
        url=url or None,
        include_comments=False,
        include_tables=False,
    )
    return (text or "").strip()


def is_html(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in HTML_TYPES

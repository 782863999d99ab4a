"""Feeds polled by the real Celery worker over real Redis, served by a real HTTP server on this
machine (pytest-httpserver): new items become drafts, a second poll adds nothing (and a 304 to
the ETag is honoured), a server error and a malformed feed are recorded, retried and given up, a
dead report is re-run from the admin."""

import hashlib
import re
import time

import pytest
from django.conf import settings
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from incidents.ingest import pipeline, tasks
from incidents.ingest.models import IngestSource, IngestSourceKind, RawReport, ReportStatus
from incidents.models import Claim, Incident, Origin, Source, Status
from tests.conftest import require_module
from tests.factories import UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 90


def require_libraries(*, feeds: bool = True, extractor: bool = True) -> None:
    """The libraries these tests exercise (declared by the project)."""
    if feeds:
        require_module("feedparser", "feedparser")
        require_module("trafilatura", "trafilatura")
    if extractor:
        require_module("ahocorasick", "pyahocorasick")
        require_module("text_to_num", "text2num")


class FeedServer:
    """Answers set per path on pytest-httpserver's real local HTTP server: it honours
    If-None-Match against a path's ETag, and its log keeps every request."""

    def __init__(self, httpserver: HTTPServer):
        self.httpserver = httpserver
        self.routes: dict[str, dict] = {}
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.answer)

    def answer(self, request: Request) -> Response:
        route = self.routes.get(request.path)
        if route is None:
            return Response(status=404)
        etag = route.get("etag")
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        headers = {"ETag": etag} if etag else {}
        return Response(
            route.get("body", b""),
            status=route.get("status", 200),
            headers=headers,
            content_type=route.get("type", "application/rss+xml"),
        )

    def url(self, path: str) -> str:
        return self.httpserver.url_for(path)

    def hits(self, path: str) -> list[dict]:
        return [dict(request.headers) for request, _ in self.httpserver.log if request.path == path]


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """On the loopback address, any free port (pytest-httpserver would say "localhost")."""
    return ("127.0.0.1", 0)


@pytest.fixture
def feed_server(httpserver):
    return FeedServer(httpserver)


def wait_for(condition, what: str, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"waited {timeout} s for {what}; see var/test-worker-*.log")


AMBUSH = (
    "Gunmen ambushed a convoy of the Malian army near Boni on Tuesday, killing at least "
    "eight soldiers, according to local sources. JNIM claimed the attack."
)
STRIKE = (
    "A drone strike hit a wedding in Tinzaouaten, Kidal region, on Sunday. Seven civilians, "
    "including three children, were killed, according to residents."
)
PAGE = (
    b"<html><head><title>Attack in Djibo</title></head><body><nav>Home | World | Africa</nav>"
    b"<article><h1>Attack in Djibo</h1><p>Armed men attacked the market of Djibo in northern "
    b"Burkina Faso on Friday, killing twelve civilians and wounding about twenty, according to "
    b"the regional governor.</p><p>The attackers, believed to belong to JNIM, fled towards the "
    b"border with Mali after the attack. Residents said shops were burnt down and livestock "
    b"taken. The army sent reinforcements from Ouahigouya in the evening.</p></article>"
    b"<footer>Copyright</footer></body></html>"
)


def rss(items: list[tuple[str, str, str, str]]) -> bytes:
    """An RSS 2.0 feed; each item (link, title, date, description)."""
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{day}</pubDate><description>{text}</description></item>"
        for link, title, day, text in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Sahel news</title><link>http://127.0.0.1/</link><description>x</description>"
        f"{entries}</channel></rss>"
    ).encode()


def make_feed(server: FeedServer) -> IngestSource:
    """A feed of three items: two with their full text, one with a summary linking to an HTML
    article page on the same server."""
    server.routes["/article/djibo"] = {"body": PAGE, "type": "text/html; charset=utf-8"}
    server.routes["/feed.xml"] = {
        "etag": '"v1"',
        "body": rss(
            [
                (
                    server.url("/news/boni?utm_source=rss"),
                    "Ambush near Boni",
                    "Thu, 20 Jun 2024 09:00:00 GMT",
                    AMBUSH,
                ),
                (
                    server.url("/news/tinzaouaten"),
                    "Strike in Tinzaouaten",
                    "Mon, 24 Jun 2024 10:00:00 GMT",
                    STRIKE,
                ),
                (
                    server.url("/article/djibo"),
                    "Attack in Djibo",
                    "Sat, 15 Jun 2024 08:00:00 GMT",
                    "Armed men attacked Djibo.",
                ),
            ]
        ),
    }
    return IngestSource.objects.create(
        name="Test feed", kind=IngestSourceKind.FEED, url=server.url("/feed.xml"),
        publisher="Sahel news", poll_interval_minutes=5,
    )  # fmt: skip


def test_new_items_become_drafts_and_polling_again_adds_nothing(
    celery_worker, committed_reference_data, feed_server
):
    require_libraries()
    source = make_feed(feed_server)

    assert tasks.poll_due_sources.delay().get(timeout=30) == 1
    reports = wait_for(
        lambda: (
            RawReport.objects.filter(status__in=["drafted", "attached"]).count() == 3
            and RawReport.objects.all()
        ),
        "three reports drafted",
    )
    assert {r.status for r in reports} == {ReportStatus.DRAFTED}
    drafts = Incident.objects.filter(origin=Origin.INGESTED)
    assert drafts.count() == 3
    assert set(drafts.values_list("status", flat=True)) == {Status.DRAFT}
    # Each report is cited by a source with a claim on its draft.
    assert Source.objects.filter(publisher="Sahel news").count() == 3
    assert Claim.objects.filter(incident__in=drafts).count() == 3
    # The article page was fetched, kept as evidence with its hash, and read by trafilatura.
    djibo = RawReport.objects.get(url=feed_server.url("/article/djibo"))
    assert bytes(djibo.content) == PAGE
    assert djibo.content_sha256 == hashlib.sha256(PAGE).hexdigest()
    assert "twelve civilians" in djibo.text and "Copyright" not in djibo.text
    assert Claim.objects.get(source=djibo.source_record).killed_civilians_best == 12
    # The tracking parameter is not part of the report's identity.
    boni = RawReport.objects.get(title="Ambush near Boni")
    assert boni.normalised_url == feed_server.url("/news/boni").replace("http:", "https:")
    source.refresh_from_db()
    assert source.etag == '"v1"' and source.last_error == "" and source.last_success_at

    # Again: the server answers 304 to the ETag; nothing new is stored or drafted.
    tasks.sources_poll_now([source.pk])
    wait_for(lambda: len(feed_server.hits("/feed.xml")) == 2, "a second poll")
    assert feed_server.hits("/feed.xml")[1].get("If-None-Match") == '"v1"'
    time.sleep(2)
    assert RawReport.objects.count() == 3 and drafts.count() == 3

    # A server that ignores conditional requests: the same items are recognised by address.
    feed_server.routes["/feed.xml"].pop("etag")
    tasks.sources_poll_now([source.pk])
    wait_for(lambda: len(feed_server.hits("/feed.xml")) == 3, "a third poll")
    wait_for(lambda: IngestSource.objects.get(pk=source.pk).etag == "", "the third poll to finish")
    time.sleep(2)
    assert RawReport.objects.count() == 3 and drafts.count() == 3
    assert len(feed_server.hits("/article/djibo")) == 1  # not fetched again


@pytest.mark.parametrize(
    ("route", "error"),
    [
        ({"status": 500, "body": b"oops"}, "HTTP 500"),
        ({"body": b"<html><body>Not a feed at all", "type": "text/html"}, "malformed feed"),
    ],
    ids=["server error", "malformed feed"],
)
def test_a_failing_feed_is_recorded_retried_then_given_up(
    celery_worker, transactional_db, feed_server, route, error
):
    require_libraries(extractor=False)
    feed_server.routes["/feed.xml"] = route
    source = IngestSource.objects.create(
        name="Broken feed", kind=IngestSourceKind.FEED, url=feed_server.url("/feed.xml")
    )

    tasks.poll_source.delay(source.pk)

    source = wait_for(
        lambda: IngestSource.objects.filter(pk=source.pk, dead_since__isnull=False).first(),
        "the poll to be given up",
    )
    attempts = settings.INGEST_MAX_RETRIES + 1
    assert len(feed_server.hits("/feed.xml")) == attempts
    assert source.consecutive_failures == attempts
    assert error in source.last_error
    assert source.last_success_at is None
    assert RawReport.objects.count() == 0
    # Each failure is in the source's history.
    assert source.events.filter(pgh_label="update").count() >= attempts


def test_a_malformed_json_feed_is_recorded_as_a_failure(
    celery_worker, transactional_db, feed_server
):
    feed_server.routes["/feed.json"] = {"body": b'{"items": [', "type": "application/json"}
    source = IngestSource.objects.create(
        name="Broken JSON feed", kind=IngestSourceKind.JSON_FEED, url=feed_server.url("/feed.json")
    )
    tasks.poll_source.delay(source.pk)
    source = wait_for(
        lambda: IngestSource.objects.filter(pk=source.pk, dead_since__isnull=False).first(),
        "the poll to be given up",
    )
    assert "malformed JSON feed" in source.last_error


def test_a_json_feed_is_polled_conditionally(celery_worker, committed_reference_data, feed_server):
    require_libraries(feeds=False)
    feed_server.routes["/feed.json"] = {
        "etag": '"j1"',
        "type": "application/feed+json",
        "body": (
            '{"version": "https://jsonfeed.org/version/1.1", "title": "Sahel", "items": [{"id": '
            f'"1", "url": "{feed_server.url("/n/1")}", "title": "Ambush near Boni", '
            f'"date_published": "2024-06-20T09:00:00Z", "content_text": "{AMBUSH}"}}]}}'
        ).encode(),
    }
    source = IngestSource.objects.create(
        name="JSON feed", kind=IngestSourceKind.JSON_FEED, url=feed_server.url("/feed.json")
    )
    tasks.poll_source.delay(source.pk)
    report = wait_for(
        lambda: RawReport.objects.filter(status=ReportStatus.DRAFTED).first(), "a draft"
    )
    assert report.incident.origin == Origin.INGESTED
    tasks.sources_poll_now([source.pk])
    wait_for(lambda: len(feed_server.hits("/feed.json")) == 2, "a second poll")
    assert feed_server.hits("/feed.json")[1].get("If-None-Match") == '"j1"'
    assert RawReport.objects.count() == 1


def test_a_dead_report_is_kept_with_its_error_and_re_run_from_the_admin(
    celery_worker, committed_reference_data, client
):
    require_libraries(feeds=False)
    report, _ = pipeline.text_ingest(AMBUSH)
    # A stored stage that does not hold together (its geocoding lost): every attempt fails.
    RawReport.objects.filter(pk=report.pk).update(
        extraction={"language": "en", "events": [{"places": []}]},
        geocoding=[],
        status=ReportStatus.EXTRACTED,
    )

    tasks.process_report.delay(report.pk)

    report = wait_for(
        lambda: RawReport.objects.filter(pk=report.pk, status=ReportStatus.DEAD).first(),
        "the report to be dead",
    )
    assert report.attempts == settings.INGEST_MAX_RETRIES + 1
    assert report.last_error.startswith("IndexError")
    assert not Incident.objects.exists()

    client.force_login(UserFactory(username="admin", role="admin"))
    response = client.post(
        "/admin/incidents/rawreport/",
        {"action": "rerun", "_selected_action": [report.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 report will be processed again." in response.content.decode()

    report = wait_for(
        lambda: RawReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFTED).first(),
        "the re-run report to be drafted",
    )
    assert report.incident.origin == Origin.INGESTED
    assert report.last_error == ""

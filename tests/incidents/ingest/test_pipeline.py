"""The ingestion pipeline's services, run in the test process against the real database and
geocoder: a report is stored once, matching scores duplicates, reports about one event attach to
one incident, failures are recorded and dead-lettered, re-runs work, and the worker state shows
in the admin and in /healthz for staff only."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction

from incidents.ingest import matching, pipeline
from incidents.ingest.fetch import FetchError, normalise_url, parse_json_feed
from incidents.ingest.models import IngestSource, IngestSourceKind, RawReport, ReportStatus
from incidents.models import Claim, Incident, Origin, Source, Status
from tests.conftest import require_module
from tests.factories import ActorFactory, IncidentActorFactory, IncidentFactory


def require_extractor() -> None:
    require_module("ahocorasick", "pyahocorasick")
    require_module("text_to_num", "text2num")


@pytest.fixture
def feed(db) -> IngestSource:
    return IngestSource.objects.create(
        name="Feed", kind=IngestSourceKind.FEED, url="https://news.example/feed.xml"
    )


# --- Stored once ------------------------------------------------------------------------------


def test_addresses_that_differ_only_in_form_normalise_to_one():
    assert normalise_url("HTTP://News.Example:80/a/b/?utm_source=rss&b=2&a=1#top") == (
        "https://news.example/a/b?a=1&b=2"
    )
    assert normalise_url("https://news.example/a/b?a=1&b=2&fbclid=x") == (
        "https://news.example/a/b?a=1&b=2"
    )
    assert normalise_url("https://news.example/a/b?id=2") != normalise_url(
        "https://news.example/a/b?id=3"
    )


def test_a_report_is_stored_once_by_address_and_once_by_content(feed):
    first, created = pipeline.report_store(
        source=feed, content=b"one", text="one", url="http://news.example/a?utm_medium=x"
    )
    assert created
    same_address, created = pipeline.report_store(
        source=feed, content=b"one, edited later", text="one", url="https://news.example/a/"
    )
    assert (same_address, created) == (first, False)
    same_bytes, created = pipeline.report_store(
        source=feed, content=b"one", text="one", url="https://mirror.example/a"
    )
    assert (same_bytes, created) == (first, False)
    assert RawReport.objects.count() == 1
    assert first.content_sha256 == (
        "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed"
    )


def test_the_database_refuses_a_second_copy_whoever_writes_it(feed):
    report, _ = pipeline.report_store(
        source=feed, content=b"x", text="x", url="https://news.example/x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        RawReport.objects.create(
            source=feed, content=b"y", content_sha256="0" * 64, normalised_url=report.normalised_url
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RawReport.objects.create(source=feed, content=b"x", content_sha256=report.content_sha256)


def test_pasted_text_is_one_report_per_text_and_publication_day(db):
    first, created = pipeline.text_ingest("Attack in Boni.", published=date(2024, 6, 20))
    again, created_again = pipeline.text_ingest(" Attack in Boni. \n", published=date(2024, 6, 20))
    other_day, created_other = pipeline.text_ingest("Attack in Boni.", published=date(2024, 6, 21))
    assert (created, created_again, created_other) == (True, False, True)
    assert again == first and other_day != first
    assert first.source.kind == IngestSourceKind.PASTED
    with pytest.raises(pipeline.IngestError):
        pipeline.text_ingest("  \n ")


def test_a_json_feed_is_read_and_anything_else_refused():
    entries = parse_json_feed(
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
        b'"url": "https://n.example/1", "title": "T", "date_published": "2024-06-20T09:00:00Z",'
        b' "content_html": "<p>Seven <b>killed</b></p>"}]}'
    )
    assert [(e.url, e.title, e.text) for e in entries] == [
        ("https://n.example/1", "T", "Seven killed")
    ]
    assert entries[0].published_at == datetime(2024, 6, 20, 9, tzinfo=UTC)
    for bad in (b"<rss/>", b'{"items": 3}', b'{"version": "x", "items": []}'):
        with pytest.raises(FetchError, match="malformed JSON feed"):
            parse_json_feed(bad)


# --- Matching ---------------------------------------------------------------------------------


def facts(**kw) -> matching.EventFacts:
    values = {
        "date_start": date(2024, 3, 1),
        "date_end": date(2024, 3, 1),
        "lon": -3.85,
        "lat": 14.44,
        "geo_precision": 1,
        "event_type": "battles",
        "sub_event_type": "armed_clash",
    }
    return matching.EventFacts(**{**values, **kw})


def test_the_same_event_scores_above_the_threshold_and_others_below(db):
    jnim = ActorFactory()
    same = IncidentFactory()
    IncidentActorFactory(incident=same, actor=jnim)
    result = matching.match_event(facts(actor_ids=frozenset({jnim.pk})))
    assert (result.decision, result.candidate_id) == (matching.Decision.ATTACH, same.pk)
    assert result.score == 1.0

    # 30 km away on the same day, same type and actors: perhaps the same, for an editor.
    result = matching.match_event(facts(lon=-3.57, actor_ids=frozenset({jnim.pk})))
    assert result.decision == matching.Decision.REVIEW and result.candidate_id == same.pk
    # Another type, far away, or a week later: a new incident.
    assert matching.match_event(facts(lon=-2.5)).decision == matching.Decision.NEW
    later = facts(date_start=date(2024, 3, 9), date_end=date(2024, 3, 9))
    assert matching.match_event(later).decision == matching.Decision.NEW
    other_type = facts(event_type="violence_against_civilians", sub_event_type="attack", lon=-3.7)
    assert matching.match_event(other_type).decision != matching.Decision.ATTACH


def test_matching_ignores_retracted_incidents_and_excluded_ones(db):
    incident = IncidentFactory()
    assert matching.match_event(facts(), exclude_ids={incident.pk}).candidate_id is None
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RETRACTED, retraction_reason="duplicate"
    )
    assert matching.match_event(facts()).candidate_id is None


def test_scores_of_each_part():
    assert (
        matching.date_score(date(2024, 3, 1), date(2024, 3, 3), date(2024, 3, 2), date(2024, 3, 2))
        == 1
    )
    assert (
        matching.date_score(date(2024, 3, 1), date(2024, 3, 1), date(2024, 3, 3), date(2024, 3, 3))
        == 0.5
    )
    assert matching.place_score(3, 1, 1) == 1 and matching.place_score(40, 1, 1) == 0
    # An area's centroid may lie far from the place itself: distance counts for less.
    assert matching.place_score(40, 1, 3) > 0.5
    assert matching.place_score(None, 1, 1) == matching.UNKNOWN
    assert matching.actor_score({1, 2}, {2}) == 1 and matching.actor_score({1}, {2}) == 0
    assert matching.actor_score(set(), {2}) == matching.UNKNOWN


# --- Whole reports ----------------------------------------------------------------------------

AMBUSH = (
    "Gunmen ambushed a convoy of the Malian army near Boni on Tuesday, killing at least eight "
    "soldiers, according to local sources. JNIM claimed the attack."
)
AMBUSH_AGAIN = (
    "Boni: JNIM fighters attacked an army convoy on Tuesday. About ten soldiers were killed, "
    "the army said."
)
ELSEWHERE = (
    "A drone strike hit a wedding in Tinzaouaten, Kidal region, on Sunday. Seven civilians, "
    "including three children, were killed, according to residents."
)


def ingest(text: str, day: date) -> RawReport:
    report, _ = pipeline.text_ingest(text, published=day)
    return pipeline.report_process(report.pk)


def test_a_report_becomes_a_geocoded_draft_with_its_participants_and_claim(reference_data):
    require_extractor()
    report = ingest(AMBUSH, date(2024, 6, 20))  # a Thursday: "Tuesday" is 18 June

    assert report.status == ReportStatus.DRAFTED
    incident = report.incident
    assert (incident.status, incident.origin) == (Status.DRAFT, Origin.INGESTED)
    assert incident.date_start == incident.date_end == date(2024, 6, 18)
    assert incident.location_name == "Boni"
    assert incident.location.distance(Point(-2.2211, 15.075, srid=4326)) < 0.01
    assert incident.geo_precision == 2  # near Boni
    assert {p.actor.slug for p in incident.participants.all()} >= {"jnim"}
    claim = Claim.objects.get(incident=incident)
    assert claim.source == report.source_record
    assert (claim.killed_side_a_low, claim.killed_side_a_best) == (8, 8)
    assert claim.fatalities_low == 8
    assert "according to local sources" in claim.summary or "local sources" in claim.summary
    assert claim.quote and claim.quote in AMBUSH
    # The stages are kept on the report, with the decision.
    assert report.extraction["events"][0]["places"][0]["span"]["text"]
    assert report.match["events"][0]["outcome"] == "drafted"


def test_a_second_report_about_the_same_event_attaches_as_a_source(reference_data):
    require_extractor()
    first = ingest(AMBUSH, date(2024, 6, 20))
    second = ingest(AMBUSH_AGAIN, date(2024, 6, 21))  # a Friday: "Tuesday" is 18 June too

    assert second.status == ReportStatus.ATTACHED
    assert second.incident == first.incident
    assert Incident.objects.filter(origin=Origin.INGESTED).count() == 1
    assert set(Claim.objects.filter(incident=first.incident).values_list("source", flat=True)) == {
        first.source_record_id,
        second.source_record_id,
    }
    # The incident's estimates follow both claims (the database derives them).
    first.incident.refresh_from_db()
    assert first.incident.fatalities_high >= 10

    third = ingest(ELSEWHERE, date(2024, 6, 24))
    assert third.status == ReportStatus.DRAFTED and third.incident != first.incident
    # Processing a report again changes nothing.
    assert pipeline.report_process(second.pk) == second
    assert Source.objects.filter(raw_reports__isnull=False).count() == 3


def test_a_failing_report_is_retried_then_dead_and_re_run(reference_data, settings):
    report, _ = pipeline.text_ingest(AMBUSH, published=date(2024, 6, 20))
    broken = RuntimeError("the extractor fell over")
    statuses = [pipeline.report_failed(report.pk, broken) for _ in range(3)]
    assert settings.INGEST_MAX_RETRIES == 2
    assert statuses == [ReportStatus.FAILED, ReportStatus.FAILED, ReportStatus.DEAD]
    report.refresh_from_db()
    assert (report.attempts, report.last_error) == (3, "RuntimeError: the extractor fell over")
    # Failures are in the report's history.
    assert list(report.events.values_list("status", flat=True).order_by("pgh_id"))[-1] == "dead"

    assert pipeline.reports_rerun([report.pk]) == [report.pk]
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.RECEIVED, 0)
    # Only failed and dead reports are re-run.
    assert pipeline.reports_rerun([report.pk]) == []


def test_stalled_reports_are_found_for_enqueueing_again(feed):
    report, _ = pipeline.report_store(source=feed, content=b"z", text="z")
    done, _ = pipeline.report_store(source=feed, content=b"d", text="d")
    RawReport.objects.filter(pk=done.pk).update(status=ReportStatus.NO_EVENT)
    assert pipeline.reports_stalled(timedelta(minutes=30)) == []
    # updated_at is the database's (a trigger keeps it): anything older than now is stalled.
    assert pipeline.reports_stalled(timedelta(0)) == [report.pk]


def test_feeds_are_due_on_their_own_interval(feed):
    assert pipeline.sources_due() == [feed.pk]
    assert pipeline.source_mark_polling(feed.pk)
    assert not pipeline.source_mark_polling(feed.pk)  # claimed already
    assert pipeline.sources_due() == []
    IngestSource.objects.create(name="Off", kind=IngestSourceKind.FEED, url="https://x.example/")
    IngestSource.objects.filter(name="Off").update(enabled=False)
    assert pipeline.sources_due() == []


# --- Worker state -----------------------------------------------------------------------------


def test_healthz_shows_ingestion_to_staff_only(client, users, feed):
    pipeline.source_failed(feed.pk, FetchError("HTTP 500 Internal Server Error"), final=True)
    assert "ingest" not in client.get("/healthz").json()
    client.force_login(users["viewer"])
    assert "ingest" not in client.get("/healthz").json()

    client.force_login(users["editor"])
    ingest = client.get("/healthz").json()["ingest"]
    assert set(ingest["queues"]) == {"feeds", "extraction", "imports"}
    assert all(isinstance(n, int) for n in ingest["queues"].values())
    [state] = [s for s in ingest["sources"] if s["name"] == "Feed"]
    assert state["last_error"] == "FetchError: HTTP 500 Internal Server Error"
    assert state["consecutive_failures"] == 1 and state["given_up_since"]
    assert ingest["reports"]["dead"] == 0


def test_the_admin_lists_sources_with_their_state_and_the_queues(client, users, feed):
    pipeline.source_failed(feed.pk, FetchError("HTTP 500 Internal Server Error"), final=False)
    client.force_login(users["admin"])
    page = client.get("/admin/incidents/ingestsource/").content.decode()
    assert "FetchError: HTTP 500 Internal Server Error" in page
    assert "Waiting in the queues: feeds" in page
    client.force_login(users["editor"])
    assert client.get("/admin/incidents/ingestsource/").status_code == 200
    assert client.get("/admin/incidents/ingestsource/add/").status_code == 403


# --- Dataset exports --------------------------------------------------------------------------


def write_csv(path, rows: list[dict]) -> str:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_a_dataset_export_is_imported_and_a_newer_release_updates_it(reference_data, tmp_path):
    from django.core.management import call_command

    from incidents.models import AcledEvent
    from tests.examples import ACLED_ROW, UCDP_ROW

    broken = {**ACLED_ROW, "event_id_cnty": "MLI99999", "time_precision": "7"}
    path = write_csv(tmp_path / "acled.csv", [ACLED_ROW, broken])
    report = pipeline.dataset_import("acled", path, version="2025-01-10")
    assert (report.rows, report.imported) == (2, 1)
    assert report.errors == ["line 3: time_precision: 7 is not 1, 2 or 3"]

    newer = write_csv(tmp_path / "acled-2.csv", [{**ACLED_ROW, "fatalities": "9"}])
    call_command(
        "import_dataset", "acled", newer, "--dataset-version", "2025-03-14", stdout=io.StringIO()
    )
    record = AcledEvent.objects.get()
    assert record.dataset_version == "2025-03-14"
    assert record.incident.fatalities_best == 9

    ucdp = write_csv(tmp_path / "ged.csv", [UCDP_ROW])
    assert pipeline.dataset_import("ucdp", ucdp, version="25.1").imported == 1
    assert Incident.objects.filter(origin=Origin.IMPORT_UCDP).count() == 1


def test_a_ucdp_export_is_written_set_wise_and_a_refused_row_is_named(reference_data, tmp_path):
    from incidents.interchange.ucdp import single_claim_estimates, ucdp_row_parse
    from incidents.models import UcdpEvent
    from tests.examples import UCDP_ROW

    second = {**UCDP_ROW, "id": 512346, "low": 2, "best": 3, "high": "", "deaths_a": 3}
    refused = {**UCDP_ROW, "id": 512348, "best": 3}  # best below low: the database refuses it
    path = write_csv(tmp_path / "ged.csv", [UCDP_ROW, second, refused])

    report = pipeline.dataset_import("ucdp", path, version="25.1")

    assert (report.rows, report.imported) == (3, 2)
    assert report.errors == ["line 4: Estimates must satisfy low ≤ best ≤ high."]
    assert set(UcdpEvent.objects.values_list("ged_id", flat=True)) == {512345, 512346}
    first = UcdpEvent.objects.get(ged_id=512345).incident
    assert (first.fatalities_low, first.fatalities_best, first.fatalities_high) == (7, 7, 9)
    assert first.killed_side_a_best == 7
    assert {(p.ucdp_side, p.name_as_coded) for p in first.participants.all()} == {
        ("A", "Government of Mali"),
        ("B", "JNIM"),
    }
    assert Claim.objects.filter(incident=first).count() == 1
    assert first.events.filter(pgh_label="insert").count() == 1  # history, as for one save
    other = UcdpEvent.objects.get(ged_id=512346).incident
    assert (other.fatalities_low, other.fatalities_best, other.fatalities_high) == (2, 3, None)
    # What the database derived is what the set-wise write wrote beforehand.
    for incident, row in ((first, UCDP_ROW), (other, second)):
        expected = single_claim_estimates(ucdp_row_parse(row).claim)
        assert {k: getattr(incident, k) for k in expected} == expected

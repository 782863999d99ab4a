"""Ingestion services: polling a source, storing a raw report once, and processing it (extract ->
geocode -> match -> draft a new incident, or attach the report as a source and claim of an
existing one). The Celery tasks (tasks.py) and `manage.py ingest_text` call these.

Each step is safe to repeat. A report is stored once (the database's unique constraints on the
normalised URL and the content hash decide, whoever races); extraction and geocoding are saved
on the report, so a retry does not redo them; matching and writing the incidents happen in one
transaction under a lock, with the report's status moved in the same transaction, so a worker
killed at any point leaves either nothing or everything written, and a report about an event
that another worker is writing up at the same moment sees that incident."""

import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from incidents.geo.countries import BY_NAME
from incidents.geo.geocoder import geocode
from incidents.ingest import fetch
from incidents.ingest.matching import Decision, EventFacts, MatchResult, match_event
from incidents.ingest.models import (
    DONE_STATUSES,
    POLLED_KINDS,
    IngestSource,
    IngestSourceKind,
    RawReport,
    ReportStatus,
)
from incidents.models import (
    AcledPosition,
    Claim,
    GeoPrecision,
    Incident,
    IncidentActor,
    Origin,
    Source,
    Status,
)
from incidents.precision import time_precision_for
from incidents.services import claim_create, incident_create, source_create
from incidents.taxonomy import EventType, sub_event_types_of

log = logging.getLogger(__name__)

PASTED_SOURCE_NAME = "Pasted text"
LANGUAGES = {"en": "eng", "fr": "fra", "eng": "eng", "fra": "fra"}
# Without a date in the text, the event is taken to be in the week before publication.
UNDATED_DAYS = 6
MAX_ERROR = 2000


class IngestError(ValueError):
    """Input that ingestion refuses (empty text, a source of the wrong kind); the message says
    why."""


# --- Storing reports once ---------------------------------------------------------------------


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def report_find(*, normalised_url: str = "", content_sha256: str = "") -> RawReport | None:
    """The report stored already under this address or with these bytes, if any."""
    condition = Q(content_sha256=content_sha256) if content_sha256 else Q(pk__in=[])
    if normalised_url:
        condition |= Q(normalised_url=normalised_url)
    return RawReport.objects.filter(condition).order_by("pk").first()


def report_store(
    *,
    source: IngestSource,
    content: bytes,
    text: str,
    url: str = "",
    title: str = "",
    published_at: datetime | None = None,
    content_type: str = "",
    dataset_version: str = "",
) -> tuple[RawReport, bool]:
    """Stores a report unless it is stored already (by normalised URL or content hash); returns
    it and whether it is new. Two workers storing the same report at once both get the one row:
    the database's unique constraints decide."""
    url = fetch.valid_url(url)
    normalised = fetch.normalise_url(url) if url else ""
    digest = sha256(content)
    existing = report_find(normalised_url=normalised, content_sha256=digest)
    if existing is not None:
        return existing, False
    report = RawReport(
        source=source,
        url=url,
        normalised_url=normalised,
        title=" ".join(title.split())[:500],
        published_at=published_at,
        content=content,
        content_type=content_type[:200],
        content_sha256=digest,
        text=text,
        dataset_version=dataset_version,
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        existing = report_find(normalised_url=normalised, content_sha256=digest)
        if existing is None:
            raise
        return existing, False
    return report, True


def pasted_source() -> IngestSource:
    """The source that pasted text and `manage.py ingest_text` are filed under."""
    source, _ = IngestSource.objects.get_or_create(
        name=PASTED_SOURCE_NAME,
        defaults={"kind": IngestSourceKind.PASTED, "enabled": False},
    )
    return source


def text_ingest(
    text: str, *, published: date | None = None, source: IngestSource | None = None
) -> tuple[RawReport, bool]:
    """Stores pasted text as a report (once: the same text again is the same report)."""
    text = text.strip()
    if not text:
        raise IngestError("the text is empty")
    published = published or timezone.localdate()
    moment = timezone.make_aware(datetime.combine(published, datetime.min.time()))
    # The date is part of what was pasted: the same words published on another day are
    # another report ("yesterday" means another day).
    content = f"{published.isoformat()}\n{text}".encode()
    return report_store(
        source=source or pasted_source(),
        content=content,
        text=text,
        title=text.splitlines()[0][:200],
        published_at=moment,
        content_type="text/plain; charset=utf-8",
    )


# --- Polling feeds ----------------------------------------------------------------------------


@dataclass
class PollResult:
    not_modified: bool
    entries: int
    new_report_ids: list[int]


def sources_due(now: datetime | None = None) -> list[int]:
    """Enabled feeds whose interval has passed since they were last polled (or never were)."""
    now = now or timezone.now()
    due = []
    for source in IngestSource.objects.filter(enabled=True, kind__in=POLLED_KINDS):
        last = source.last_polled_at
        if last is None or last + timedelta(minutes=source.poll_interval_minutes) <= now:
            due.append(source.pk)
    return due


def source_mark_polling(source_id: int) -> bool:
    """Claims a due poll: moves last_polled_at to now unless another claim did within the
    interval (beat fires every minute; a slow poll is not started twice)."""
    now = timezone.now()
    source = IngestSource.objects.get(pk=source_id)
    horizon = now - timedelta(minutes=source.poll_interval_minutes)
    return bool(
        IngestSource.objects.filter(pk=source_id)
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=horizon))
        .update(last_polled_at=now)
    )


def source_poll(source_id: int) -> PollResult:
    """Fetches a feed (conditionally), stores each entry not stored yet, records success on the
    source. Raises fetch.FetchError (the caller records it and retries)."""
    source = IngestSource.objects.get(pk=source_id)
    if source.kind not in POLLED_KINDS:
        raise IngestError(f"{source.name} is not a feed")
    answer = fetch.http_get(source.url, etag=source.etag, last_modified=source.last_modified)
    if answer.not_modified:
        _source_succeeded(source, answer)
        return PollResult(True, 0, [])
    if source.kind == IngestSourceKind.JSON_FEED:
        entries = fetch.parse_json_feed(answer.content)
    else:
        entries = fetch.parse_feed(answer.content, url=answer.url)
    new_ids = []
    for entry in entries:
        report, created = entry_store(source, entry)
        if created:
            new_ids.append(report.pk)
    _source_succeeded(source, answer)
    return PollResult(False, len(entries), new_ids)


def entry_store(source: IngestSource, entry: fetch.Entry) -> tuple[RawReport | None, bool]:
    """Stores one feed entry, with the article page's bytes and text when the feed only has a
    summary and links to an HTML page. An entry stored already is not fetched again."""
    url = fetch.valid_url(entry.url)
    if url:
        existing = report_find(normalised_url=fetch.normalise_url(url))
        if existing is not None:
            return existing, False
    content, text, content_type = _entry_evidence(entry, url)
    if not text:
        return None, False
    return report_store(
        source=source,
        content=content,
        text=text,
        url=url,
        title=entry.title,
        published_at=entry.published_at,
        content_type=content_type,
    )


def _entry_evidence(entry: fetch.Entry, url: str) -> tuple[bytes, str, str]:
    """The bytes kept as evidence and the text to read: the article page when only a summary is
    in the feed, else the entry itself. A page that is gone (4xx) leaves the summary; a server
    or network failure is raised, so the poll is retried rather than the article lost."""
    feed_text = entry.text
    feed_bytes = json.dumps(
        {
            "url": entry.url,
            "title": entry.title,
            "summary": entry.summary,
            "content": entry.content,
        },
        ensure_ascii=False,
    ).encode()
    if entry.content or not url:
        return feed_bytes, feed_text, "application/json"
    try:
        page = fetch.http_get(url)
    except fetch.FetchError as exc:
        if exc.gone:
            return feed_bytes, feed_text, "application/json"
        raise
    if not fetch.is_html(page.content_type):
        return feed_bytes, feed_text, "application/json"
    text = fetch.article_text(page.content, url=url) or feed_text
    if entry.title and not text.startswith(entry.title):
        text = f"{entry.title}\n\n{text}"
    return page.content, text, page.content_type


def _source_succeeded(source: IngestSource, answer: fetch.Response) -> None:
    IngestSource.objects.filter(pk=source.pk).update(
        etag=answer.etag[:500] if not answer.not_modified else source.etag,
        last_modified=answer.last_modified[:100]
        if not answer.not_modified
        else source.last_modified,
        last_polled_at=timezone.now(),
        last_success_at=timezone.now(),
        last_error="",
        consecutive_failures=0,
        dead_since=None,
    )


def source_failed(source_id: int, error: Exception, *, final: bool) -> None:
    """Records a failed poll on the source (the error, one more failure in a row); `final` when
    no retry follows: the source is marked as given up until a poll succeeds."""
    values = {
        "last_polled_at": timezone.now(),
        "last_error": _describe(error),
        "consecutive_failures": F("consecutive_failures") + 1,
    }
    if final:
        values["dead_since"] = Coalesce(F("dead_since"), Now())  # since the first give-up
    IngestSource.objects.filter(pk=source_id).update(**values)


def source_repoll(source_ids) -> int:
    """Makes sources due now (the admin's "poll now"); returns how many."""
    return IngestSource.objects.filter(pk__in=list(source_ids)).update(last_polled_at=None)


# --- Processing a report ----------------------------------------------------------------------


def report_process(report_id: int) -> RawReport:
    """Runs a report through extraction, geocoding, matching and writing; a report already done
    is returned as it is. Raises whatever fails (the caller records it)."""
    report = RawReport.objects.select_related("source").get(pk=report_id)
    if report.status in DONE_STATUSES:
        return report
    if report_dataset(report):
        return dataset_report_import(report_id)
    if report.extraction is None or report.geocoding is None:
        report_extract(report)
    return report_apply(report_id)


def report_extract(report: RawReport) -> None:
    """Extracts the events of the report and geocodes their places (each with the report's other
    places as context); saves both on the report."""
    from incidents.ingest.extract import extract_report

    published = _published_date(report)
    extraction = extract_report(
        report.text, published=published, language=_language_hint(report) or None
    )
    events = [_jsonable(event.as_dict()) for event in extraction.events]
    report.extraction = {"language": extraction.language or "", "events": events}
    report.geocoding = geocode_events(events, published=published)
    report.language = LANGUAGES.get((extraction.language or "").lower(), "")
    report.status = ReportStatus.EXTRACTED
    report.save(update_fields=["extraction", "geocoding", "language", "status"])


def geocode_events(events: list[dict], *, published: date) -> list[dict]:
    """For each event, each place geocoded with context, and the one chosen for the event's
    point (the most precise found, then the surest). The context is what the event's own
    passage names (its other places, and the countries it names: "au Niger, ... à Torodi"),
    or, for an event that names nothing else, the report's other places: in a brief about two
    countries, one incident's places must not pull the other's to a homonym."""
    expressions = [_expression(p) for e in events for p in e.get("places", [])]
    results = []
    for event in events:
        own = [_expression(p) for p in event.get("places", [])]
        countries = countries_named(_span_text(event))
        places = []
        for index, place in enumerate(event.get("places", [])):
            expression = _expression(place)
            context = [other for other in own if other != expression] + countries
            if not context:
                context = [other for other in expressions if other != expression]
            places.append({"index": index, **_geocoded(expression, context, published)})
        results.append({"places": places, "chosen": _chosen(places)})
    return results


def _expression(place: dict) -> str:
    return place.get("expression") or place.get("name") or ""


# Country names as reports write them (English and French); the river Niger is not the country.
_COUNTRY_NAME = re.compile(
    r"(?<!fleuve )(?<!River )(?<!river )\b("
    + "|".join(
        sorted(
            (re.escape(n.title()) for n in BY_NAME if " " not in n or n == "burkina faso"),
            key=len,
            reverse=True,
        )
    )
    + r"|Burkina)\b(?! [Rr]iver)"
)


def countries_named(text: str) -> list[str]:
    """The countries a passage names, once each, as it writes them."""
    seen: dict[str, str] = {}
    for m in _COUNTRY_NAME.finditer(text):
        seen.setdefault(m.group(1).casefold(), m.group(1))
    return list(seen.values())


def _geocoded(expression: str, context: list[str], published: date) -> dict:
    try:
        result = geocode(expression, context=context, report_date=published)
    except ValueError as exc:
        return {"expression": expression, "found": False, "reason": str(exc)}
    best = result.places[0] if result.places else None
    return {
        "expression": expression,
        "found": result.found,
        "kind": result.kind,
        "lon": result.lon,
        "lat": result.lat,
        "radius_km": result.radius_km,
        "geo_precision": result.geo_precision,
        "ucdp_where_prec": result.ucdp_where_prec,
        "score": round(result.score, 3),
        "unsure": result.unsure,
        "reason": str(result.reason),
        "place_id": best.place_id if best is not None and result.kind == "place" else None,
        "place_name": best.preferred_name if best is not None else "",
        "country_code": best.country_code if best is not None else "",
        "alternatives": [
            {"name": c.preferred_name, "country_code": c.country_code, "lon": c.lon, "lat": c.lat}
            for c in result.candidates[1:4]
        ],
    }


def _chosen(places: list[dict]) -> int | None:
    found = [p for p in places if p.get("found")]
    if not found:
        return None
    # The most precise in both conventions; among equals, the first named (the report's own
    # place, even when it is placed by the area around it).
    best = min(found, key=lambda p: (p["geo_precision"], p["ucdp_where_prec"], p["index"]))
    return best["index"]


@transaction.atomic
def report_apply(report_id: int) -> RawReport:
    """Matches each extracted event and writes the outcome: a new draft, or a source and claim of
    the incident it matched. One transaction under a lock held by every report's apply, so a
    surge of reports about one event makes one incident with many sources."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('incidents_ingest_apply'))")
    report = RawReport.objects.select_for_update().get(pk=report_id)
    if report.status in DONE_STATUSES:
        return report
    events = (report.extraction or {}).get("events", [])
    if not events:
        report.status = ReportStatus.NO_EVENT
        report.match = {"events": []}
        report.last_error = ""
        report.save(update_fields=["status", "match", "last_error"])
        return report
    source = _report_source(report)
    decisions, incidents, own = [], [], set()
    for index, event in enumerate(events):
        geo = report.geocoding[index]
        facts = event_facts(report, event, geo)
        result = match_event(facts, exclude_ids=own)
        incident, outcome = _apply_event(report, index, event, geo, facts, result, source)
        own.add(incident.pk)
        incidents.append(incident)
        decisions.append({**result.as_dict(), "outcome": outcome, "incident_id": incident.pk})
    drafted = any(d["outcome"] != "attached" for d in decisions)
    report.match = {"events": decisions}
    report.status = ReportStatus.DRAFTED if drafted else ReportStatus.ATTACHED
    report.incident = incidents[0]
    report.source_record = source
    report.last_error = ""
    report.save(update_fields=["match", "status", "incident", "source_record", "last_error"])
    return report


def _apply_event(
    report: RawReport,
    index: int,
    event: dict,
    geo: dict,
    facts: EventFacts,
    result: MatchResult,
    source: Source,
) -> tuple[Incident, str]:
    if result.decision == Decision.ATTACH:
        incident = Incident.objects.get(pk=result.candidate_id)
        outcome = "attached"
    else:
        incident = _draft_create(report, index, event, geo, facts, result)
        outcome = "drafted" if result.decision == Decision.NEW else "drafted_for_review"
        _participants_create(incident, event)
    if not Claim.objects.filter(incident=incident, source=source).exists():
        claim_create(user=None, incident_id=incident.pk, source_id=source.pk, **_claim(event, geo))
    return incident, outcome


def event_facts(report: RawReport, event: dict, geo: dict) -> EventFacts:
    start, end = event_dates(report, event)
    place = _chosen_place(geo)
    return EventFacts(
        date_start=start,
        date_end=end,
        lon=place["lon"] if place else None,
        lat=place["lat"] if place else None,
        geo_precision=place["geo_precision"] if place else None,
        actor_ids=frozenset(a["actor_id"] for a in event.get("actors", []) if a.get("actor_id")),
        event_type=_event_type(event),
        sub_event_type=_sub_event_type(event),
    )


def event_dates(report: RawReport, event: dict) -> tuple[date, date]:
    """The event's first date mention, or the week before publication when it gives none."""
    for mention in event.get("dates", []):
        start = _day(mention.get("start"))
        end = _day(mention.get("end")) or start
        if start is not None:
            return min(start, end), max(start, end)
    published = _published_date(report)
    return published - timedelta(days=UNDATED_DAYS), published


def _draft_create(
    report: RawReport, index: int, event: dict, geo: dict, facts: EventFacts, result: MatchResult
) -> Incident:
    """The new draft incident of one event (origin "ingested", keyed by report and event, so the
    database refuses a second one)."""
    key = f"report:{report.pk}:{index}"
    existing = Incident.objects.filter(origin=Origin.INGESTED, origin_key=key).first()
    if existing is not None:
        return existing
    place = _chosen_place(geo)
    mention = event["places"][place["index"]] if place else None
    days = (facts.date_end - facts.date_start).days
    tags = ["ingested"]
    if not facts.event_type:
        tags.append("type-unknown")  # coded as battles below, for an editor to correct
    if result.decision == Decision.REVIEW:
        tags.append(f"possible-duplicate-of-{result.candidate_id}")
    return incident_create(
        user=None,
        title=_title(event, mention, facts)[:300],
        date_start=facts.date_start,
        date_end=facts.date_end,
        time_precision=time_precision_for(days),
        location=Point(place["lon"], place["lat"], srid=4326) if place else None,
        location_name=(mention.get("name") or "")[:300] if mention else "",
        geo_precision=place["geo_precision"] if place else GeoPrecision.ADMIN_AREA,
        ucdp_where_prec=place["ucdp_where_prec"] if place else None,
        place_id=place["place_id"] if place else None,
        event_type=facts.event_type or EventType.BATTLES,
        sub_event_type=facts.sub_event_type,
        narrative=_event_text(report, event),
        status=Status.DRAFT,
        origin=Origin.INGESTED,
        origin_key=key,
        tags=tags,
    )


def _participants_create(incident: Incident, event: dict) -> None:
    """The actors named, in order: the first as ACLED's actor 1, the second as actor 2, the rest
    associated with actor 2 (the extractor cannot tell sides apart: an editor checks)."""
    if incident.participants.exists():
        return
    positions = [AcledPosition.ACTOR1, AcledPosition.ACTOR2]
    seen: set[int] = set()
    for mention in event.get("actors", []):
        actor_id = mention.get("actor_id")
        if not actor_id or actor_id in seen:
            continue
        position = positions[len(seen)] if len(seen) < 2 else AcledPosition.ASSOC_ACTOR_2
        participant = IncidentActor(
            incident=incident,
            actor_id=actor_id,
            acled_position=position,
            name_as_coded=(mention.get("alias") or "")[:300],
            sequence=max(0, len(seen) - 2),
            note="From the report's text; to review.",
        )
        participant.full_clean()
        participant.save()
        seen.add(actor_id)


# Where each casualty figure goes in a claim: (kind, category) -> field prefix.
KILLED_FIELDS = {
    "civilians": "killed_civilians",
    "children": "killed_civilians",
    "state_forces": "killed_side_a",
    "armed_group": "killed_side_b",
    "unknown": "killed_unknown",
}


def claim_figures(casualties: list[dict]) -> dict[str, int | None]:
    """The claim's low / best / high from the casualty figures: the largest figure per field
    (a report repeats its toll; children are among the civilians), the dead in all summed over
    the categories. A breakdown of the dead ("four people, including two children") is part of
    the figure before it: the two children are civilians among the four, whose other two stay of
    unknown status, not two more dead."""
    figures: dict[str, tuple[int, int, int]] = {}
    parent: tuple[str, str, tuple[int, int, int]] | None = None  # kind, field, figures
    for item in casualties:
        kind = item.get("kind")
        if kind == "killed":
            prefix = KILLED_FIELDS.get(item.get("category") or "unknown", "killed_unknown")
        elif kind in ("injured", "abducted"):
            prefix = kind
        else:
            continue
        values = [v for v in (item.get("low"), item.get("best"), item.get("high")) if v is not None]
        if not values:
            continue
        low, high = min(values), max(values)
        best = item.get("best") if item.get("best") is not None else low
        triple = (low, min(max(best, low), high), high)
        if item.get("breakdown") and parent and parent[0] == kind and parent[1] != prefix:
            whole = parent[2]
            rest = (
                max(0, whole[0] - triple[2]),
                max(0, whole[1] - triple[1]),
                max(0, whole[2] - triple[0]),
            )
            if figures.get(parent[1]) == whole:
                figures[parent[1]] = rest
        elif not item.get("breakdown"):
            parent = (kind, prefix, triple)
        if prefix not in figures or triple[1] > figures[prefix][1]:
            figures[prefix] = triple
    values: dict[str, int | None] = {}
    for prefix, (low, best, high) in figures.items():
        values.update({f"{prefix}_low": low, f"{prefix}_best": best, f"{prefix}_high": high})
    killed = [figures[p] for p in set(KILLED_FIELDS.values()) if p in figures]
    if killed:
        values["fatalities_low"] = sum(t[0] for t in killed)
        values["fatalities_best"] = sum(t[1] for t in killed)
        values["fatalities_high"] = sum(t[2] for t in killed)
    return values


def _claim(event: dict, geo: dict) -> dict:
    place = _chosen_place(geo)
    mention = event["places"][place["index"]] if place else None
    dates = [d for d in event.get("dates", []) if _day(d.get("start"))]
    sayers = sorted(
        {c["attributed_to"] for c in event.get("casualties", []) if c.get("attributed_to")}
    )
    text = _span_text(event)
    summary = "Extracted from the report (to review)"
    if sayers:
        summary += "; figures according to " + ", ".join(sayers)
    return {
        **claim_figures(event.get("casualties", [])),
        "summary": f"{summary}: {text[:1500]}",
        "quote": text[:5000],
        "stated_date_start": _day(dates[0]["start"]) if dates else None,
        "stated_date_end": (_day(dates[0].get("end")) or _day(dates[0]["start"]))
        if dates
        else None,
        "stated_place": (mention.get("name") or "")[:300] if mention else "",
        "stated_location": Point(place["lon"], place["lat"], srid=4326) if place else None,
    }


def _report_source(report: RawReport) -> Source:
    """The Source that cites this report: the one with its URL or hash, or a new one."""
    if report.source_record_id:
        return report.source_record
    condition = Q(content_sha256=report.content_sha256)
    if report.url:
        condition |= Q(url=report.url)
    existing = Source.objects.filter(condition).first()
    if existing is not None:
        return existing
    ingest_source = report.source
    published = _published_date(report) if report.published_at else None
    return source_create(
        user=None,
        kind=ingest_source.source_kind,
        publisher=ingest_source.publisher_name[:200],
        title=(report.title or report.text.strip().splitlines()[0])[:500],
        url=report.url,
        language=report.language,
        published_on=published,
        published_on_precision="day" if published else "",
        reliability=ingest_source.reliability,
        content_sha256=report.content_sha256,
    )


# --- Failures and re-runs ---------------------------------------------------------------------


def report_failed(report_id: int, error: Exception) -> str:
    """Records a failed attempt (the error kept); after the last allowed attempt the report is
    dead: no automatic retry, an editor or admin re-runs it. Returns the new status."""
    with transaction.atomic():
        report = RawReport.objects.select_for_update().get(pk=report_id)
        if report.status in DONE_STATUSES:
            return report.status
        report.attempts += 1
        report.last_error = _describe(error)
        dead = report.attempts > settings.INGEST_MAX_RETRIES
        report.status = ReportStatus.DEAD if dead else ReportStatus.FAILED
        report.save(update_fields=["attempts", "last_error", "status"])
    return report.status


def reports_rerun(report_ids) -> list[int]:
    """Puts failed and dead reports back to the start (their error kept until they succeed) and
    returns their ids, for the caller to enqueue. Reports done or in progress are left alone."""
    ids = list(
        RawReport.objects.filter(
            pk__in=list(report_ids), status__in=[ReportStatus.FAILED, ReportStatus.DEAD]
        ).values_list("pk", flat=True)
    )
    for report in RawReport.objects.filter(pk__in=ids):
        report.status = ReportStatus.RECEIVED
        report.attempts = 0
        report.extraction = None
        report.geocoding = None
        report.match = None
        report.save(update_fields=["status", "attempts", "extraction", "geocoding", "match"])
    return ids


def reports_stalled(older_than: timedelta) -> list[int]:
    """Reports left in progress longer than `older_than` (a lost task message): to enqueue
    again. Processing them twice is harmless."""
    horizon = timezone.now() - older_than
    return list(
        RawReport.objects.filter(
            status__in=[ReportStatus.RECEIVED, ReportStatus.EXTRACTED, ReportStatus.FAILED],
            updated_at__lt=horizon,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


# --- Reading a report's outcome ---------------------------------------------------------------


def report_outcome(report: RawReport) -> dict:
    """What the pipeline made of a report, event by event: the incident (new draft or matched),
    the places with their points and precision in both conventions, the actors, dates, event
    type and casualty claims, each with the span of text it came from."""
    events = (report.extraction or {}).get("events", [])
    decisions = (report.match or {}).get("events", [])
    statuses = dict(
        Incident.objects.filter(pk__in=[d["incident_id"] for d in decisions]).values_list(
            "pk", "status"
        )
    )
    out = []
    for index, event in enumerate(events):
        geo = (report.geocoding or [])[index] if report.geocoding else {"places": []}
        decision = decisions[index] if index < len(decisions) else {}
        out.append(
            {
                "incident": {
                    "id": decision.get("incident_id"),
                    "status": statuses.get(decision.get("incident_id")),
                    "outcome": decision.get("outcome"),
                    "match_score": decision.get("score"),
                    "candidate_id": decision.get("candidate_id"),
                },
                "span": event.get("span"),
                "event_type": event.get("event_type"),
                "sub_event_type": event.get("sub_event_type"),
                "places": [
                    {**mention, "geocoded": _without_index(geo["places"][i])}
                    for i, mention in enumerate(event.get("places", []))
                ],
                "chosen_place": geo.get("chosen"),
                "actors": event.get("actors", []),
                "dates": event.get("dates", []),
                "casualties": event.get("casualties", []),
            }
        )
    return {
        "report": {
            "id": report.pk,
            "status": report.status,
            "language": report.language,
            "sha256": report.content_sha256,
            "last_error": report.last_error,
        },
        "events": out,
    }


# --- Helpers ----------------------------------------------------------------------------------


def _without_index(place: dict) -> dict:
    return {k: v for k, v in place.items() if k != "index"}


def _chosen_place(geo: dict) -> dict | None:
    chosen = geo.get("chosen")
    return None if chosen is None else geo["places"][chosen]


def _event_type(event: dict) -> str:
    value = event.get("event_type") or ""
    return value if value in EventType.values else ""


def _sub_event_type(event: dict) -> str:
    event_type, value = _event_type(event), event.get("sub_event_type") or ""
    return value if event_type and value in sub_event_types_of(event_type) else ""


def _title(event: dict, mention: dict | None, facts: EventFacts) -> str:
    from incidents.interchange.common import english
    from incidents.taxonomy import SubEventType

    if facts.sub_event_type:
        what = english(SubEventType(facts.sub_event_type).label)
    elif facts.event_type:
        what = english(EventType(facts.event_type).label)
    else:
        what = "Event"
    where = f" in {mention['name']}" if mention and mention.get("name") else ""
    return f"{what}{where} ({facts.date_start.isoformat()})"


def _span_text(event: dict) -> str:
    span = event.get("span")
    if isinstance(span, dict):
        return str(span.get("text") or "")
    if isinstance(span, (list, tuple)) and span and isinstance(span[-1], str):
        return span[-1]
    return str(event.get("text") or "")


def _event_text(report: RawReport, event: dict) -> str:
    text = _span_text(event)
    where = report.url or report.source.name
    return f"{text}\n\n(From: {where})" if text else f"(From: {where})"


def _published_date(report: RawReport) -> date:
    moment = report.published_at or report.fetched_at or timezone.now()
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _language_hint(report: RawReport) -> str:
    return {"eng": "en", "fra": "fr"}.get(report.language, "")


def _day(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR]


# --- Worker state -----------------------------------------------------------------------------


def sources_state() -> list[dict]:
    """Each source's polling state, for staff (the admin, /healthz)."""
    return [
        {
            "id": s.pk,
            "name": s.name,
            "kind": s.kind,
            "enabled": s.enabled,
            "last_polled_at": s.last_polled_at,
            "last_success_at": s.last_success_at,
            "consecutive_failures": s.consecutive_failures,
            "last_error": s.last_error,
            "given_up_since": s.dead_since,
        }
        for s in IngestSource.objects.order_by("name")
    ]


def report_counts() -> dict[str, int]:
    """How many reports are in each status."""
    from django.db.models import Count

    counts = dict(
        RawReport.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in ReportStatus.values}


# --- Dataset exports (ACLED, UCDP GED) --------------------------------------------------------

DATASET_KINDS = ("acled", "ucdp")


@dataclass
class DatasetImportReport:
    rows: int
    imported: int
    errors: list[str]


def dataset_import(kind: str, path: str, *, version: str = "", max_errors: int = 50):
    """Imports an ACLED or UCDP GED CSV export row by row through the interchange mappings
    (incidents/interchange/): a known event is updated, not duplicated, so importing a newer
    release of the same dataset is safe. Each row is its own transaction: a row that does not fit
    is reported (with its line and the column at fault) and the others are imported."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return dataset_file_import(kind, handle, version=version, max_errors=max_errors)


# The dataset each kind of export source holds.
DATASET_OF_SOURCE_KIND = {IngestSourceKind.UCDP_CSV: "ucdp", IngestSourceKind.ACLED_CSV: "acled"}


def report_dataset(report: RawReport) -> str:
    """ "ucdp" or "acled" for a report that is an uploaded dataset export, else ""."""
    return DATASET_OF_SOURCE_KIND.get(report.source.kind, "")


def dataset_report_import(report_id: int) -> RawReport:
    """Imports an uploaded export stored as a raw report (its bytes), in one transaction that
    holds the report's row: a worker killed mid-import leaves nothing imported and the report to
    be imported again; two deliveries of the task import it once. What the import did (rows,
    imported, each refused row with its line and error) is kept on the report."""
    from dataclasses import asdict

    with transaction.atomic():
        report = RawReport.objects.select_for_update().select_related("source").get(pk=report_id)
        if report.status in DONE_STATUSES:
            return report
        kind = report_dataset(report)
        if not kind:
            raise IngestError(f"report {report_id} is not a dataset export")
        handle = io.StringIO(bytes(report.content).decode("utf-8-sig"), newline="")
        result = dataset_file_import(kind, handle, version=report.dataset_version)
        report.match = {"import": {"dataset": kind, **asdict(result)}}
        report.status = ReportStatus.IMPORTED
        report.last_error = "\n".join(result.errors)[:MAX_ERROR]
        report.save(update_fields=["match", "status", "last_error"])
    return report


def dataset_file_import(kind: str, handle, *, version: str = "", max_errors: int = 50):
    """dataset_import of an open CSV file (text)."""
    import csv

    from django.core.exceptions import ValidationError

    from incidents.interchange.acled import acled_row_import
    from incidents.interchange.common import InterchangeError
    from incidents.interchange.ucdp import ucdp_row_import

    if kind not in DATASET_KINDS:
        raise IngestError(f"the dataset is one of {', '.join(DATASET_KINDS)}, not {kind!r}")
    if kind == "ucdp":
        return _ucdp_file_import(csv.DictReader(handle), version=version, max_errors=max_errors)
    row_import = acled_row_import if kind == "acled" else ucdp_row_import
    rows = imported = 0
    errors: list[str] = []
    for line, row in enumerate(csv.DictReader(handle), start=2):
        rows += 1
        try:
            with transaction.atomic():
                row_import(row, version=version)
        except (InterchangeError, ValueError, ValidationError) as exc:
            if len(errors) < max_errors:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc
                errors.append(f"line {line}: {message}")
            continue
        imported += 1
    return DatasetImportReport(rows=rows, imported=imported, errors=errors)


# Rows written set-wise at a time: large enough that a statement's fixed cost (the map summary's
# statement triggers) is spread thin, small enough that a refused row re-runs few others.
UCDP_BATCH_ROWS = 500


def _ucdp_file_import(reader, *, version: str, max_errors: int) -> DatasetImportReport:
    """A UCDP GED export in batches (ucdp_rows_import): a clean batch is inserted set-wise; a
    batch with a row the database refuses is imported row by row, naming that row."""
    from incidents.interchange.ucdp import ucdp_rows_import

    rows = imported = 0
    errors: list[str] = []
    batch: list[tuple[int, dict]] = []

    def flush():
        nonlocal imported
        done, refused = ucdp_rows_import(batch, version=version)
        imported += done
        errors.extend(f"line {line}: {message}" for line, message in refused)
        batch.clear()

    for line, row in enumerate(reader, start=2):
        rows += 1
        batch.append((line, row))
        if len(batch) >= UCDP_BATCH_ROWS:
            flush()
    if batch:
        flush()
    return DatasetImportReport(rows=rows, imported=imported, errors=errors[:max_errors])

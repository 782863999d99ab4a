"""What the review queue reads: its tabs (ingested drafts, grey-zone matches, incidents in
review), each page's items with their report, extracted values and candidates, and the summary
of what editors corrected."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString

from incidents.ingest.models import (
    FEEDBACK_FIELDS,
    ExtractionFeedback,
    RawReport,
    ReviewDecision,
)
from incidents.models import Incident, IncidentActor, Origin, Status
from incidents.review.highlight import casualty_labels, event_marks, text_marked
from incidents.review.services import DISCARDED_TAG, draft_origin

TABS = ("drafts", "duplicates", "in_review")
GREY_ZONE = "drafted_for_review"

# The outcome the matcher gave the event a draft was made from, read from its report's `match`
# (the draft's origin key is "report:<id>:<index>"); CASE keeps the casts from other keys.
_KEY = r"incidents_incident.origin_key ~ '^report:[0-9]+:[0-9]+$'"
_OUTCOME = RawSQL(  # noqa: S611 (constant SQL: no input goes into it)
    f"""SELECT r.match -> 'events' -> (CASE WHEN {_KEY}
            THEN split_part(incidents_incident.origin_key, ':', 3)::int END) ->> 'outcome'
        FROM incidents_rawreport r
        WHERE r.id = (CASE WHEN {_KEY}
            THEN split_part(incidents_incident.origin_key, ':', 2)::bigint END)""",
    [],
    output_field=CharField(),
)
# Never NULL, so that "not a grey-zone match" keeps a draft whose report has no decision.
OUTCOME = Coalesce(_OUTCOME, Value(""))


def review_queue(tab: str) -> QuerySet[Incident]:
    """The incidents of a tab, oldest first: `drafts` (drafts the workers made), `duplicates`
    (those of them that may be an incident recorded already) or `in_review`."""
    if tab == "in_review":
        queryset = Incident.objects.filter(status=Status.IN_REVIEW)
    else:
        queryset = (
            Incident.objects.filter(origin=Origin.INGESTED, status=Status.DRAFT)
            .exclude(tags__contains=[DISCARDED_TAG])
            .alias(outcome=OUTCOME)
        )
        grey = Q(outcome=GREY_ZONE)
        queryset = queryset.filter(grey) if tab == "duplicates" else queryset.exclude(grey)
    return queryset.order_by("created_at", "id")


def review_counts() -> dict[str, int]:
    """How many incidents wait in each tab."""
    drafts = (
        Incident.objects.filter(origin=Origin.INGESTED, status=Status.DRAFT)
        .exclude(tags__contains=[DISCARDED_TAG])
        .annotate(outcome=OUTCOME)
        .aggregate(
            grey=Count("pk", filter=Q(outcome=GREY_ZONE)),
            every=Count("pk"),
        )
    )
    return {
        "drafts": drafts["every"] - drafts["grey"],
        "duplicates": drafts["grey"],
        "in_review": Incident.objects.filter(status=Status.IN_REVIEW).count(),
    }


@dataclass
class Candidate:
    incident: Incident
    score: float | None
    parts: dict
    distance_km: float | None
    actors: list[str]


@dataclass
class ReviewItem:
    incident: Incident
    actors: list[str]
    report: RawReport | None = None
    event_index: int | None = None
    text: SafeString | None = None
    places: list[dict] = field(default_factory=list)
    chosen_place: dict | None = None
    actor_mentions: list[dict] = field(default_factory=list)
    dates: list[dict] = field(default_factory=list)
    casualties: list[dict] = field(default_factory=list)
    event_type: str = ""
    outcome: str = ""
    score: float | None = None
    candidates: list[Candidate] = field(default_factory=list)


def _participants() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=IncidentActor.objects.select_related("actor").order_by("acled_position", "id"),
    )


def _names(incident: Incident) -> list[str]:
    return [p.actor.name for p in incident.participants.all()]


def review_items(incidents: list[Incident]) -> list[ReviewItem]:
    """The items of a page: each incident with the report it was drafted from (its text with
    the event's values marked), what was extracted and geocoded, and, for a grey-zone match, the
    candidates the matcher compared it with. A handful of queries per page."""
    incidents = list(
        Incident.objects.filter(pk__in=[i.pk for i in incidents])
        .select_related("admin1")
        .prefetch_related(_participants())
        .order_by("created_at", "id")
    )
    origins = {i.pk: draft_origin(i) for i in incidents}
    reports = (
        RawReport.objects.select_related("source")
        .defer("content")
        .in_bulk({o[0] for o in origins.values() if o is not None})
    )
    items, wanted = [], set()
    for incident in incidents:
        item = ReviewItem(incident=incident, actors=_names(incident))
        origin = origins[incident.pk]
        report = reports.get(origin[0]) if origin else None
        events = ((report.extraction if report else None) or {}).get("events", [])
        if report is not None and origin[1] < len(events):
            _fill(item, report, origin[1])
            wanted.update(
                c["incident_id"] for c in _decision(report, origin[1]).get("candidates", [])
            )
        items.append(item)
    if wanted:
        found = (
            Incident.objects.filter(pk__in=wanted)
            .select_related("admin1")
            .prefetch_related(_participants())
            .in_bulk()
        )
        for item in items:
            if item.report is None:
                continue
            for scored in _decision(item.report, item.event_index).get("candidates", []):
                candidate = found.get(scored["incident_id"])
                if candidate is None or candidate.pk == item.incident.pk:
                    continue
                item.candidates.append(
                    Candidate(
                        incident=candidate,
                        score=scored.get("score"),
                        parts=scored.get("parts") or {},
                        distance_km=scored.get("distance_km"),
                        actors=_names(candidate),
                    )
                )
    return items


def _decision(report: RawReport, index: int) -> dict:
    decisions = (report.match or {}).get("events", [])
    return decisions[index] if index < len(decisions) else {}


def _fill(item: ReviewItem, report: RawReport, index: int) -> None:
    event = report.extraction["events"][index]
    geo = (report.geocoding or [])[index] if index < len(report.geocoding or []) else {}
    geocoded = geo.get("places", [])
    span = event.get("span") or {}
    passage = (span["start"], span["end"]) if "start" in span and "end" in span else None
    decision = _decision(report, index)
    item.report = report
    item.event_index = index
    item.text = text_marked(report.text, event_marks(event, geo), passage)
    item.places = [
        {**mention, "geocoded": geocoded[i] if i < len(geocoded) else None}
        for i, mention in enumerate(event.get("places", []))
    ]
    chosen = geo.get("chosen")
    item.chosen_place = item.places[chosen] if chosen is not None else None
    item.actor_mentions = event.get("actors", [])
    item.dates = event.get("dates", [])
    item.casualties = [{**c, "labels": casualty_labels(c)} for c in event.get("casualties", [])]
    item.event_type = event.get("sub_event_type") or event.get("event_type") or ""
    item.outcome = decision.get("outcome", "")
    item.score = decision.get("score")


# --- Measuring the extractor ------------------------------------------------------------------


def feedback_summary() -> dict:
    """How the extractor fares with editors, from each draft's latest decision: how many were
    decided and how (accepted or published, merged, discarded), the share of the accepted ones
    accepted unchanged, and, per field, the share of accepted drafts where editors corrected it."""
    latest = list(
        ExtractionFeedback.objects.order_by("report_id", "event_index", "-decided_at", "-id")
        .distinct("report_id", "event_index")
        .values("decision", "changed")
    )
    decisions = Counter(row["decision"] for row in latest)
    accepted = [
        row
        for row in latest
        if row["decision"] in (ReviewDecision.ACCEPTED, ReviewDecision.PUBLISHED)
    ]
    corrected = Counter(name for row in accepted for name in row["changed"] or [])
    total = len(accepted)
    return {
        "decided": len(latest),
        "accepted": total,
        "merged": decisions[ReviewDecision.MERGED],
        "discarded": decisions[ReviewDecision.DISCARDED],
        "unchanged": sum(1 for row in accepted if not row["changed"]),
        "unchanged_share": (
            sum(1 for row in accepted if not row["changed"]) / total if total else None
        ),
        "fields": [
            {"field": name, "corrected": corrected[name], "rate": corrected[name] / total}
            for name in FEEDBACK_FIELDS
        ]
        if total
        else [],
    }

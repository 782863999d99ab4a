"""Matching an extracted event against the incidents already recorded: the same days, nearby, the
same actors, the same type. Each candidate gets a score in [0, 1]; above ATTACH the report is
one more source of that incident, between REVIEW and ATTACH it becomes a draft flagged with the
candidate for an editor to decide, below REVIEW a new draft.

The weights say what a duplicate looks like in this conflict: reports of one attack agree on the
day and the place much more often than on the actors (an ambush "by unidentified gunmen" in one
report is "by JNIM" in the next) or on the type (an ambush or a clash)."""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q

from incidents.geo.geocoder import distance_km
from incidents.models import GeoPrecision, Incident, Status

ATTACH = 0.8
REVIEW = 0.55
WINDOW_DAYS = 3
WEIGHTS = {"date": 0.3, "place": 0.35, "actors": 0.2, "type": 0.15}
# Distance at which two points stop counting as one place: wider when either is only an area.
SAME_PLACE_KM = 5.0
FAR_KM = 40.0
FAR_KM_AREA = 150.0
# Candidates are first narrowed by a box around the point (degrees; ~330 km at the equator).
BOX_DEGREES = 3.0
UNKNOWN = 0.5  # a part neither side tells us about counts half
MAX_CANDIDATES = 200


class Decision:
    ATTACH = "attach"
    REVIEW = "review"
    NEW = "new"


@dataclass
class EventFacts:
    """What matching compares: the event's dates, point, actors and type."""

    date_start: date
    date_end: date
    lon: float | None = None
    lat: float | None = None
    geo_precision: int | None = None
    actor_ids: frozenset[int] = frozenset()
    event_type: str = ""
    sub_event_type: str = ""


@dataclass
class Scored:
    incident_id: int
    score: float
    parts: dict[str, float]
    distance_km: float | None = None


@dataclass
class MatchResult:
    decision: str
    score: float = 0.0
    candidate_id: int | None = None
    candidates: list[Scored] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def match_event(facts: EventFacts, *, exclude_ids=()) -> MatchResult:
    """The decision for one event: the best candidate and the others considered (up to five).
    `exclude_ids`: incidents never to match (the other events of the same report)."""
    scored = sorted(
        (score_candidate(facts, row) for row in candidate_rows(facts, exclude_ids)),
        key=lambda s: (-s.score, s.incident_id),
    )
    if not scored or scored[0].score < REVIEW:
        return MatchResult(Decision.NEW, scored[0].score if scored else 0.0, None, scored[:5])
    best = scored[0]
    decision = Decision.ATTACH if best.score >= ATTACH else Decision.REVIEW
    return MatchResult(decision, best.score, best.incident_id, scored[:5])


def candidate_rows(facts: EventFacts, exclude_ids=()) -> list[dict]:
    """Incidents (not retracted) whose dates come within WINDOW_DAYS of the event's and, when the
    event has a point, whose point is in a box around it or unknown."""
    window = timedelta(days=WINDOW_DAYS)
    rows = Incident.objects.exclude(status=Status.RETRACTED).filter(
        date_start__lte=facts.date_end + window, date_end__gte=facts.date_start - window
    )
    if facts.lon is not None and facts.lat is not None:
        rows = rows.filter(
            Q(location__isnull=True)
            | Q(
                lon__range=(facts.lon - BOX_DEGREES, facts.lon + BOX_DEGREES),
                lat__range=(facts.lat - BOX_DEGREES, facts.lat + BOX_DEGREES),
            )
        )
    if exclude_ids:
        rows = rows.exclude(pk__in=list(exclude_ids))
    return list(
        rows.annotate(actor_ids=ArrayAgg("participants__actor_id", distinct=True, default=[]))
        .values(
            "id",
            "date_start",
            "date_end",
            "lon",
            "lat",
            "geo_precision",
            "event_type",
            "sub_event_type",
            "actor_ids",
        )
        .order_by("-date_start", "-id")[:MAX_CANDIDATES]
    )


def score_candidate(facts: EventFacts, row: dict) -> Scored:
    km = _distance(facts, row)
    parts = {
        "date": date_score(facts.date_start, facts.date_end, row["date_start"], row["date_end"]),
        "place": place_score(km, facts.geo_precision, row["geo_precision"]),
        "actors": actor_score(facts.actor_ids, {a for a in row["actor_ids"] if a is not None}),
        "type": type_score(facts, row["event_type"], row["sub_event_type"]),
    }
    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    if parts["place"] == 0 or parts["date"] == 0:
        # Far apart, or days apart: two incidents, however alike otherwise.
        score = min(score, REVIEW / 2)
    return Scored(row["id"], round(score, 3), {k: round(v, 3) for k, v in parts.items()}, km)


def date_score(start: date, end: date, other_start: date, other_end: date) -> float:
    """1 when the periods overlap, falling to 0 just past the window."""
    gap = max((other_start - end).days, (start - other_end).days, 0)
    return max(0.0, 1.0 - gap / (WINDOW_DAYS + 1))


def place_score(km: float | None, precision: int | None, other_precision: int | None) -> float:
    """1 within a few km, falling to 0 at FAR_KM (FAR_KM_AREA when either point is only an
    admin area's); UNKNOWN when either has no point."""
    if km is None:
        return UNKNOWN
    area = GeoPrecision.ADMIN_AREA in (precision, other_precision)
    far = FAR_KM_AREA if area else FAR_KM
    if km <= SAME_PLACE_KM:
        return 1.0
    return max(0.0, 1.0 - (km - SAME_PLACE_KM) / (far - SAME_PLACE_KM))


def actor_score(actors: frozenset[int] | set[int], others: set[int]) -> float:
    """The share of the smaller set of actors found in the other; UNKNOWN when either names
    none."""
    if not actors or not others:
        return UNKNOWN
    return len(set(actors) & others) / min(len(actors), len(others))


def type_score(facts: EventFacts, event_type: str, sub_event_type: str) -> float:
    if not facts.event_type:
        return UNKNOWN
    if facts.sub_event_type and facts.sub_event_type == sub_event_type:
        return 1.0
    if facts.event_type == event_type:
        return 0.6 if facts.sub_event_type and sub_event_type else 0.8
    return 0.0


def _distance(facts: EventFacts, row: dict) -> float | None:
    if facts.lon is None or facts.lat is None or row["lon"] is None or row["lat"] is None:
        return None
    return round(distance_km(facts.lon, facts.lat, row["lon"], row["lat"]), 2)

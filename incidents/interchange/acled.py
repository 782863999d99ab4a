"""One ACLED event row (API or export columns) onto the model and back.

Import (`acled_row_import`): the incident gets the date range and precision, place, event type,
civilian targeting and notes; each named actor becomes a participant at its ACLED position with
its type code (`inter1`/`inter2`) and the name as coded (resolved to the registry's actor through
its aliases valid on the date, or a new actor for an editor to review); the fatality figure is a
claim of the ACLED source; the identifier, version, admin names, sources, source scale, ACLED's
tags and timestamp go to the incident's AcledEvent. Importing the same event again (a newer
export) updates the same incident.

Export (`acled_row`): the same columns from the model, so that an imported row comes back
unchanged, and any other incident is coded the way ACLED would code it.
"""

import calendar
from datetime import date, timedelta

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone

from actors.models import AcledInter, ActorKind, AliasKind
from actors.services import CatalogueError, actor_resolve_or_create
from incidents.geo.countries import BY_ISO_NUMERIC, BY_NAME, COUNTRIES
from incidents.interchange.common import (
    InterchangeError,
    dataset_source,
    day,
    english,
    integer,
    number,
    required,
)
from incidents.models import (
    AcledEvent,
    AcledPosition,
    Claim,
    Incident,
    IncidentActor,
    Origin,
    Status,
    TimePrecision,
)
from incidents.services import record_save
from incidents.taxonomy import EventType, SubEventType, disorder_type

# The columns of an ACLED event row, in the order of ACLED's API and exports.
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
PUBLISHER = "ACLED"
CIVILIAN_TARGETING = "Civilian targeting"
# ACLED's text labels of the actor types (the default since September 2024).
INTER_LABELS = {
    AcledInter.STATE_FORCES: "State forces",
    AcledInter.REBEL_GROUPS: "Rebel group",
    AcledInter.POLITICAL_MILITIAS: "Political militia",
    AcledInter.IDENTITY_MILITIAS: "Identity militia",
    AcledInter.RIOTERS: "Rioters",
    AcledInter.PROTESTERS: "Protesters",
    AcledInter.CIVILIANS: "Civilians",
    AcledInter.EXTERNAL_FORCES: "External/Other forces",
}
_INTER_BY_LABEL = {label.casefold().rstrip("s"): code for code, label in INTER_LABELS.items()}
KIND_BY_INTER = {
    AcledInter.STATE_FORCES: ActorKind.STATE,
    AcledInter.REBEL_GROUPS: ActorKind.REBEL,
    AcledInter.POLITICAL_MILITIAS: ActorKind.UNIDENTIFIED,
    AcledInter.IDENTITY_MILITIAS: ActorKind.MILITIA,
    AcledInter.RIOTERS: ActorKind.CIVILIANS,
    AcledInter.PROTESTERS: ActorKind.CIVILIANS,
    AcledInter.CIVILIANS: ActorKind.CIVILIANS,
    AcledInter.EXTERNAL_FORCES: ActorKind.EXTERNAL,
}
EVENT_TYPES = {english(e.label): e.value for e in EventType}
SUB_EVENT_TYPES = {english(s.label): s.value for s in SubEventType}


def inter_code(value) -> int | None:
    """An actor type as ACLED writes it (1-8, or its text label) -> its code."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit() and int(text) in AcledInter.values:
        return int(text)
    code = _INTER_BY_LABEL.get(text.casefold().rstrip("s"))
    if code is None:
        raise InterchangeError(f"{value!r} is not an ACLED actor type (1-8 or its label)")
    return code


def interaction(inter1: int | None, inter2: int | None, numeric: bool) -> str | int:
    """ACLED's interaction: the two type codes, lower first (10 for a sole state action)."""
    if inter1 is None:
        return ""
    if numeric:
        low, high = sorted([inter1, inter2 or 0])
        return int(f"{high}{low}") if low == 0 else int(f"{low}{high}")
    first = INTER_LABELS[AcledInter(inter1)]
    return f"{first} only" if inter2 is None else f"{first}-{INTER_LABELS[AcledInter(inter2)]}"


def date_range(event_date: date, precision: int) -> tuple[date, date]:
    """The range an ACLED date means: the day; the week around it; the month it marks."""
    if precision == TimePrecision.DAY:
        return event_date, event_date
    if precision == TimePrecision.WEEK:
        return event_date - timedelta(days=3), event_date + timedelta(days=3)
    last = calendar.monthrange(event_date.year, event_date.month)[1]
    return event_date.replace(day=1), event_date.replace(day=last)


def _names(value) -> list[str]:
    return [name.strip() for name in str(value or "").split(";") if name.strip()]


def _choice(row: dict, column: str, choices: dict[str, str]) -> str:
    value = required(row, column)
    if value not in choices:
        raise InterchangeError(f"{column}: {value!r} is not one of ACLED's {column} values")
    return choices[value]


@transaction.atomic
def acled_row_import(
    row: dict, *, version: str = "", status: str = Status.DRAFT, user=None
) -> Incident:
    """Creates, or updates when the event is already known, the incident of one ACLED row.
    Raises InterchangeError, naming the column, when the row does not fit (nothing is written).

    The row is written first with the models' constraints left to the database (Django checks
    each one with a query of its own: most of an import's time); a row the database refuses is
    written again with Django's validation, whose message names the rule broken."""
    try:
        with transaction.atomic():
            return _row_write(row, version=version, status=status, user=user, constraints=False)
    except IntegrityError:
        pass
    return _row_write(row, version=version, status=status, user=user, constraints=True)


def _row_write(row: dict, *, version: str, status: str, user, constraints: bool) -> Incident:
    event_id = required(row, "event_id_cnty")
    event_date = day(row, "event_date")
    precision = integer(row, "time_precision", blank=False)
    if precision not in TimePrecision.values:
        raise InterchangeError(f"time_precision: {precision} is not 1, 2 or 3")
    start, end = date_range(event_date, precision)
    country = BY_NAME.get(required(row, "country").casefold())
    iso = integer(row, "iso")
    if country is None or (iso is not None and BY_ISO_NUMERIC.get(iso) != country):
        raise InterchangeError(f"country / iso: {row.get('country')!r} / {iso} is not covered")
    sub_event = _choice(row, "sub_event_type", SUB_EVENT_TYPES)
    values = {
        "title": _title(row),
        "date_start": start,
        "date_end": end,
        "time_precision": precision,
        "location": Point(number(row, "longitude"), number(row, "latitude"), srid=4326),
        "location_name": str(row.get("location") or "")[:300],
        "geo_precision": integer(row, "geo_precision", blank=False),
        "event_type": _choice(row, "event_type", EVENT_TYPES),
        "sub_event_type": sub_event,
        "civilian_targeting": str(row.get("civilian_targeting") or "").strip()
        == CIVILIAN_TARGETING,
        "narrative": str(row.get("notes") or ""),
        "origin": Origin.IMPORT_ACLED,
    }
    record = AcledEvent.objects.select_related("incident").filter(event_id_cnty=event_id).first()
    incident = record.incident if record else Incident(status=status)
    for name, value in values.items():
        setattr(incident, name, value)
    if incident.status == Status.PUBLISHED and incident.published_at is None:
        incident.published_at = timezone.now()
    try:
        record_save(incident, user=user, constraints=constraints)
    except Exception as exc:  # validation of the model: say which row
        if isinstance(exc, IntegrityError) and not constraints:
            raise  # written again, with Django's validation
        raise InterchangeError(f"{event_id}: {exc}") from exc
    _participants(incident, row, event_date, event_id, constraints=constraints)
    _claim(incident, row, version, user, constraints=constraints)
    record = record or AcledEvent(incident=incident, event_id_cnty=event_id)
    record.dataset_version = version
    record.event_date = event_date
    record.admin1 = str(row.get("admin1") or "")
    record.admin2 = str(row.get("admin2") or "")
    record.admin3 = str(row.get("admin3") or "")
    record.sources = str(row.get("source") or "")
    record.source_scale = str(row.get("source_scale") or "")
    record.tags = str(row.get("tags") or "")
    record.timestamp = integer(row, "timestamp")
    record.full_clean(validate_constraints=constraints)
    record.save()
    return incident


def _title(row: dict) -> str:
    actors = " vs ".join(a for a in (row.get("actor1"), row.get("actor2")) if a)
    return f"{row.get('sub_event_type')}: {actors} in {row.get('location')}"[:300]


def _participants(
    incident: Incident, row: dict, on: date, event_id: str, *, constraints: bool
) -> None:
    incident.participants.all().delete()
    participants: list[IncidentActor] = []
    seen: set[tuple[int, str]] = set()
    slots = [
        (AcledPosition.ACTOR1, _names(row.get("actor1"))[:1], inter_code(row.get("inter1"))),
        (AcledPosition.ASSOC_ACTOR_1, _names(row.get("assoc_actor_1")), None),
        (AcledPosition.ACTOR2, _names(row.get("actor2"))[:1], inter_code(row.get("inter2"))),
        (AcledPosition.ASSOC_ACTOR_2, _names(row.get("assoc_actor_2")), None),
    ]
    for position, names, inter in slots:
        for sequence, name in enumerate(names):
            kind = KIND_BY_INTER.get(inter, ActorKind.UNIDENTIFIED)
            try:
                actor = actor_resolve_or_create(
                    name,
                    on=on,
                    kind=kind,
                    alias_kind=AliasKind.ACLED,
                    note=f"Created by the import of ACLED event {event_id}; to review.",
                )
            except CatalogueError as exc:
                raise InterchangeError(f"{position}: {exc}") from exc
            if (actor.pk, position) in seen:  # the same actor named twice in one column
                continue
            seen.add((actor.pk, position))
            participant = IncidentActor(
                incident=incident,
                actor=actor,
                acled_position=position,
                acled_inter=inter,
                initiator=False,
                name_as_coded=name,
                sequence=sequence,
            )
            participant.full_clean(validate_constraints=constraints)
            if constraints:  # one at a time: each judged against those before it
                participant.save()
            else:
                participants.append(participant)
    # One statement: its triggers (the history, the map's and the API's summaries) fire once.
    IncidentActor.objects.bulk_create(participants)


def _claim(incident: Incident, row: dict, version: str, user, *, constraints: bool) -> None:
    source = dataset_source(PUBLISHER, "ACLED (Armed Conflict Location & Event Data)")
    fatalities = integer(row, "fatalities")
    claim = Claim.objects.filter(incident=incident, source=source).first() or Claim(
        incident=incident, source=source
    )
    # ACLED's figure is its most conservative estimate (0 also when none is known).
    claim.fatalities_low = claim.fatalities_best = fatalities
    claim.credibility = 3
    claim.summary = (
        f"ACLED's coding of event {row.get('event_id_cnty')}"
        f"{f' (version {version})' if version else ''}: {fatalities} fatalities reported, "
        f"its most conservative estimate. Sources: {row.get('source') or 'not given'}."
    )
    record_save(claim, user=user, constraints=constraints)


def acled_row(incident: Incident, *, inter_num: bool = True) -> dict:
    """The ACLED row of an incident (its imported record's values where it has one)."""
    record = next(iter(incident.acled_events.all()), None)
    participants = sorted(incident.participants.all(), key=lambda p: p.sequence)
    by_position = {
        position: [p for p in participants if p.acled_position == position]
        for position in AcledPosition.values
    }
    actor1 = next(iter(by_position[AcledPosition.ACTOR1]), None)
    actor2 = next(iter(by_position[AcledPosition.ACTOR2]), None)
    inter1 = actor1.acled_inter_code if actor1 else None
    inter2 = actor2.acled_inter_code if actor2 else None
    event_date = _event_date(incident, record)
    country = COUNTRIES.get(incident.country_code)
    claim = next((c for c in incident.claims.all() if c.source.publisher == PUBLISHER), None)
    fatalities = claim.fatalities_best if claim else None
    if fatalities is None:
        fatalities = next(
            (f for f in (incident.fatalities_low, incident.fatalities_best) if f is not None), 0
        )

    def inter(code):
        if code is None:
            return ""
        return code if inter_num else INTER_LABELS[AcledInter(code)]

    def name(p: IncidentActor) -> str:
        return p.name_as_coded or p.actor.name

    return {
        "event_id_cnty": record.event_id_cnty if record else f"SIM{incident.pk}",
        "event_date": event_date.isoformat(),
        "year": event_date.year,
        "time_precision": incident.time_precision,
        "disorder_type": disorder_type(incident.sub_event_type) if incident.sub_event_type else "",
        "event_type": english(incident.get_event_type_display()),
        "sub_event_type": english(incident.get_sub_event_type_display())
        if incident.sub_event_type
        else "",
        "actor1": name(actor1) if actor1 else "",
        "assoc_actor_1": "; ".join(name(p) for p in by_position[AcledPosition.ASSOC_ACTOR_1]),
        "inter1": inter(inter1),
        "actor2": name(actor2) if actor2 else "",
        "assoc_actor_2": "; ".join(name(p) for p in by_position[AcledPosition.ASSOC_ACTOR_2]),
        "inter2": inter(inter2),
        "interaction": interaction(inter1, inter2, inter_num),
        "civilian_targeting": CIVILIAN_TARGETING if incident.civilian_targeting else "",
        "iso": country.iso_numeric if country else "",
        "region": country.acled_region if country else "",
        "country": country.name_en if country else "",
        "admin1": record.admin1 if record else (incident.admin1.name_en if incident.admin1 else ""),
        "admin2": record.admin2 if record else (incident.admin2.name_en if incident.admin2 else ""),
        "admin3": record.admin3 if record else "",
        "location": incident.location_name,
        "latitude": round(incident.location.y, 4) if incident.location else "",
        "longitude": round(incident.location.x, 4) if incident.location else "",
        "geo_precision": incident.geo_precision,
        "source": record.sources
        if record
        else "; ".join(sorted({c.source.publisher for c in incident.claims.all()})),
        "source_scale": record.source_scale if record else "",
        "notes": incident.narrative,
        "fatalities": fatalities,
        "tags": record.tags if record else "",
        "timestamp": record.timestamp
        if record and record.timestamp is not None
        else int(incident.updated_at.timestamp()),
    }


def _event_date(incident: Incident, record: AcledEvent | None) -> date:
    """The date as ACLED codes it: its own where it still lies in the range, else the start of
    a one-day range, the middle of a longer one."""
    if record and incident.date_start <= record.event_date <= incident.date_end:
        return record.event_date
    return incident.date_start + (incident.date_end - incident.date_start) / 2

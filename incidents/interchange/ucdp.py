"""One UCDP GED event row (the API's 49 fields, or a GED CSV row) onto the model and back.

Import (`ucdp_row_import`): the incident gets the date range with UCDP's date precision (and the
ACLED precision the range allows), the place with UCDP's location precision (and ACLED's, by the
crosswalk in incidents/precision.py), UCDP's type of violence; side A and side B become
participants on their UCDP side, with the names as coded; the deaths by side, among civilians and
of unknown status, and the low / best / high totals are a claim of the UCDP GED source; the
identifiers, version, conflict, dyad, sides' ids, sources and the rest of UCDP's coding go to
the incident's UcdpEvent. UCDP has no ACLED event type: state-based and non-state violence are
coded as battles, one-sided violence as violence against civilians, and the sub-event type is
left for an editor (the incident stays a draft until then). Importing the same event again (a
newer release) updates the same incident.

Export (`ucdp_row`): the same fields from the model.
"""

import contextlib
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pghistory
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q

from actors.models import ActorAlias, ActorKind, AliasKind
from actors.names import normalise_name
from actors.services import CatalogueError, actor_resolve_or_create
from incidents.geo.countries import BY_NAME, COUNTRIES
from incidents.interchange.common import (
    InterchangeError,
    dataset_source,
    day,
    integer,
    number,
    required,
)
from incidents.interchange.copy import objects_copy
from incidents.models import (
    Claim,
    Incident,
    IncidentActor,
    Origin,
    Status,
    UcdpEvent,
    UcdpSide,
    UcdpViolenceType,
)
from incidents.models.rules import future_date_errors
from incidents.precision import acled_geo_precision, time_precision_for, ucdp_where_prec
from incidents.precision import ucdp_date_prec as ucdp_date_prec_for
from incidents.services import record_save
from incidents.taxonomy import EventType

# The fields of a UCDP GED event, in the order of UCDP's API.
COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)
PUBLISHER = "UCDP"
TEXT_FIELDS = (
    "code_status",
    "conflict_dset_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a",
    "side_b_dset_id",
    "side_b",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "region",
    "gwnoa",
    "gwnob",
)
INTEGER_FIELDS = (
    "conflict_new_id",
    "dyad_new_id",
    "side_a_new_id",
    "side_b_new_id",
    "number_of_sources",
    "priogrid_gid",
    "country_id",
    "event_clarity",
)
EVENT_TYPE_BY_VIOLENCE = {
    UcdpViolenceType.STATE_BASED: EventType.BATTLES,
    UcdpViolenceType.NON_STATE: EventType.BATTLES,
    UcdpViolenceType.ONE_SIDED: EventType.VIOLENCE_AGAINST_CIVILIANS,
}


def _boolean(value) -> bool | None:
    text = str(value if value is not None else "").strip().lower()
    if text in {"true", "1", "t", "yes"}:
        return True
    if text in {"false", "0", "f", "no"}:
        return False
    return None


def priogrid_gid(latitude: float, longitude: float) -> int:
    """The PRIO-GRID cell (0.5 degree) holding a point: rows from the south, columns from the
    west, numbered from 1 at (-90, -180)."""
    row = int((latitude + 90) // 0.5)
    col = int((longitude + 180) // 0.5)
    return row * 720 + col + 1


@dataclass
class ParsedRow:
    """One GED row read and checked, ready to be written (ucdp_row_parse)."""

    ged_id: int
    start: date
    violence: int
    country: str  # ISO alpha-2
    incident: dict
    sides: list[tuple[str, str]]  # (UCDP side, name as coded)
    claim: dict
    record: dict


def ucdp_row_parse(row: dict, *, version: str = "") -> ParsedRow:
    """Reads one GED row into the values of its incident, participants, claim and UcdpEvent.
    Raises InterchangeError naming the field at fault. Writes nothing."""
    ged_id = integer(row, "id", blank=False)
    start, end = day(row, "date_start"), day(row, "date_end")
    if end < start:
        raise InterchangeError("date_end: before date_start")
    date_prec, where_prec = integer(row, "date_prec"), integer(row, "where_prec", blank=False)
    violence = integer(row, "type_of_violence", blank=False)
    if violence not in UcdpViolenceType.values:
        raise InterchangeError(f"type_of_violence: {violence} is not 1, 2 or 3")
    country = BY_NAME.get(required(row, "country").casefold())
    if country is None:
        raise InterchangeError(f"country: {row.get('country')!r} is not covered")
    title = f"{row.get('dyad_name') or row.get('side_a')} ({row.get('where_coordinates')})"
    incident = {
        "title": title[:300],
        "date_start": start,
        "date_end": end,
        "time_precision": time_precision_for((end - start).days),
        "ucdp_date_prec": date_prec,
        "location": Point(number(row, "longitude"), number(row, "latitude"), srid=4326),
        "location_name": str(row.get("where_coordinates") or "")[:300],
        "geo_precision": acled_geo_precision(where_prec),
        "ucdp_where_prec": where_prec,
        "event_type": EVENT_TYPE_BY_VIOLENCE[violence],
        "ucdp_violence_type": violence,
        "civilian_targeting": violence == UcdpViolenceType.ONE_SIDED,
        "origin": Origin.IMPORT_UCDP,
    }
    sides = [
        (side, str(row.get(column) or "").strip())
        for side, column in ((UcdpSide.A, "side_a"), (UcdpSide.B, "side_b"))
        if str(row.get(column) or "").strip()
    ]
    claim = {
        "fatalities_low": integer(row, "low"),
        "fatalities_best": integer(row, "best"),
        "fatalities_high": integer(row, "high"),
        "killed_side_a_best": integer(row, "deaths_a"),
        "killed_side_b_best": integer(row, "deaths_b"),
        "killed_civilians_best": integer(row, "deaths_civilians"),
        "killed_unknown_best": integer(row, "deaths_unknown"),
        "credibility": 3,
        "summary": (
            f"UCDP GED's coding of event {row.get('id')}"
            f"{f' (version {version})' if version else ''}: best estimate {row.get('best')} "
            f"deaths (low {row.get('low')}, high {row.get('high')})."
        ),
    }
    record = {
        "relid": str(row.get("relid") or ""),
        "dataset_version": version,
        "active_year": _boolean(row.get("active_year")),
        **{name: str(row.get(name) or "") for name in TEXT_FIELDS},
        **{name: integer(row, name) for name in INTEGER_FIELDS},
    }
    return ParsedRow(ged_id, start, violence, country.iso2, incident, sides, claim, record)


@transaction.atomic
def ucdp_row_import(row: dict, *, version: str = "", user=None) -> Incident:
    """Creates, or updates when the event is already known, the incident of one UCDP GED row
    (a draft: UCDP has no sub-event type to publish it with). Raises InterchangeError, naming the
    field, when the row does not fit (nothing is written)."""
    parsed = ucdp_row_parse(row, version=version)
    ged_id = parsed.ged_id
    record = UcdpEvent.objects.select_related("incident").filter(ged_id=ged_id).first()
    incident = record.incident if record else Incident(status=Status.DRAFT)
    for name, value in parsed.incident.items():
        setattr(incident, name, value)
    try:
        record_save(incident, user=user)
    except Exception as exc:
        raise InterchangeError(f"UCDP GED {ged_id}: {exc}") from exc
    _participants(incident, row, parsed.start, parsed.violence, parsed.country, ged_id)
    _claim(incident, row, version, user)
    record = record or UcdpEvent(incident=incident, ged_id=ged_id)
    for name, value in parsed.record.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    return incident


def ucdp_rows_import(
    rows: list[tuple[int, dict]], *, version: str = "", user=None
) -> tuple[int, list[tuple[int, str]]]:
    """Imports a batch of GED rows (each with its line number) and returns how many were
    imported and the (line, error) of each refused row.

    Events not imported before are written set-wise: each row is read and checked in Python
    (ucdp_row_parse, the dates), the actors are resolved once per name and day, and the
    incidents, participants, claims and UcdpEvents are inserted with one statement per table
    (the database's constraints check every row, and its triggers derive the admin areas, the
    estimates, the map summary and the history as for a single save). If the database refuses
    any row, the batch is rolled back and imported again row by row (ucdp_row_import, each row
    its own savepoint), so the refused rows are named and the others imported. Events already
    known (a newer release) are updated row by row."""
    parsed: list[tuple[int, dict, ParsedRow]] = []
    errors: list[tuple[int, str]] = []
    for line, row in rows:
        try:
            item = ucdp_row_parse(row, version=version)
        except InterchangeError as exc:
            errors.append((line, str(exc)))
            continue
        future = future_date_errors(SimpleNamespace(**item.incident), ("date_start", "date_end"))
        if future:
            errors.append((line, "; ".join(str(m) for m in future.values())))
            continue
        parsed.append((line, row, item))
    known = set(
        UcdpEvent.objects.filter(ged_id__in=[p.ged_id for _, _, p in parsed]).values_list(
            "ged_id", flat=True
        )
    )
    fresh, again, seen = [], [], set()
    for line, row, item in parsed:
        if item.ged_id in known or item.ged_id in seen:
            again.append((line, row))
        else:
            fresh.append((line, row, item))
            seen.add(item.ged_id)
    imported = 0
    try:
        with transaction.atomic():
            imported += _rows_insert([item for _, _, item in fresh], user=user)
    except (IntegrityError, DataError, InterchangeError, ValidationError):
        again = [(line, row) for line, row, _ in fresh] + again
        again.sort()
    for line, row in again:
        try:
            ucdp_row_import(row, version=version, user=user)
        except (InterchangeError, ValueError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append((line, message))
            continue
        imported += 1
    errors.sort()
    return imported, errors


def _rows_insert(items: list[ParsedRow], *, user) -> int:
    if not items:
        return 0
    user_id = user.pk if user is not None and user.is_authenticated else None
    actors: dict[tuple, object] = {}
    dated_names: dict[str, bool] = {}

    def actor(name: str, side: str, item: ParsedRow):
        kind = ActorKind.UNIDENTIFIED
        if name.startswith("Government of"):
            kind = ActorKind.STATE
        elif item.violence == UcdpViolenceType.ONE_SIDED and side == UcdpSide.B:
            kind = ActorKind.CIVILIANS
        # A name without dated aliases means the same actor on every day: resolved once.
        dated = dated_names.get(name)
        if dated is None:
            dated = dated_names[name] = (
                ActorAlias.objects.filter(normalised=normalise_name(name))
                .filter(Q(valid_from__isnull=False) | Q(valid_until__isnull=False))
                .exists()
            )
        key = (name, item.start if dated else None, kind)
        if key not in actors:
            try:
                actors[key] = actor_resolve_or_create(
                    name,
                    on=item.start,
                    kind=kind,
                    alias_kind=AliasKind.UCDP,
                    note=f"Created by the import of UCDP GED event {item.ged_id}; to review.",
                )
            except CatalogueError as exc:
                raise InterchangeError(f"side_{side.lower()}: {exc}") from exc
        return actors[key]

    resolved = [
        [(side, name, actor(name, side, item)) for side, name in item.sides] for item in items
    ]
    source = dataset_source(PUBLISHER, "UCDP Georeferenced Event Dataset (GED)")
    context = pghistory.context(user=user_id) if user_id else contextlib.nullcontext()
    with context:
        incidents = objects_copy(
            Incident,
            [
                Incident(
                    status=Status.DRAFT,
                    created_by_id=user_id,
                    updated_by_id=user_id,
                    **i.incident,
                    **single_claim_estimates(i.claim),
                )
                for i in items
            ],
        )
        objects_copy(
            IncidentActor,
            [
                IncidentActor(incident=incident, actor=a, ucdp_side=side, name_as_coded=name)
                for incident, sides in zip(incidents, resolved, strict=True)
                for side, name, a in sides
            ],
        )
        objects_copy(
            Claim,
            [
                Claim(
                    incident=incident,
                    source=source,
                    created_by_id=user_id,
                    updated_by_id=user_id,
                    **i.claim,
                )
                for incident, i in zip(incidents, items, strict=True)
            ],
        )
        objects_copy(
            UcdpEvent,
            [
                UcdpEvent(incident=incident, ged_id=i.ged_id, **i.record)
                for incident, i in zip(incidents, items, strict=True)
            ],
        )
    return len(items)


def _participants(
    incident: Incident, row: dict, on: date, violence: int, country: str, ged_id: int
) -> None:
    incident.participants.all().delete()
    for side, column in ((UcdpSide.A, "side_a"), (UcdpSide.B, "side_b")):
        name = str(row.get(column) or "").strip()
        if not name:
            continue
        kind = ActorKind.UNIDENTIFIED
        if name.startswith("Government of"):
            kind = ActorKind.STATE
        elif violence == UcdpViolenceType.ONE_SIDED and side == UcdpSide.B:
            kind = ActorKind.CIVILIANS
        try:
            actor = actor_resolve_or_create(
                name,
                on=on,
                kind=kind,
                alias_kind=AliasKind.UCDP,
                note=f"Created by the import of UCDP GED event {ged_id}; to review.",
            )
        except CatalogueError as exc:
            raise InterchangeError(f"{column}: {exc}") from exc
        participant = IncidentActor(
            incident=incident, actor=actor, ucdp_side=side, name_as_coded=name
        )
        participant.full_clean()
        participant.save()


def _claim(incident: Incident, row: dict, version: str, user) -> None:
    source = dataset_source(PUBLISHER, "UCDP Georeferenced Event Dataset (GED)")
    claim = Claim.objects.filter(incident=incident, source=source).first() or Claim(
        incident=incident, source=source
    )
    claim.fatalities_low = integer(row, "low")
    claim.fatalities_best = integer(row, "best")
    claim.fatalities_high = integer(row, "high")
    claim.killed_side_a_best = integer(row, "deaths_a")
    claim.killed_side_b_best = integer(row, "deaths_b")
    claim.killed_civilians_best = integer(row, "deaths_civilians")
    claim.killed_unknown_best = integer(row, "deaths_unknown")
    claim.credibility = 3
    claim.summary = (
        f"UCDP GED's coding of event {row.get('id')}{f' (version {version})' if version else ''}"
        f": best estimate {row.get('best')} deaths (low {row.get('low')}, high {row.get('high')})."
    )
    record_save(claim, user=user)


def ucdp_row(incident: Incident) -> dict:
    """The UCDP GED row of an incident (its imported record's values where it has one)."""
    record = next(iter(incident.ucdp_events.all()), None)
    claim = next((c for c in incident.claims.all() if c.source.publisher == PUBLISHER), None)
    figures = claim or incident
    sides = {
        side: next((p for p in incident.participants.all() if p.ucdp_side == side), None)
        for side in UcdpSide.values
    }
    country = COUNTRIES.get(incident.country_code)
    lat = incident.location.y if incident.location else None
    lon = incident.location.x if incident.location else None
    days = (incident.date_end - incident.date_start).days

    def kept(name, default=""):
        return getattr(record, name) if record else default

    def side_name(side: str) -> str:
        participant = sides[side]
        return participant.name_as_coded or participant.actor.name if participant else ""

    return {
        "id": record.ged_id if record else incident.pk,
        "relid": kept("relid"),
        "year": incident.date_start.year,
        "active_year": kept("active_year", None),
        "code_status": kept("code_status"),
        "type_of_violence": incident.ucdp_violence_type,
        "conflict_dset_id": kept("conflict_dset_id"),
        "conflict_new_id": kept("conflict_new_id", None),
        "conflict_name": kept("conflict_name"),
        "dyad_dset_id": kept("dyad_dset_id"),
        "dyad_new_id": kept("dyad_new_id", None),
        "dyad_name": kept("dyad_name"),
        "side_a_dset_id": kept("side_a_dset_id"),
        "side_a_new_id": kept("side_a_new_id", None),
        "side_a": record.side_a if record else side_name(UcdpSide.A),
        "side_b_dset_id": kept("side_b_dset_id"),
        "side_b_new_id": kept("side_b_new_id", None),
        "side_b": record.side_b if record else side_name(UcdpSide.B),
        "number_of_sources": kept("number_of_sources", None),
        "source_article": kept("source_article"),
        "source_office": kept("source_office"),
        "source_date": kept("source_date"),
        "source_headline": kept("source_headline"),
        "source_original": kept("source_original"),
        "where_prec": incident.ucdp_where_prec or ucdp_where_prec(incident.geo_precision),
        "where_coordinates": kept("where_coordinates", incident.location_name),
        "where_description": kept("where_description"),
        "adm_1": record.adm_1 if record else (incident.admin1.name_en if incident.admin1 else ""),
        "adm_2": record.adm_2 if record else (incident.admin2.name_en if incident.admin2 else ""),
        "latitude": lat,
        "longitude": lon,
        "geom_wkt": f"POINT ({lon} {lat})" if lat is not None else "",
        "priogrid_gid": kept("priogrid_gid", None)
        or (priogrid_gid(lat, lon) if lat is not None else None),
        "country": country.name_en if country else "",
        "country_id": kept("country_id", None) or (country.gleditsch_ward if country else None),
        "region": kept("region", "Africa"),
        "event_clarity": kept("event_clarity", None),
        "date_prec": incident.ucdp_date_prec or ucdp_date_prec_for(incident.time_precision, days),
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat(),
        "deaths_a": figures.killed_side_a_best,
        "deaths_b": figures.killed_side_b_best,
        "deaths_civilians": figures.killed_civilians_best,
        "deaths_unknown": figures.killed_unknown_best,
        "best": figures.fatalities_best,
        "high": figures.fatalities_high,
        "low": figures.fatalities_low,
        "gwnoa": kept("gwnoa"),
        "gwnob": kept("gwnob"),
    }


ESTIMATE_CATEGORIES = (
    "fatalities",
    "killed_civilians",
    "killed_side_a",
    "killed_side_b",
    "killed_unknown",
    "injured",
    "abducted",
)


def single_claim_estimates(claim: dict) -> dict:
    """The estimates an incident with this one claim gets (incidents/sql/estimates.sql, for one
    claim): best as stated (the dead in all: the stated total, else the sum of the categories'
    bests), low and high widened to include best, a bound not stated left unknown. Written with
    a new incident so that the claim's trigger finds them already there and changes nothing (one
    UPDATE less per row); the trigger stays the authority: were these to differ, it corrects
    them."""
    out = {}
    for category in ESTIMATE_CATEGORIES:
        low, best, high = (claim.get(f"{category}_{b}") for b in ("low", "best", "high"))
        if category == "fatalities":
            parts = ("killed_civilians", "killed_side_a", "killed_side_b", "killed_unknown")
            for bound, value in (("low", low), ("best", best)):
                if value is None:
                    given = [claim.get(f"{p}_{bound}") for p in parts]
                    if any(v is not None for v in given):
                        value = sum(v or 0 for v in given)
                if bound == "low":
                    low = value
                else:
                    best = value
        out[f"{category}_best"] = best
        out[f"{category}_low"] = (
            None if low is None else min(x for x in (low, best) if x is not None)
        )
        out[f"{category}_high"] = (
            None if high is None else max(x for x in (high, best) if x is not None)
        )
    return out

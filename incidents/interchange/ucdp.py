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

from datetime import date

from django.contrib.gis.geos import Point
from django.db import transaction

from actors.models import ActorKind, AliasKind
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


@transaction.atomic
def ucdp_row_import(row: dict, *, version: str = "", user=None) -> Incident:
    """Creates, or updates when the event is already known, the incident of one UCDP GED row
    (a draft: UCDP has no sub-event type to publish it with). Raises InterchangeError, naming the
    field, when the row does not fit (nothing is written)."""
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
    record = UcdpEvent.objects.select_related("incident").filter(ged_id=ged_id).first()
    incident = record.incident if record else Incident(status=Status.DRAFT)
    values = {
        "title": f"{row.get('dyad_name') or row.get('side_a')} ({row.get('where_coordinates')})",
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
    values["title"] = values["title"][:300]
    for name, value in values.items():
        setattr(incident, name, value)
    try:
        record_save(incident, user=user)
    except Exception as exc:
        raise InterchangeError(f"UCDP GED {ged_id}: {exc}") from exc
    _participants(incident, row, start, violence, country.iso2, ged_id)
    _claim(incident, row, version, user)
    record = record or UcdpEvent(incident=incident, ged_id=ged_id)
    record.relid = str(row.get("relid") or "")
    record.dataset_version = version
    record.active_year = _boolean(row.get("active_year"))
    for name in TEXT_FIELDS:
        setattr(record, name, str(row.get(name) or ""))
    for name in INTEGER_FIELDS:
        setattr(record, name, integer(row, name))
    record.full_clean()
    record.save()
    return incident


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

"""Selectors: the functions that read incidents. Querysets are shaped here, once."""

from collections import defaultdict
from datetime import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from actors.models import ACLED_INTER_BY_KIND, Actor, ActorKind, ActorRelation
from incidents import history
from incidents.geo.countries import COUNTRIES, SAHEL_COUNTRIES
from incidents.geo.models import AdminArea
from incidents.models import (
    CivilianHarmReport,
    Claim,
    GeoPrecision,
    Incident,
    IncidentActor,
    IncidentTombstone,
    Source,
    Status,
    Victim,
)
from incidents.taxonomy import EventType, SubEventType, sub_event_types_of


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Published incidents for everyone allowed to read; every status for those who edit."""
    if not user.is_authenticated or not user.has_perm("incidents.view_incident"):
        return Incident.objects.none()
    if user.has_perm("incidents.change_incident"):
        return Incident.objects.all()
    return Incident.objects.filter(status=Status.PUBLISHED)


def incident_detail(user, pk: int) -> Incident:
    """One incident with its participants, claims (most reliable first), civilian-harm
    assessments with their victims, and its ACLED and UCDP records."""
    return (
        incidents_visible_to(user)
        .select_related("admin1", "admin2", "place", "created_by", "published_by")
        .prefetch_related(
            Prefetch(
                "participants",
                IncidentActor.objects.select_related("actor").order_by(
                    "acled_position", "sequence", "id"
                ),
            ),
            Prefetch(
                "claims",
                Claim.objects.select_related("source", "claimed_perpetrator").order_by(
                    "source__reliability", "credibility", "id"
                ),
            ),
            Prefetch(
                "harm_assessments",
                CivilianHarmReport.objects.select_related(
                    "source", "alleged_perpetrator"
                ).prefetch_related("victims"),
            ),
            "acled_events",
            "ucdp_events",
        )
        .get(pk=pk)
    )


def incident_survivor(pk: int) -> int | None:
    """The id of the incident that incident `pk` was merged into (following later merges of
    the survivor), or None when it was not merged."""
    seen = {pk}
    survivor = None
    current = pk
    while True:
        found = Incident.objects.filter(pk=current).values_list("merged_into", flat=True).first()
        if found is None or found in seen:
            return survivor
        survivor = current = found
        seen.add(found)


def incident_popup(user, pk: int) -> dict:
    """What a map popup shows of one incident the user may see: when (with its precision),
    what, who (with their roles in both conventions), how many died (low / best / high), where
    as reported (with its precision and the admin area it is drawn as)."""
    incident = (
        incidents_visible_to(user)
        .select_related("admin1", "admin2")
        .prefetch_related(
            Prefetch(
                "participants",
                IncidentActor.objects.select_related("actor").order_by(
                    "acled_position", "sequence", "id"
                ),
            )
        )
        .get(pk=pk)
    )
    area = incident.admin2 or incident.admin1
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "synthetic": incident.origin == "synthetic",
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat(),
        "time_precision": incident.get_time_precision_display(),
        "event_type": incident.event_type,
        "event_type_label": incident.get_event_type_display(),
        "sub_event_type_label": incident.get_sub_event_type_display(),
        "actors": [
            {
                "name": p.actor.name,
                "acled_position": p.get_acled_position_display(),
                "ucdp_side": p.get_ucdp_side_display(),
                "claimed_responsibility": p.claimed_responsibility,
            }
            for p in incident.participants.all()
        ],
        "fatalities": list(incident.estimate("fatalities")),
        "location_name": incident.location_name,
        "geo_precision": incident.geo_precision,
        "geo_precision_label": incident.get_geo_precision_display(),
        "area": {"id": area.pk, "level": area.level, "name": area.name_en} if area else None,
    }


def incidents_for_list(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """The list's columns, in as few queries as a page needs."""
    return queryset.select_related("admin1", "admin2").only(
        "id",
        "title",
        "date_start",
        "date_end",
        "time_precision",
        "event_type",
        "sub_event_type",
        "location_name",
        "geo_precision",
        "country_code",
        "fatalities_low",
        "fatalities_best",
        "fatalities_high",
        "status",
        "origin",
        "admin1__name_en",
        "admin1__name_fr",
        "admin2__name_en",
        "admin2__name_fr",
    )


def filter_options() -> dict:
    """What the filter panels offer: event types with their sub-event types, actors, kinds of
    actor, countries, regions and precision codes, in the page's language."""
    language = get_language() or "en"
    french = language.startswith("fr")
    return {
        "event_types": [
            (e.value, e.label, [(s, SubEventType(s).label) for s in sub_event_types_of(e.value)])
            for e in EventType
        ],
        "actors": [
            {"slug": slug, "label": f"{name} ({acronym})" if acronym else name}
            for slug, name, acronym in Actor.objects.filter(fighting_party=True)
            .order_by("name")
            .values_list("slug", "name_fr" if french else "name", "acronym")
        ],
        "actor_kinds": ActorKind.choices,
        "countries": [
            (code, COUNTRIES[code].name_fr if french else COUNTRIES[code].name_en)
            for code in SAHEL_COUNTRIES
        ],
        "admin1_areas": [
            {"id": pk, "country_code": cc, "name": name_fr if french else name_en}
            for pk, cc, name_en, name_fr in AdminArea.objects.filter(
                level=1, country_code__in=SAHEL_COUNTRIES
            )
            .order_by("country_code", "name_en")
            .values_list("id", "country_code", "name_en", "name_fr")
        ],
        "admin2_areas": [
            {"id": pk, "admin1": parent, "name": name_fr if french else name_en}
            for pk, parent, name_en, name_fr in AdminArea.objects.filter(
                level=2, country_code__in=SAHEL_COUNTRIES
            )
            .order_by("name_en")
            .values_list("id", "parent_id", "name_en", "name_fr")
        ],
        "geo_precisions": GeoPrecision.choices,
    }


def incident_history(incident: Incident, *, personal: bool) -> list[history.Change]:
    """The incident's history as its page shows it (incidents/history.py)."""
    return history.incident_history(incident, personal=personal)


# --- Confidential sources: editors see them; viewers and partners see a label and the grade --


def sees_confidential_sources(user) -> bool:
    """Editors, reviewers and admins (those who change sources) see confidential sources."""
    return bool(user.is_authenticated and user.has_perm("incidents.change_source"))


CONFIDENTIAL_SOURCE = _("confidential source")


def source_label(source: Source, *, confidential_visible: bool) -> str:
    """The publisher, or "confidential source" for whoever may not see it."""
    if source.confidential and not confidential_visible:
        return str(CONFIDENTIAL_SOURCE)
    return source.publisher


def incidents_for_api(*, published_only: bool) -> QuerySet[Incident]:
    """The incidents an API caller reads: the published ones (partners, anonymous callers,
    viewers), or every status (those who edit)."""
    if published_only:
        return Incident.objects.filter(status=Status.PUBLISHED)
    return Incident.objects.all()


def tombstones_since(since: datetime | None) -> QuerySet[IncidentTombstone]:
    """Incidents that left the published set (at or after `since`), oldest first."""
    tombstones = IncidentTombstone.objects.order_by("deleted_at", "incident_id")
    return tombstones if since is None else tombstones.filter(deleted_at__gte=since)


def incident_stats(queryset: QuerySet[Incident], group_by: str) -> list[dict]:
    """Incidents and fatalities of a set, grouped by month, event type, actor (an incident
    counts for each actor that took part), country, admin1 or admin2. Sums are of the known
    figures; `fatalities_unknown` counts incidents without a best estimate."""
    # Named apart from the fields they sum (an annotation would shadow the field in the filter).
    figures = {
        "n_incidents": Count("id", distinct=True),
        "n_fatalities_low": Sum("fatalities_low"),
        "n_fatalities_best": Sum("fatalities_best"),
        "n_fatalities_high": Sum("fatalities_high"),
        "n_killed_civilians_best": Sum("killed_civilians_best"),
        "n_fatalities_unknown": Count("id", filter=Q(fatalities_best__isnull=True), distinct=True),
    }
    french = (get_language() or "en").startswith("fr")
    if group_by == "actor":
        return _incident_stats_by_actor(queryset, french=french)
    if group_by == "month":
        grouped = (
            queryset.annotate(month=TruncMonth("date_start"))
            .values("month")
            .annotate(**figures)
            .order_by("month")
        )
        return [
            {"key": row.pop("month").strftime("%Y-%m"), "label": "", **_figures(row)}
            for row in grouped
        ]
    if group_by == "event_type":
        labels = dict(EventType.choices)
        grouped = queryset.values("event_type").annotate(**figures).order_by("event_type")
        return [
            {"key": (k := row.pop("event_type")), "label": str(labels.get(k, k)), **_figures(row)}
            for row in grouped
        ]
    if group_by == "country":
        grouped = queryset.values("country_code").annotate(**figures).order_by("country_code")
        return [
            {
                "key": (code := row.pop("country_code")),
                "label": (
                    (COUNTRIES[code].name_fr if french else COUNTRIES[code].name_en)
                    if code in COUNTRIES
                    else ""
                ),
                **_figures(row),
            }
            for row in grouped
        ]
    name = f"{group_by}__name_fr" if french else f"{group_by}__name_en"
    grouped = (
        queryset.values(key=F(f"{group_by}__code"), label=F(name))
        .annotate(**figures)
        .order_by("key")
    )
    return [
        {"key": row.pop("key") or "", "label": row.pop("label") or "", **_figures(row)}
        for row in grouped
    ]


def _figures(row: dict) -> dict:
    return {name: row[f"n_{name}"] for name in STAT_FIGURES}


def _incident_stats_by_actor(queryset: QuerySet[Incident], *, french: bool) -> list[dict]:
    """incident_stats by actor: each incident once per actor, whatever its roles in it."""
    ids_sql, params = queryset.order_by().values("id").query.sql_with_params()
    name = "a.name_fr" if french else "a.name"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.slug, coalesce(nullif({name}, ''), a.name), count(*),
                   sum(i.fatalities_low), sum(i.fatalities_best), sum(i.fatalities_high),
                   sum(i.killed_civilians_best), count(*) FILTER (WHERE i.fatalities_best IS NULL)
            FROM (SELECT DISTINCT p.incident_id, p.actor_id FROM incidents_incidentactor p
                  WHERE p.incident_id IN ({ids_sql})) d
            JOIN incidents_incident i ON i.id = d.incident_id
            JOIN actors_actor a ON a.id = d.actor_id
            GROUP BY a.id ORDER BY count(*) DESC, a.slug
            """,
            params,
        )
        names = ("key", "label", *STAT_FIGURES)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


STAT_FIGURES = (
    "incidents",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "killed_civilians_best",
    "fatalities_unknown",
)


def actors_for_api(*, kind: str | None = None, country: str | None = None) -> list[dict]:
    """The actor catalogue as the API lists it: names, aliases, kind, ACLED actor type (the
    usual one for its kind when none is set), active period, relations to other actors."""
    actors = Actor.objects.order_by("name").annotate(
        alias_names=ArrayAgg("aliases__name", distinct=True, default=Value([]))
    )
    if kind:
        actors = actors.filter(kind=kind)
    if country:
        actors = actors.filter(countries__contains=[country])
    relations: dict[int, list[dict]] = defaultdict(list)
    for source_id, type_, target, start, end in ActorRelation.objects.order_by(
        "source_id", "start_date", "id"
    ).values_list("source_id", "type", "target__slug", "start_date", "end_date"):
        relations[source_id].append(
            {
                "type": type_,
                "target": target,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
            }
        )
    return [
        {
            "id": a.pk,
            "slug": a.slug,
            "name": a.name,
            "name_fr": a.name_fr,
            "acronym": a.acronym,
            "kind": a.kind,
            "acled_inter": a.acled_inter or ACLED_INTER_BY_KIND[a.kind],
            "countries": a.countries,
            "active_from": a.active_from.isoformat() if a.active_from else None,
            "active_until": a.active_until.isoformat() if a.active_until else None,
            "fighting_party": a.fighting_party,
            "aliases": sorted(n for n in a.alias_names if n),
            "relations": relations.get(a.pk, []),
        }
        for a in actors
    ]


def admin_areas_for_api(*, level: int | None = None, country: str | None = None) -> list[dict]:
    """Admin areas (countries, admin1, admin2) with their codes and names, without geometry."""
    areas = AdminArea.objects.order_by("level", "country_code", "code")
    if level is not None:
        areas = areas.filter(level=level)
    if country:
        areas = areas.filter(country_code=country)
    return list(
        areas.values("id", "level", "country_code", "code", "name_en", "name_fr", "parent_id")
    )


SOURCE_FIELDS = (
    "id",
    "kind",
    "publisher",
    "title",
    "url",
    "language",
    "published_on",
    "published_on_precision",
    "reliability",
    "updated_at",
)


def sources_for_api(
    incidents: QuerySet[Incident],
    *,
    personal: bool,
    after_id: int,
    limit: int,
    confidential: bool | None = None,
) -> list[dict]:
    """Sources cited by the claims on `incidents` (the caller's), by id after `after_id`, with
    the ids of those incidents. The witness or informant only with `personal`; editors' notes
    never. A confidential source shows as "confidential source" with its grade only (no title,
    URL) unless `confidential` (by default: as `personal`, the same roles: editors and up)."""
    confidential = personal if confidential is None else confidential
    fields = (*SOURCE_FIELDS, "informant") if personal else SOURCE_FIELDS
    visible = incidents.order_by().values("id")
    sources = (
        Source.objects.filter(claims__incident__in=visible, pk__gt=after_id)
        .distinct()
        .order_by("pk")
        .values(*fields, "confidential")[:limit]
    )
    rows = list(sources)
    cited: dict[int, list[int]] = defaultdict(list)
    for source_id, incident_id in (
        Claim.objects.filter(source_id__in=[r["id"] for r in rows], incident__in=visible)
        .order_by("incident_id")
        .values_list("source_id", "incident_id")
    ):
        cited[source_id].append(incident_id)
    for row in rows:
        row["incidents"] = cited[row["id"]]
        if row.pop("confidential") and not confidential:
            row.update(
                publisher=str(CONFIDENTIAL_SOURCE),
                kind="",
                title="",
                url="",
                language="",
                published_on=None,
                published_on_precision="",
            )
            row.pop("informant", None)
    return rows


HARM_COUNTS = [
    f"{outcome}_{category}"
    for outcome in ("killed", "injured", "died_later", "abducted", "displaced")
    for category in ("children", "women", "men", "unknown")
]
VICTIM_FIELDS = (
    "age_years",
    "age_months",
    "age_approximate",
    "age_group",
    "sex",
    "status",
    "death_or_treatment_date",
    "death_or_treatment_date_end",
    "death_or_treatment_place",
)
VICTIM_PERSONAL_FIELDS = ("name", "injury", "notes")


def harm_assessments_for_api(
    incidents: QuerySet[Incident], *, personal: bool, after_id: int, limit: int
) -> list[dict]:
    """Civilian-harm assessments of `incidents` (the caller's), by id after `after_id`, each
    with its victims: victims' names, injuries and notes only with `personal`."""
    rows = list(
        CivilianHarmReport.objects.filter(
            incident__in=incidents.order_by().values("id"), pk__gt=after_id
        )
        .order_by("pk")
        .values(
            "id",
            "incident_id",
            "source_id",
            "assessor",
            "assessed_on",
            "grade",
            *HARM_COUNTS,
            "killed_max",
            "injured_max",
            "objects_hit",
            "means",
            "drone_type",
            "strikes",
            "assessment",
            "updated_at",
            alleged_perpetrator_slug=F("alleged_perpetrator__slug"),
        )[:limit]
    )
    fields = (*VICTIM_FIELDS, *VICTIM_PERSONAL_FIELDS) if personal else VICTIM_FIELDS
    victims: dict[int, list[dict]] = defaultdict(list)
    for victim in (
        Victim.objects.filter(report_id__in=[r["id"] for r in rows])
        .order_by("report_id", "id")
        .values("report_id", *fields)
    ):
        victims[victim.pop("report_id")].append(victim)
    for row in rows:
        row["victims"] = victims[row["id"]]
    return rows

"""Selectors: the functions that read incidents. Querysets are shaped here, once."""

from django.db.models import Prefetch, QuerySet

from incidents.filters import IncidentFilterSet
from incidents.models import CivilianHarmReport, Claim, Incident, IncidentActor, Status
from incidents.models.incident import ST_X, ST_Y

MAP_LIMIT = 5000


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


def incidents_for_map(user, filters: dict | None = None, limit: int = MAP_LIMIT) -> list[tuple]:
    """The most recent incidents visible to `user` that have a location and match `filters`
    (query parameters of IncidentFilterSet, already validated), at most `limit` + 1 rows (one more
    tells the caller the list was cut): (id, title, date_start, date_end, event_type,
    sub_event_type, fatalities_best, status, origin, geo_precision, longitude, latitude)."""
    queryset = incidents_visible_to(user).filter(location__isnull=False)
    if filters:
        queryset = IncidentFilterSet(filters, queryset=queryset).qs
    return list(
        queryset.order_by("-date_start", "-id")
        .annotate(lon=ST_X("location"), lat=ST_Y("location"))
        .values_list(
            "id",
            "title",
            "date_start",
            "date_end",
            "event_type",
            "sub_event_type",
            "fatalities_best",
            "status",
            "origin",
            "geo_precision",
            "lon",
            "lat",
        )[: limit + 1]
    )

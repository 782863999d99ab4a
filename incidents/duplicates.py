"""Possible duplicates of an incident being coded: recorded incidents whose dates overlap (within
a few days), and which lie within a few kilometres or share an actor. Shown to the editor while
they work (the form asks as the date, point and actors are set), before anything is saved."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Q
from django.urls import reverse

from incidents.models import Incident, IncidentActor


@dataclass(frozen=True)
class Duplicate:
    id: int
    title: str
    date_start: date
    date_end: date
    status: str
    distance_km: float | None
    shared_actors: list[str]
    score: float

    @property
    def url(self) -> str:
        return reverse("incidents:detail", args=[self.id])


def possible_duplicates(
    *,
    date_start: date,
    date_end: date | None = None,
    location: Point | None = None,
    actor_ids: list[int] = (),
    exclude_id: int | None = None,
    km: float = 25,
    days: int = 3,
    limit: int = 10,
) -> list[Duplicate]:
    """Incidents (any status but merged ones) whose dates come within `days` of the given ones
    and which lie within `km` of `location` or share one of `actor_ids`, best match first.

    The score (0 to 1) weighs nearness in space (0.4), in time (0.3) and the share of the given
    actors the candidate has too (0.3)."""
    date_end = date_end or date_start
    window = timedelta(days=days)
    candidates = Incident.objects.filter(
        merged_into__isnull=True,
        date_start__lte=date_end + window,
        date_end__gte=date_start - window,
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    near = Q(pk__in=[])
    if location is not None:
        if location.srid is None:
            location = Point(location.x, location.y, srid=4326)
        near = Q(location__distance_lte=(location, D(km=km)))
        candidates = candidates.annotate(distance=Distance("location", location))
    actors = set(actor_ids)
    if actors:
        near |= Q(participants__actor_id__in=actors)
    if location is None and not actors:
        return []
    found = list(
        candidates.filter(near)
        .distinct()
        .only("id", "title", "date_start", "date_end", "status", "location")[: limit * 5]
    )
    shared = _shared_actor_names([i.pk for i in found], actors)
    duplicates = [
        _scored(
            i,
            getattr(i, "distance", None),
            shared.get(i.pk, []),
            date_start,
            date_end,
            km,
            days,
            len(actors),
        )
        for i in found
    ]
    duplicates.sort(key=lambda d: (-d.score, d.id))
    return duplicates[:limit]


def _shared_actor_names(incident_ids: list[int], actors: set[int]) -> dict[int, list[str]]:
    shared: dict[int, list[str]] = {}
    if not actors:
        return shared
    for incident_id, name in (
        IncidentActor.objects.filter(incident_id__in=incident_ids, actor_id__in=actors)
        .order_by("incident_id", "actor__name")
        .values_list("incident_id", "actor__name")
        .distinct()
    ):
        shared.setdefault(incident_id, []).append(name)
    return shared


def _scored(incident, distance, shared, start, end, km, days, actor_count) -> Duplicate:
    distance_km = round(distance.km, 2) if distance is not None else None
    space = max(0.0, 1 - distance_km / km) if distance_km is not None else 0.0
    gap = max((incident.date_start - end).days, (start - incident.date_end).days, 0)
    time = 1 - gap / (days + 1)
    actors = len(shared) / actor_count if actor_count else 0.0
    return Duplicate(
        id=incident.pk,
        title=incident.title,
        date_start=incident.date_start,
        date_end=incident.date_end,
        status=incident.status,
        distance_km=distance_km,
        shared_actors=shared,
        score=round(0.4 * space + 0.3 * time + 0.3 * actors, 3),
    )

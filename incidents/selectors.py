"""Selectors: the functions that read incidents. Querysets are shaped here, once."""

import json

from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Prefetch, QuerySet

from incidents.models import AdminArea, Claim, Incident, IncidentActor, ReferenceDataset, Status

MAP_LIMIT = 5000


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Published incidents for everyone allowed to read; every status for those who edit."""
    if not user.is_authenticated or not user.has_perm("incidents.view_incident"):
        return Incident.objects.none()
    if user.has_perm("incidents.change_incident"):
        return Incident.objects.all()
    return Incident.objects.filter(status=Status.PUBLISHED)


def incident_detail(user, pk: int) -> Incident:
    """One incident with its participants, claims (most reliable first) and civilian harm."""
    return (
        incidents_visible_to(user)
        .select_related(
            "admin1",
            "admin2",
            "place",
            "created_by",
            "published_by",
            "civilian_harm__alleged_perpetrator",
        )
        .prefetch_related(
            Prefetch("participants", IncidentActor.objects.select_related("actor")),
            Prefetch(
                "claims",
                Claim.objects.select_related("source", "claimed_perpetrator").order_by(
                    "source__reliability", "credibility", "id"
                ),
            ),
            "civilian_harm__victims",
        )
        .get(pk=pk)
    )


def parse_bbox(value: str | None) -> Polygon | None:
    """'west,south,east,north' in degrees -> a polygon, or None; ValueError when malformed."""
    if not value:
        return None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        raise ValueError("bbox needs four numbers: west,south,east,north") from None
    if len(parts) != 4:
        raise ValueError("bbox needs four numbers: west,south,east,north")
    west, south, east, north = parts
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError("bbox must be west,south,east,north within -180..180 and -90..90")
    return Polygon.from_bbox((west, south, east, north))


def incidents_for_map(user, bbox: Polygon | None = None, limit: int = MAP_LIMIT) -> dict:
    """A GeoJSON FeatureCollection of the most recent incidents visible to `user` (in `bbox`),
    at most `limit`, with `truncated` saying whether more matched."""
    queryset = incidents_visible_to(user).filter(location__isnull=False)
    if bbox is not None:
        bbox.srid = 4326
        queryset = queryset.filter(location__intersects=bbox)
    rows = list(
        queryset.order_by("-date_start", "-id").values_list(
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
            "location",
        )[: limit + 1]
    )
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(point.x, 5), round(point.y, 5)]},
            "properties": {
                "title": title,
                "date_start": start.isoformat(),
                "date_end": end.isoformat(),
                "event_type": event_type,
                "sub_event_type": sub_event_type,
                "fatalities_best": fatalities,
                "status": status,
                "origin": origin,
                "geo_precision": geo_precision,
                "url": f"/incidents/{pk}/",
            },
        }
        for (
            pk,
            title,
            start,
            end,
            event_type,
            sub_event_type,
            fatalities,
            status,
            origin,
            geo_precision,
            point,
        ) in rows[:limit]
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}


def basemap_geojson(levels: tuple[int, ...] = (0, 1)) -> str:
    """Simplified country and admin1 outlines as GeoJSON text, built by PostGIS and cached until
    the boundaries change: the offline base layer of every map."""
    # Latest change and number of areas: a rename, a new shape or a removal all change the key.
    state = AdminArea.objects.aggregate(latest=Max("updated_at"), count=Count("id"))
    latest = state["latest"].isoformat() if state["latest"] else "none"
    key = f"basemap:{','.join(map(str, levels))}:{state['count']}:{latest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features',
                COALESCE(json_agg(json_build_object(
                    'type', 'Feature', 'id', a.id,
                    'geometry', ST_AsGeoJSON(a.geom_simplified, 4)::json,
                    'properties', json_build_object('name', a.name_en, 'name_fr', a.name_fr,
                                                    'code', a.code, 'level', a.level))
                    ORDER BY a.level, a.id), '[]'::json))::text
            FROM incidents_adminarea a WHERE a.level = ANY(%s)
            """,
            [list(levels)],
        )
        text = cursor.fetchone()[0]
    cache.set(key, text, timeout=24 * 3600)
    return text


def data_sources() -> list[ReferenceDataset]:
    """What reference data is loaded, with attribution, for the about page."""
    return list(ReferenceDataset.objects.order_by("name"))


def dumps(data) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

"""Selectors that read geography."""

import logging

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max

from incidents.geo.models import AdminArea, ReferenceDataset

logger = logging.getLogger(__name__)


def basemap_geojson(levels: tuple[int, ...] = (0, 1)) -> str:
    """Simplified country and admin1 outlines as GeoJSON text, built by PostGIS and cached until
    the boundaries change: the offline base layer of every map. A cache outage only costs the
    time to build it again, never an error."""
    # Latest change and number of areas: a rename, a new shape or a removal all change the key.
    state = AdminArea.objects.aggregate(latest=Max("updated_at"), count=Count("id"))
    latest = state["latest"].isoformat() if state["latest"] else "none"
    key = f"basemap:{','.join(map(str, levels))}:{state['count']}:{latest}"
    try:
        cached = cache.get(key)
    except Exception:  # the cache backend's connection errors (Redis down) differ by backend
        logger.warning("cache unavailable: building the base map without it", exc_info=True)
        cached = None
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
    try:
        cache.set(key, text, timeout=24 * 3600)
    except Exception:
        logger.warning("cache unavailable: the base map is not cached", exc_info=True)
    return text


def data_sources() -> list[ReferenceDataset]:
    """What reference data is loaded, with attribution, for the about page."""
    return list(ReferenceDataset.objects.order_by("name"))

"""What the map draws, read for a viewport, a zoom and the filters: counts per grid cell (at low
and middle zoom), incidents grouped by their exact point (at high zoom), counts per admin area
(the choropleth) and per period (the timeline). JSON is built by PostgreSQL.

Where the filters allow it (dates, event types, countries, geo precision, civilian harm, and what
the user may see), the counts come from the summary the database keeps (incidents_mapcell, see
incidents/sql/mapcells.sql): whole years and whole months from it, the incidents at the edges of
the date range counted directly. A single actor (with or without its member groups), with
dates, event types and geo precision, is read from the per-actor summary (incidents_actorcell,
see incidents/sql/actorcells.sql) the same way. Other filters (several actors, sub-event types,
admin areas, minimum fatalities, text) count the matching incidents directly,
which is fast when they are selective. Either way the answer equals a count of the matching
incidents.
"""

import calendar
import json
from dataclasses import dataclass
from datetime import date

from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from psycopg.types.range import DateRange

from actors.selectors import actor_groups_fingerprint
from incidents.models import GeoPrecision, Incident
from incidents.models.actorcells import ACTOR_LEVEL_GRAINS, TYPE_COLUMNS
from incidents.models.incident import Period
from incidents.taxonomy import EventType

# Map zoom -> grid level of the summary (cell size 90 / 2^level degrees); from POINTS_ZOOM on,
# incidents are drawn at their own points.
LEVEL_FOR_ZOOM = {z: max(3, min(11, z - 1 + (z % 2))) for z in range(0, 13)}
POINTS_ZOOM = 13
CELL_SIZES = {0: 360.0, 3: 11.25, 5: 2.8125, 7: 0.703125, 9: 0.17578125, 11: 0.0439453125}
AREA_LEVELS = {1: 101, 2: 102}
EVENT_TYPES = [e.value for e in EventType]
# Filters the summary can answer; any other one counts the incidents directly.
SUMMARY_FILTERS = {
    "date_from",
    "date_to",
    "event_type",
    "country",
    "geo_precision",
    "civilian_harm",
}
# ... and those the per-actor summary can answer, for a single actor.
ACTOR_SUMMARY_FILTERS = {"actor", "actor_members", "date_from", "date_to"}
MAX_POINT_GROUPS = 3000
MAX_LISTED = 50


@dataclass(frozen=True)
class Periods:
    """A date range split into whole years and whole months (read from the summary) and the
    edges, counted directly."""

    years: list[date]
    months: list[date]
    summary_start: date | None  # incidents starting in [summary_start, summary_end] are
    summary_end: date | None  # counted by the summary; the rest of the range directly
    start: date = date(1900, 1, 1)  # the range's first day
    end: date = date(2200, 12, 31)  # ... and its last


def split_periods(start: date | None, end: date | None) -> Periods | None:
    """None when the summary covers the whole range (no date filter)."""
    if start is None and end is None:
        return None
    start = start or date(1900, 1, 1)
    end = end or date(2200, 12, 31)
    first = start if start.day == 1 else _next_month(start)
    last_month_end = _month_end(end)
    last = _month_start(end) if end != last_month_end else _next_month(end)
    # Whole months are [first, last): first day of the first whole month, first day after.
    if first >= last:
        return Periods([], [], None, None, start, end)
    years, months, cursor = [], [], first
    while cursor < last:
        if cursor.month == 1 and date(cursor.year + 1, 1, 1) <= last:
            years.append(cursor)
            cursor = date(cursor.year + 1, 1, 1)
        else:
            months.append(cursor)
            cursor = _next_month(cursor)
    return Periods(years, months, first, _previous_day(last), start, end)


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _previous_day(d: date) -> date:
    return date.fromordinal(d.toordinal() - 1)


def summary_version() -> int:
    """Changes whenever an incident's place on the map may have changed (for ETags)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM incidents_mapcell_version")
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Summary:
    """Where the summary answers a question: its table, the conditions on its rows, and each
    row's incidents per event type (EVENT_TYPES' order) and coded to an admin area."""

    table: str
    conditions: str
    params: dict
    types: str
    imprecise: str


def _summary(filters: dict, published_only: bool, level: int) -> Summary | None:
    """The summary that can answer the filters at a level (grid level, 0 for the timeline,
    101 or 102 for admin areas): the map's, or for a single actor (with or without its member
    groups) the per-actor one where it keeps that level and the periods asked. None: count the
    incidents directly."""
    used = {name for name, value in filters.items() if value not in (None, "", [], False)}
    if used <= SUMMARY_FILTERS:
        conditions, params = _summary_conditions(filters, published_only)
        return Summary(
            "incidents_mapcell",
            conditions,
            params,
            types=", ".join(
                f"CASE WHEN m.event_type = '{t}' THEN m.n ELSE 0 END" for t in EVENT_TYPES
            ),
            imprecise=f"CASE WHEN m.geo_precision = {GeoPrecision.ADMIN_AREA} THEN m.n ELSE 0 END",
        )
    if (
        used <= ACTOR_SUMMARY_FILTERS
        and "actor" in used
        and len(filters["actor"]) == 1
        and _actor_summary_keeps(level, filters)
    ):
        key = actor_group_key(filters["actor"][0], members=bool(filters.get("actor_members")))
        if key is not None:
            conditions, params = _summary_conditions(filters, published_only)
            return Summary(
                "incidents_actorcell",
                f"m.group_key = %(group_key)s AND {conditions}",
                {**params, "group_key": key},
                types=", ".join(f"m.{column}" for column in TYPE_COLUMNS),
                imprecise="m.imprecise",
            )
    return None


def _actor_summary_keeps(level: int, filters: dict) -> bool:
    """Whether the per-actor summary keeps the periods a question needs at a level."""
    if level in AREA_LEVELS.values():
        return True
    periods = split_periods(filters.get("date_from"), filters.get("date_to"))
    if periods is None:
        needed = ["all"]
    else:
        needed = ["year"] * bool(periods.years) + ["month"] * bool(periods.months)
    return all(level in ACTOR_LEVEL_GRAINS[grain] for grain in needed)


def actor_group_key(actor_id: int, *, members: bool) -> int | None:
    """The per-actor summary's group for the actor filter, or None while the summary is not in
    step with the relations (incidents.services.actor_summary_refresh brings it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT g.key FROM incidents_actorgroup g JOIN incidents_actorsummarystate s
              ON s.relations_fingerprint = %s
            WHERE g.actor_id = %s AND g.members = %s
            """,
            [actor_groups_fingerprint(), actor_id, members],
        )
        row = cursor.fetchone()
        return row[0] if row else None


def _summary_conditions(filters: dict, published_only: bool) -> tuple[str, dict]:
    conditions, params = [], {}
    if published_only:
        conditions.append("m.published")
    if filters.get("event_type"):
        conditions.append("m.event_type = ANY(%(event_types)s)")
        params["event_types"] = list(filters["event_type"])
    if filters.get("country"):
        conditions.append("m.country_code = ANY(%(countries)s)")
        params["countries"] = [c.strip().upper() for c in filters["country"].split(",")]
    if filters.get("geo_precision"):
        conditions.append("m.geo_precision = ANY(%(precisions)s)")
        params["precisions"] = [int(p) for p in filters["geo_precision"]]
    if filters.get("civilian_harm"):
        conditions.append("m.civilian_harm")
    return " AND ".join(conditions) or "true", params


def _period_condition(periods: Periods | None) -> tuple[str, dict]:
    if periods is None:
        return "m.grain = 'all'", {}
    return (
        "((m.grain = 'year' AND m.period = ANY(%(years)s))"
        " OR (m.grain = 'month' AND m.period = ANY(%(months)s)))",
        {"years": periods.years, "months": periods.months},
    )


def _edges(queryset: QuerySet, periods: Periods | None) -> QuerySet | None:
    """The matching incidents the summary does not count: those starting before its first whole
    period (they overlap [the range's start, the summary's]: found through the period index;
    when the range starts on the 1st, those that began in the month before and run into it),
    and those starting after its last (in the range's last, partial month).

    The edges are found first, from the period and start-date indexes alone (a few thousand
    incidents at most), and the other filters are applied to them: asked as one query, the
    planner would combine those indexes with the viewport's and the date range's, which match
    hundreds of thousands of incidents each (a tenth of a second for a hundred incidents)."""
    if periods is None:
        return None
    if periods.summary_start is None:
        return queryset
    head = DateRange(periods.start, periods.summary_start, "[]")
    # "Starts before the summary's first day", said of the period (NOT &>) rather than of
    # date_start: a condition the planner checks on the few rows the period index finds, not one
    # it combines with an index scan of every earlier incident.
    counted = DateRange(periods.summary_start, None, "[)")
    edges = (
        Incident.objects.alias(period=Period("date_start", "date_end"))
        .filter(
            (Q(period__overlap=head) & ~Q(period__not_lt=counted))
            | Q(date_start__gt=periods.summary_end, date_start__lte=periods.end)
        )
        .values("pk")
    )
    sql, params = edges.query.sql_with_params()
    # = ANY(ARRAY(...)): computed once, before the rest of the query is planned around it.
    among_edges = RawSQL(  # noqa: S611 (Django-compiled SQL, values as parameters)
        f'"incidents_incident"."id" = ANY(ARRAY({sql}))', params, output_field=BooleanField()
    )
    return queryset.filter(among_edges)


def _answer(query: str, params) -> str | None:
    """The one value a map query answers, computed without parallel workers: a map query reads
    a few thousand rows, and starting workers costs more than they save (measured at a million
    incidents: an actor's points at zoom 13 in 20-30 ms serial, 40-100 ms with two workers,
    worse on a busy machine)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(query, params)
        row = cursor.fetchone()
        return row[0] if row else None


def _sql(queryset: QuerySet, *fields: str) -> tuple[str, tuple]:
    """The SQL of a queryset's rows (unordered: what reads them groups them), one per incident:
    with its id, so that a DISTINCT some filters add never merges two incidents that share the
    fields read."""
    fields = ("id", *(f for f in fields if f != "id"))
    return queryset.order_by().values(*fields).query.sql_with_params()


def grid_cells_json(
    queryset: QuerySet, filters: dict, *, zoom: int, bbox: Polygon, published_only: bool
) -> str:
    """Cells of the zoom's grid level in the viewport: [lon, lat, incidents, fatalities,
    imprecise (coded to an admin area), [counts per event type in EventType order]] with the
    point being the mean of the incidents' points. `queryset` is the filtered incidents the
    user may see (used for what the summary cannot answer)."""
    level = LEVEL_FOR_ZOOM[max(0, min(zoom, 12))]
    size = CELL_SIZES[level]
    west, south, east, north = bbox.extent
    box = {
        "level": level,
        "size": size,
        "cx0": int((west + 180) // size),
        "cx1": int((east + 180) // size),
        "cy0": int((south + 90) // size),
        "cy1": int((north + 90) // size),
    }
    parts, params = [], dict(box)
    direct = queryset.filter(location__intersects=bbox)
    summary = _summary(filters, published_only, level)
    if summary is not None:
        periods = split_periods(filters.get("date_from"), filters.get("date_to"))
        period, period_params = _period_condition(periods)
        params.update(summary.params, **period_params)
        parts.append(
            f"""
            SELECT m.cx, m.cy, m.n, m.fatalities, {summary.imprecise}, m.sum_lon, m.sum_lat,
                   {summary.types}
            FROM {summary.table} m
            WHERE m.level = %(level)s AND m.cx BETWEEN %(cx0)s AND %(cx1)s
              AND m.cy BETWEEN %(cy0)s AND %(cy1)s AND {period} AND {summary.conditions}
            """
        )
        direct = _edges(direct, periods)
    if direct is not None:
        sql, direct_params = _sql(
            direct, "location", "event_type", "geo_precision", "fatalities_best"
        )
        types = ", ".join(f"CASE WHEN d.event_type = '{t}' THEN 1 ELSE 0 END" for t in EVENT_TYPES)
        parts.append(
            f"""
            SELECT floor((ST_X(d.location) + 180) / %(size)s)::int, floor((ST_Y(d.location) + 90)
                   / %(size)s)::int, 1, COALESCE(d.fatalities_best, 0),
                   CASE WHEN d.geo_precision = {GeoPrecision.ADMIN_AREA} THEN 1 ELSE 0 END,
                   ST_X(d.location), ST_Y(d.location), {types}
            FROM ({_named(sql)}) AS d
            """
        )
        params.update(_named_params(direct_params))
    type_columns = [f"t{n}" for n in range(len(EVENT_TYPES))]
    query = f"""
        WITH p (cx, cy, n, fatalities, imprecise, sum_lon, sum_lat, {", ".join(type_columns)}) AS (
            {" UNION ALL ".join(parts)}
        ), cells AS (
            SELECT sum(p.n) AS n, sum(p.fatalities) AS fatalities,
                   sum(p.sum_lon) / sum(p.n) AS lon, sum(p.sum_lat) / sum(p.n) AS lat,
                   sum(p.imprecise) AS imprecise,
                   json_build_array({", ".join(f"sum(p.{c})" for c in type_columns)}) AS types
            FROM p GROUP BY p.cx, p.cy HAVING sum(p.n) > 0
        )
        SELECT json_build_object(
            'level', %(level)s, 'size', %(size)s, 'types', %(type_names)s::json,
            'total', COALESCE((SELECT sum(n) FROM cells), 0),
            'cells', COALESCE(json_agg(json_build_array(round(c.lon::numeric, 4),
                round(c.lat::numeric, 4), c.n, c.fatalities, c.imprecise, c.types)
                ORDER BY c.n DESC), '[]'::json))::text
        FROM cells c
    """
    params["type_names"] = json.dumps(EVENT_TYPES)
    return _answer(query, params)


def points_json(queryset: QuerySet, *, bbox: Polygon) -> str:
    """Incidents in the viewport grouped by their exact point (many share a commune or cercle
    centroid): [lon, lat, count, geo precision, event type of the latest, fatalities, id of the
    latest], at most MAX_POINT_GROUPS groups, the most populous first. Read, where the filters
    allow, from the covering index on the incidents' coordinates alone; the incidents of a group
    are listed on demand (`colocated_json`)."""
    west, south, east, north = bbox.extent
    sql, params = _sql(
        # (No location, no lon: the bounds leave out the incidents without a place.)
        queryset.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north),
        "lon",
        "lat",
        "date_start",
        "event_type",
        "geo_precision",
        "fatalities_best",
    )
    query = f"""
        WITH d AS ({_named(sql)}),
        groups AS (
            SELECT d.lon, d.lat, count(*) AS n, max(d.geo_precision) AS precision,
                   (array_agg(d.event_type ORDER BY d.date_start DESC, d.id DESC))[1]
                       AS event_type,
                   sum(COALESCE(d.fatalities_best, 0)) AS fatalities,
                   (array_agg(d.id ORDER BY d.date_start DESC, d.id DESC))[1] AS latest
            FROM d GROUP BY d.lon, d.lat
            ORDER BY count(*) DESC LIMIT {MAX_POINT_GROUPS + 1}
        )
        SELECT json_build_object(
            'points', COALESCE(json_agg(json_build_array(round(g.lon::numeric, 5),
                round(g.lat::numeric, 5), g.n, g.precision, g.event_type, g.fatalities, g.latest))
                FILTER (WHERE g IS NOT NULL), '[]'::json),
            'truncated', count(*) > {MAX_POINT_GROUPS})::text
        FROM (SELECT * FROM groups LIMIT {MAX_POINT_GROUPS}) g
    """
    return _answer(query, _named_params(params))


def colocated_json(queryset: QuerySet, incident: int) -> str | None:
    """The matching incidents at the same exact point as `incident` (a group on the map), the
    latest MAX_LISTED first: {"n": how many, "incidents": [[id, date, event type, title], ...]};
    None when `incident` is not one of the matching incidents."""
    if not queryset.filter(pk=incident, location__isnull=False).exists():
        return None
    here = queryset.filter(pk=incident)
    sql, params = _sql(
        queryset.filter(
            location__isnull=False,
            lon=Subquery(here.values("lon")[:1]),
            lat=Subquery(here.values("lat")[:1]),
        ),
        "date_start",
        "event_type",
        "title",
    )
    query = f"""
        WITH d AS ({_named(sql)})
        SELECT json_build_object('n', (SELECT count(*) FROM d), 'incidents', COALESCE(
            (SELECT json_agg(json_build_array(l.id, l.date_start, l.event_type, l.title)
                             ORDER BY l.date_start DESC, l.id DESC)
             FROM (SELECT * FROM d ORDER BY d.date_start DESC, d.id DESC LIMIT {MAX_LISTED}) l),
            '[]'::json))::text
    """
    return _answer(query, _named_params(params))


def _named(sql: str) -> str:
    """A Django query's SQL with its %s placeholders named, so that it can sit beside named
    parameters in one statement."""
    parts = sql.split("%s")
    return "".join(
        part + (f"%(q{n})s" if n < len(parts) - 1 else "") for n, part in enumerate(parts)
    )


def _named_params(params: tuple) -> dict:
    return {f"q{n}": value for n, value in enumerate(params)}


BUCKETS = ("day", "week", "month")


def timeline_json(queryset: QuerySet, filters: dict, *, bucket: str, published_only: bool) -> str:
    """Incidents and fatalities per day, week or month for the filtered set:
    {"bucket": ..., "series": [[period start, incidents, fatalities], ...]} in date order. By
    month, from the summary's level 0 where the filters allow; otherwise counted directly."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}")
    parts, params = [], {"bucket": bucket}
    direct = queryset.filter(location__isnull=False)
    summary = _summary(filters, published_only, 0) if bucket == "month" else None
    if summary is not None:
        periods = split_periods(filters.get("date_from"), filters.get("date_to"))
        months = (
            "m.grain = 'month'"
            if periods is None
            else "m.grain = 'month' AND m.period BETWEEN %(first)s AND %(last)s"
        )
        if periods is not None and periods.summary_start is None:
            months = "false"
        else:
            params.update(
                first=periods.summary_start if periods else None,
                last=periods.summary_end if periods else None,
            )
        params.update(summary.params)
        parts.append(
            f"""SELECT m.period, m.n, m.fatalities FROM {summary.table} m
                WHERE m.level = 0 AND {months} AND {summary.conditions}"""
        )
        direct = _edges(direct, periods)
    if direct is not None:
        sql, direct_params = _sql(direct, "date_start", "fatalities_best")
        parts.append(
            f"""SELECT date_trunc(%(bucket)s, d.date_start)::date, 1,
                       COALESCE(d.fatalities_best, 0) FROM ({_named(sql)}) AS d"""
        )
        params.update(_named_params(direct_params))
    query = f"""
        WITH p (period, n, fatalities) AS ({" UNION ALL ".join(parts)})
        SELECT json_build_object('bucket', %(bucket)s, 'series', COALESCE(json_agg(
            json_build_array(s.period, s.n, s.fatalities) ORDER BY s.period), '[]'::json))::text
        FROM (SELECT period, sum(n) AS n, sum(fatalities) AS fatalities FROM p
              GROUP BY period HAVING sum(n) > 0) s
    """
    return _answer(query, params)


def areas_json(queryset: QuerySet, filters: dict, *, level: int, published_only: bool) -> str:
    """Incidents and fatalities per admin area of `level` (1 or 2) for the filtered set:
    {"level": ..., "areas": {area id: [incidents, fatalities]}}, for the choropleth."""
    column = {1: "admin1_id", 2: "admin2_id"}[level]
    parts, params = [], {"level": level, "summary_level": AREA_LEVELS[level]}
    direct = queryset.filter(location__isnull=False, **{f"{column}__isnull": False})
    summary = _summary(filters, published_only, AREA_LEVELS[level])
    if summary is not None:
        periods = split_periods(filters.get("date_from"), filters.get("date_to"))
        period, period_params = _period_condition(periods)
        params.update(summary.params, **period_params)
        parts.append(
            f"""SELECT m.cx::bigint, m.n, m.fatalities FROM {summary.table} m
                WHERE m.level = %(summary_level)s AND {period} AND {summary.conditions}"""
        )
        direct = _edges(direct, periods)
    if direct is not None:
        sql, direct_params = _sql(direct, column, "fatalities_best")
        parts.append(
            f"""SELECT d.{column}, 1, COALESCE(d.fatalities_best, 0) FROM ({_named(sql)}) AS d"""
        )
        params.update(_named_params(direct_params))
    query = f"""
        WITH p (area, n, fatalities) AS ({" UNION ALL ".join(parts)})
        SELECT json_build_object('level', %(level)s, 'areas', COALESCE(json_object_agg(
            s.area, json_build_array(s.n, s.fatalities)), '{{}}'::json))::text
        FROM (SELECT area, sum(n) AS n, sum(fatalities) AS fatalities FROM p
              GROUP BY area HAVING sum(n) > 0) s
    """
    return _answer(query, params)

"""The map's counts equal the matching incidents, at every zoom, with and without filters, read
from the summary the database keeps or counted directly; the summary stays exact as incidents
are added, moved, re-typed, published and deleted; co-located incidents stay reachable."""

import json
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from incidents.filters import IncidentFilterSet
from incidents.mapdata import (
    CELL_SIZES,
    LEVEL_FOR_ZOOM,
    MAX_LISTED,
    Periods,
    colocated_json,
    grid_cells_json,
    points_json,
    split_periods,
    timeline_json,
)
from incidents.models import CivilianHarmReport, Incident, Status
from incidents.precision import time_precision_for
from incidents.taxonomy import EventType, sub_event_types_of
from tests.factories import (
    ActorFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
)

pytestmark = pytest.mark.django_db

SAHEL = Polygon.from_bbox((-12.0, 9.0, 16.0, 24.0))
SAHEL.srid = 4326


@pytest.fixture
def incidents():
    rng = random.Random(4)
    group = ActorFactory(slug="test-group")
    made = []
    for n in range(120):
        event_type = rng.choice(list(EventType))
        day = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2400))
        incident = IncidentFactory(
            date_start=day,
            date_end=day,
            location=Point(rng.uniform(-11, 15), rng.uniform(10, 23), srid=4326),
            event_type=event_type,
            sub_event_type=sub_event_types_of(event_type)[0],
            geo_precision=rng.choice([1, 2, 3]),
            fatalities_best=rng.choice([None, 0, 1, 5, 12]),
            fatalities_override=True,
            status=Status.PUBLISHED if n % 3 else Status.DRAFT,
            published_at="2024-01-01T00:00:00Z" if n % 3 else None,
            civilian_targeting=n % 7 == 0,
        )
        if n % 5 == 0:
            IncidentActorFactory(incident=incident, actor=group)
        if n % 4 == 1:
            HarmAssessmentFactory(incident=incident)
        made.append(incident)
    return made


def cells(filters: dict, zoom: int, published_only: bool = False) -> dict:
    queryset = Incident.objects.all()
    if published_only:
        queryset = queryset.filter(status=Status.PUBLISHED)
    filterset = IncidentFilterSet(filters, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    cleaned = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", [])}
    return json.loads(
        grid_cells_json(filterset.qs, cleaned, zoom=zoom, bbox=SAHEL, published_only=published_only)
    )


def expected_cells(filters: dict, zoom: int, published_only: bool = False) -> Counter:
    queryset = Incident.objects.all()
    if published_only:
        queryset = queryset.filter(status=Status.PUBLISHED)
    size = CELL_SIZES[LEVEL_FOR_ZOOM[zoom]]
    matching = IncidentFilterSet(filters, queryset=queryset).qs.filter(location__intersects=SAHEL)
    return Counter(
        (int((i.location.x + 180) // size), int((i.location.y + 90) // size)) for i in matching
    )


def got_cells(answer: dict) -> Counter:
    size = answer["size"]
    found = Counter()
    for lon, lat, n, *_ in answer["cells"]:
        found[(int((lon + 180) // size), int((lat + 90) // size))] += n
    return found


FILTERS = [
    {},
    {"date_from": "2020-03-17", "date_to": "2022-08-04"},
    {"date_from": "2021-01-01", "date_to": "2021-12-31"},
    {"date_to": "2020-02-10"},
    {"event_type": ["battles", "riots"]},
    {"country": "ML"},
    {"geo_precision": ["1", "2"]},
    {"event_type": ["violence_against_civilians"], "date_from": "2019-06-15"},
    {"civilian_harm": "true"},
    {"civilian_harm": "true", "date_from": "2020-03-17", "country": "ML"},
    # Filters the summary cannot answer: counted directly.
    {"actor": "test-group"},
    {"sub_event_type": ["armed_clash"], "date_from": "2020-01-01"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=[json.dumps(f) for f in FILTERS])
@pytest.mark.parametrize("zoom", [3, 6, 9, 12])
def test_cell_counts_equal_the_matching_incidents(incidents, filters, zoom):
    for published_only in (False, True):
        answer = cells(filters, zoom, published_only)
        want = expected_cells(filters, zoom, published_only)
        assert answer["level"] == LEVEL_FOR_ZOOM[zoom]
        assert got_cells(answer) == want, (filters, zoom, published_only)
        assert answer["total"] == sum(want.values())


def test_twin_incidents_counted_directly_are_two(db):
    """Two incidents alike in all the map reads (same point, day, type, figures) are two, also
    under a filter that makes the query DISTINCT."""
    for _ in range(2):
        IncidentFactory(
            location=Point(-1.5, 12.4, srid=4326),
            date_start=date(2023, 12, 14),
            date_end=date(2023, 12, 14),
            event_type="battles",
            sub_event_type="armed_clash",
            fatalities_best=0,
            fatalities_override=True,
        )
    question = {"sub_event_type": ["armed_clash"]}
    assert cells(question, 6)["total"] == 2
    filterset = IncidentFilterSet(question, queryset=Incident.objects.all())
    assert filterset.is_valid()
    timeline = json.loads(
        timeline_json(filterset.qs, filterset.form.cleaned_data, bucket="day", published_only=False)
    )
    assert timeline["series"] == [["2023-12-14", 2, 0]]


@pytest.mark.parametrize("date_from", ["2024-03-01", "2024-03-02", "2024-02-21"])
def test_an_incident_running_into_the_range_counts_whatever_day_the_range_starts(db, date_from):
    IncidentFactory(
        location=Point(-1.5, 12.4, srid=4326),
        date_start=date(2024, 2, 20),
        date_end=date(2024, 3, 5),
        time_precision=time_precision_for(14),
    )
    IncidentFactory(  # starts on the range's first whole month: the summary counts it, once
        location=Point(-1.5, 12.4, srid=4326),
        date_start=date(2024, 4, 1),
        date_end=date(2024, 4, 1),
    )
    question = {"date_from": date_from, "date_to": "2024-06-30"}
    assert IncidentFilterSet(question, queryset=Incident.objects.all()).qs.count() == 2
    assert cells(question, 6)["total"] == 2


def test_the_summary_stays_exact_as_incidents_change(incidents):
    def exact():
        """Every grain of the summary equals a count of the incidents."""
        periods = {
            "month": "date_trunc('month', date_start)::date",
            "year": "date_trunc('year', date_start)::date",
            "all": "DATE '0001-01-01'",
        }
        differences = {}
        with connection.cursor() as cursor:
            for grain, period in periods.items():
                cursor.execute(
                    f"""
                    WITH truth AS (
                      SELECT l.level, {period} AS p,
                             floor((ST_X(location) + 180) / l.size)::int AS cx,
                             floor((ST_Y(location) + 90) / l.size)::int AS cy, event_type,
                             status = 'published' AS pub, geo_precision, country_code,
                             civilian_targeting OR COALESCE(killed_civilians_best, 0) > 0
                             OR EXISTS (SELECT 1 FROM incidents_civilianharmreport h
                                        WHERE h.incident_id = i.id) AS harm,
                             count(*)::int AS n, sum(COALESCE(fatalities_best, 0))::bigint AS f
                      FROM incidents_incident i, incidents_map_levels() l
                      WHERE location IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
                    ), summary AS (
                      SELECT level, period, cx, cy, event_type, published, geo_precision,
                             country_code, civilian_harm, n, fatalities
                      FROM incidents_mapcell WHERE grain = %s AND level < 100
                    )
                    SELECT (SELECT count(*) FROM (TABLE truth EXCEPT TABLE summary) a)
                         + (SELECT count(*) FROM (TABLE summary EXCEPT TABLE truth) b)
                    """,
                    [grain],
                )
                differences[grain] = cursor.fetchone()[0]
        return differences == {"month": 0, "year": 0, "all": 0}

    assert exact()
    ids = [i.pk for i in incidents]
    Incident.objects.filter(pk__in=ids[:10]).update(title="Only the title")
    Incident.objects.filter(pk__in=ids[10:20]).update(location=Point(-3.0, 14.0, srid=4326))
    Incident.objects.filter(pk__in=ids[20:30]).update(
        event_type="riots", sub_event_type="mob_violence"
    )
    Incident.objects.filter(pk__in=ids[30:40], status=Status.DRAFT).update(
        status=Status.PUBLISHED, published_at="2024-01-01T00:00:00Z"
    )
    Incident.objects.filter(pk__in=ids[40:50]).update(fatalities_best=99)
    Incident.objects.filter(pk__in=ids[50:55]).update(
        date_start=date(2025, 1, 1), date_end=date(2025, 1, 1)
    )
    Incident.objects.filter(pk__in=ids[60:70]).delete()
    Incident.objects.filter(pk__in=ids[70:72]).update(location=None, status=Status.DRAFT)
    IncidentFactory(location=Point(2.0, 13.5, srid=4326))
    assert exact()
    # Civilian harm: assessments added (to incidents with and without one), moved to another
    # incident, removed; civilians targeted; civilians counted among the dead.
    for incident in incidents[80:86]:
        HarmAssessmentFactory(incident=incident)
    moved = CivilianHarmReport.objects.filter(incident_id__in=ids[86:100]).first()
    moved.incident_id = ids[100]
    moved.save()
    CivilianHarmReport.objects.filter(incident_id__in=ids[100:110]).exclude(pk=moved.pk).delete()
    Incident.objects.filter(pk__in=ids[110:115]).update(civilian_targeting=True)
    Incident.objects.filter(pk__in=ids[115:118]).update(killed_civilians_best=3)
    assert exact()
    with connection.cursor() as cursor:
        cursor.execute("SELECT incidents_mapcells_rebuild()")
    assert exact()


def test_admin_area_counts_are_kept_too(reference_data):
    inside = IncidentFactory(location=Point(-3.5, 14.3, srid=4326))  # Mopti region
    inside.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(n) FROM incidents_mapcell WHERE level = 101 AND cx = %s AND grain = 'year'",
            [inside.admin1_id],
        )
        assert cursor.fetchone()[0] == 1


def test_co_located_incidents_open_as_one_group_listing_each(incidents):
    centroid = Point(-1.9297, 16.878, srid=4326)
    same = [IncidentFactory(location=centroid, title=f"At the centroid {n}") for n in range(3)]
    box = Polygon.from_bbox((-2.0, 16.8, -1.8, 16.95))
    box.srid = 4326
    answer = json.loads(points_json(Incident.objects.all(), bbox=box))
    group = next(p for p in answer["points"] if p[2] == 3)
    lon, lat, n, _precision, event_type, _fatalities, latest = group
    newest = max(same, key=lambda i: (i.date_start, i.pk))
    assert (lon, lat, n, event_type, latest) == (-1.9297, 16.878, 3, newest.event_type, newest.pk)
    listed = json.loads(colocated_json(Incident.objects.all(), same[0].pk))
    assert listed["n"] == 3
    assert [row[0] for row in listed["incidents"]] == [
        i.pk for i in sorted(same, key=lambda i: (i.date_start, i.pk), reverse=True)
    ]
    # The list answers the filters too: here, the published ones only (none).
    published = Incident.objects.filter(status=Status.PUBLISHED)
    assert colocated_json(published, same[0].pk) is None


def test_a_large_group_lists_its_latest_incidents_and_counts_them_all(db):
    point = Point(-1.5, 12.4, srid=4326)
    made = [
        IncidentFactory(
            location=point,
            date_start=date(2024, 1, 1) + timedelta(days=n),
            date_end=date(2024, 1, 1) + timedelta(days=n),
        )
        for n in range(MAX_LISTED + 5)
    ]
    listed = json.loads(colocated_json(Incident.objects.all(), made[0].pk))
    assert listed["n"] == MAX_LISTED + 5
    assert [row[0] for row in listed["incidents"]] == [i.pk for i in reversed(made)][:MAX_LISTED]


def test_a_date_range_splits_into_whole_years_whole_months_and_edges():
    periods = split_periods(date(2020, 3, 17), date(2022, 8, 4))
    assert periods.years == [date(2021, 1, 1)]
    assert periods.months == [date(2020, m, 1) for m in range(4, 13)] + [
        date(2022, m, 1) for m in range(1, 8)
    ]
    assert (periods.summary_start, periods.summary_end) == (date(2020, 4, 1), date(2022, 7, 31))
    assert split_periods(None, None) is None
    assert split_periods(date(2024, 5, 3), date(2024, 5, 20)) == Periods(
        [], [], None, None, date(2024, 5, 3), date(2024, 5, 20)
    )
    whole = split_periods(date(2024, 1, 1), date(2024, 12, 31))
    assert (whole.years, whole.months) == ([date(2024, 1, 1)], [])


def test_civilian_harm_is_read_from_the_summary():
    """The "civilian harm only" filter, with dates, types, countries and precision, is answered
    by the summary (the counts above show it equals the incidents)."""
    from incidents.mapdata import _summary

    question = {"civilian_harm": True, "date_from": date(2024, 1, 1), "country": "ML"}
    assert _summary(question, False, 7).table == "incidents_mapcell"
    assert _summary({**question, "fatalities_min": 5}, False, 7) is None

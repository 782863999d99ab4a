"""The map's per-actor summary: the map filtered on one actor (with or without its member
groups, under all its names) reads it and answers what counting the incidents answers; it stays
exact as participants and incidents change; a change to the relations is never answered from a
summary built on the old ones."""

import json
import random
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from actors.models import ActorRelation, RelationType
from incidents import mapdata
from incidents.filters import IncidentFilterSet
from incidents.models import Incident, IncidentActor, Status
from incidents.services import actor_summary_refresh
from incidents.taxonomy import EventType, sub_event_types_of
from tests.factories import ActorFactory, IncidentActorFactory, IncidentFactory
from tests.incidents.test_mapdata import SAHEL, expected_cells, got_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A coalition with a member group (a member from March 2020 to June 2022), a group renamed
    in 2021, an unrelated group, and 150 incidents between 2019 and 2024; some have two
    participants of the same coalition (counted once)."""
    rng = random.Random(7)
    actors = {
        slug: ActorFactory(slug=slug)
        for slug in ("coalition", "member", "old-name", "new-name", "other")
    }
    ActorRelation.objects.create(
        source=actors["member"],
        target=actors["coalition"],
        type=RelationType.MEMBER_OF,
        start_date=date(2020, 3, 15),
        end_date=date(2022, 6, 30),
    )
    ActorRelation.objects.create(
        source=actors["old-name"],
        target=actors["new-name"],
        type=RelationType.RENAMED_TO,
        start_date=date(2021, 1, 1),
    )
    incidents = []
    for n in range(150):
        event_type = rng.choice(list(EventType))
        day = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2000))
        incident = IncidentFactory(
            date_start=day,
            date_end=day,
            location=Point(rng.uniform(-11, 15), rng.uniform(10, 23), srid=4326),
            event_type=event_type,
            sub_event_type=sub_event_types_of(event_type)[0],
            geo_precision=rng.choice([1, 2, 3]),
            fatalities_best=rng.choice([None, 0, 1, 5]),
            fatalities_override=True,
            status=Status.PUBLISHED if n % 3 else Status.DRAFT,
            published_at="2024-01-01T00:00:00Z" if n % 3 else None,
        )
        first, second = rng.sample(list(actors.values()), 2)
        IncidentActorFactory(incident=incident, actor=first)
        if n % 2:
            IncidentActorFactory(
                incident=incident, actor=second, acled_position="actor2", ucdp_side="B"
            )
        if n % 7 == 0:  # the coalition and its member side by side: one incident, counted once
            IncidentActorFactory(
                incident=incident,
                actor=actors["member" if first != actors["member"] else "coalition"],
                acled_position="assoc_actor_1",
                ucdp_side="",
            )
        incidents.append(incident)
    actor_summary_refresh()
    return actors, incidents


QUESTIONS = [
    {"actor": "coalition"},
    {"actor": "coalition", "actor_members": "1"},
    {"actor": "member"},
    {"actor": "new-name"},
    {"actor": "old-name", "date_from": "2020-05-12", "date_to": "2023-02-03"},
    {"actor": "coalition", "actor_members": "1", "event_type": ["battles", "riots"]},
    {"actor": "other", "geo_precision": ["1"], "date_from": "2021-01-01"},
]


def answer(question: dict, zoom: int, published_only: bool) -> tuple[dict, str | None]:
    queryset = Incident.objects.all()
    if published_only:
        queryset = queryset.filter(status=Status.PUBLISHED)
    filterset = IncidentFilterSet(question, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    cleaned = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", [])}
    summary = mapdata._summary(cleaned, published_only, mapdata.LEVEL_FOR_ZOOM[zoom])
    data = json.loads(
        mapdata.grid_cells_json(
            filterset.qs, cleaned, zoom=zoom, bbox=SAHEL, published_only=published_only
        )
    )
    return data, summary.table if summary else None


def assert_answers_equal_the_incidents():
    for question in QUESTIONS:
        for zoom in (3, 8, 12):
            for published_only in (False, True):
                data, _ = answer(question, zoom, published_only)
                want = expected_cells(question, zoom, published_only)
                assert got_cells(data) == want, (question, zoom, published_only)
                assert data["total"] == sum(want.values())
        filterset = IncidentFilterSet(question, queryset=Incident.objects.all())
        assert filterset.is_valid()
        cleaned = filterset.form.cleaned_data
        matching = filterset.qs.filter(location__isnull=False)
        series = json.loads(
            mapdata.timeline_json(matching, cleaned, bucket="month", published_only=False)
        )["series"]
        months = {}
        for incident in matching:
            month = incident.date_start.replace(day=1).isoformat()
            months[month] = months.get(month, 0) + 1
        assert {period: n for period, n, _ in series} == months, question


def summary_used(question: dict, zoom: int) -> str | None:
    return answer(question, zoom, False)[1]


def cells_now() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT group_key, level, grain, period, cx, cy, published, n, fatalities,"
            " imprecise, n_battles, n_explosions_remote_violence, n_violence_against_civilians,"
            " n_protests, n_riots, n_strategic_developments FROM incidents_actorcell"
        )
        return set(cursor.fetchall())


def rebuilt_cells() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT incidents_actorcells_rebuild()")
    return cells_now()


def test_one_actor_is_read_from_its_summary_and_equals_the_incidents(world):
    assert_answers_equal_the_incidents()
    # What the per-actor summary keeps answers; the rest is counted directly.
    for zoom in (3, 8, 12):
        assert summary_used({"actor": "coalition", "actor_members": "1"}, zoom) == (
            "incidents_actorcell"
        )
    dated = {"actor": "old-name", "date_from": "2020-05-12", "date_to": "2023-02-03"}
    assert summary_used(dated, 8) == "incidents_actorcell"  # months kept up to level 7
    assert summary_used(dated, 12) is None  # level 11: all time only
    since = {"actor": "old-name", "date_from": "2021-01-01"}  # whole years only
    assert summary_used(since, 10) == "incidents_actorcell"  # level 9 keeps years
    assert summary_used({**since, "date_from": "2021-02-01"}, 10) is None  # and not months
    assert summary_used({"actor": "coalition", "event_type": ["riots"]}, 3) is None
    assert summary_used({"actor": "coalition,other"}, 3) is None


def test_an_incident_with_two_participants_of_a_group_counts_once(world):
    actors, _ = world
    both = IncidentFactory(date_start=date(2021, 5, 5), date_end=date(2021, 5, 5))
    IncidentActorFactory(incident=both, actor=actors["coalition"])
    IncidentActorFactory(
        incident=both, actor=actors["member"], acled_position="actor2", ucdp_side="B"
    )
    data, table = answer({"actor": "coalition", "actor_members": "1"}, 3, False)
    direct = IncidentFilterSet(
        {"actor": "coalition", "actor_members": "1"}, queryset=Incident.objects.all()
    ).qs.count()
    assert table == "incidents_actorcell" and data["total"] == direct


def test_the_summary_stays_exact_as_participants_and_incidents_change(world):
    actors, incidents = world
    before = cells_now()
    assert before and before == rebuilt_cells()
    ids = [i.pk for i in incidents]
    # Participants added (one beside a member of the same group), moved, re-assigned, removed.
    IncidentActorFactory(
        incident=incidents[1], actor=actors["coalition"], acled_position="", ucdp_side="A"
    )
    IncidentActor.objects.filter(incident_id__in=ids[10:15], acled_position="actor2").update(
        actor=actors["member"]
    )
    IncidentActor.objects.filter(incident_id=ids[20], acled_position="actor2").update(
        incident_id=ids[21], acled_position="assoc_actor_2"
    )
    IncidentActor.objects.filter(incident_id__in=ids[30:34]).delete()
    IncidentActor.objects.filter(incident_id__in=ids[40:45]).update(note="a note changes nothing")
    # Incidents moved, re-dated across the member's window, re-typed, published, deleted.
    Incident.objects.filter(pk__in=ids[50:55]).update(location=Point(-3.0, 14.0, srid=4326))
    Incident.objects.filter(pk__in=ids[55:65]).update(
        date_start=date(2020, 3, 14), date_end=date(2020, 3, 14)
    )
    Incident.objects.filter(pk__in=ids[65:70]).update(
        date_start=date(2022, 6, 30), date_end=date(2022, 6, 30)
    )
    Incident.objects.filter(pk__in=ids[70:75]).update(
        event_type="riots", sub_event_type="mob_violence"
    )
    Incident.objects.filter(pk__in=ids[75:90], status=Status.DRAFT).update(
        status=Status.PUBLISHED, published_at="2024-01-01T00:00:00Z"
    )
    for incident in incidents[90:95]:
        incident.delete()
    Incident.objects.filter(pk__in=ids[95:97]).update(location=None, status=Status.DRAFT)
    changed = cells_now()
    assert changed != before
    assert changed == rebuilt_cells()
    assert_answers_equal_the_incidents()


def test_a_relation_change_is_counted_directly_until_the_summary_is_rebuilt(world):
    actors, _ = world
    assert actor_summary_refresh() is False  # in step: nothing to do
    relation = ActorRelation.objects.get(type=RelationType.MEMBER_OF, target=actors["coalition"])
    relation.end_date = None  # still a member today
    relation.save()
    # Never answered from a summary built on the old relations: counted directly.
    assert mapdata.actor_group_key(actors["coalition"].pk, members=True) is None
    assert summary_used({"actor": "coalition", "actor_members": "1"}, 3) is None
    assert_answers_equal_the_incidents()
    assert actor_summary_refresh() is True
    assert summary_used({"actor": "coalition", "actor_members": "1"}, 3) == "incidents_actorcell"
    assert_answers_equal_the_incidents()
    assert cells_now() == rebuilt_cells()


@pytest.mark.parametrize("deferred", [False, True], ids=["kept-per-batch", "rebuilt-at-the-end"])
def test_a_bulk_load_leaves_the_summary_exact_whether_kept_or_rebuilt(
    reference_data, monkeypatch, deferred
):
    """A large synthetic load rebuilds the per-actor summary once at its end instead of keeping
    it batch by batch; either way the cells are those a rebuild gives, and the upkeep runs
    again after the load."""
    from incidents.sampledata.synthetic import writer

    actor_summary_refresh()
    monkeypatch.setattr(writer, "BATCH_SIZE", 40)
    monkeypatch.setattr(writer, "DEFER_ACTOR_SUMMARY_FROM", 100 if deferred else 10**9)
    writer.synthetic_incidents_generate(120, seed=7, start=date(2020, 1, 1), end=date(2024, 12, 31))
    loaded = cells_now()
    assert sum(row[7] for row in loaded if row[1] == 0 and row[2] == "all") > 0
    assert loaded == rebuilt_cells()
    # Deferral ended with the load's transaction: a later change is kept by the triggers.
    incident = Incident.objects.filter(origin="synthetic", location__isnull=False).first()
    incident.location = Point(2.1, 13.5)
    incident.save()
    assert cells_now() == rebuilt_cells()

"""The synthetic-incident generator: marking, realism, actors' dates, determinism, the command.

The reference data (actor catalogue, built-in boundaries and gazetteer) and one generated set are
loaded once for the module inside a transaction that is rolled back at the end, so nothing
leaks into other test modules; each test runs in its own savepoint on top of it.
"""

from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q

from actors.models import Actor
from actors.services import actor_catalogue_load, read_catalogue
from incidents.geo.boundaries import boundaries_load, read_boundaries
from incidents.geo.gazetteer import gazetteer_load, read_geonames
from incidents.models import (
    AcledPosition,
    Incident,
    IncidentActor,
    Origin,
    Place,
    Status,
    UcdpSide,
)
from incidents.sampledata.synthetic import (
    SYNTHETIC_TAG,
    TITLE_PREFIX,
    SyntheticDataError,
    SyntheticReport,
    synthetic_incidents_delete,
    synthetic_incidents_generate,
)
from incidents.taxonomy import EventType, event_type_of

BUILTIN = Path(settings.BASE_DIR) / "incidents" / "geo" / "builtin"
COUNT = 2000
SEED = 7
START, END = date(2012, 1, 1), date(2025, 6, 30)


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Reference data plus COUNT synthetic incidents, rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            actor_catalogue_load(read_catalogue())
            boundaries_load(read_boundaries(BUILTIN / "boundaries.geojson"))
            gazetteer_load(read_geonames(BUILTIN / "places.tsv"), source="builtin")
            report = synthetic_incidents_generate(COUNT, seed=SEED, start=START, end=END)
            yield report
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def data(generated, db):
    return generated


def synthetic():
    return Incident.objects.filter(origin=Origin.SYNTHETIC)


def test_generates_exactly_the_count_all_marked_synthetic(data):
    assert isinstance(data, SyntheticReport)
    assert data.incidents == COUNT
    assert synthetic().count() == COUNT
    assert Incident.objects.count() == COUNT
    unmarked = synthetic().exclude(tags__contains=[SYNTHETIC_TAG], title__startswith=TITLE_PREFIX)
    assert unmarked.count() == 0
    assert synthetic().filter(status=Status.PUBLISHED, published_at__isnull=False).count() == COUNT
    assert IncidentActor.objects.count() == data.participants > COUNT
    assert f"{COUNT:,} synthetic incidents" in str(data)


def test_admin_areas_derived_for_every_point_the_boundaries_cover(data):
    assert synthetic().filter(location__isnull=True).count() == 0
    # Built-in boundaries cover the three countries: every point should fall in a region.
    assert synthetic().filter(admin1__isnull=True).count() <= COUNT * 0.005
    assert set(synthetic().values_list("country_code", flat=True)) == {"ML", "BF", "NE"}
    # A point is never moved across a border away from its place's country.
    wrong = synthetic().exclude(admin1__isnull=True).exclude(admin1__country_code=F("country_code"))
    assert wrong.count() == 0


def test_every_participant_was_active_on_the_incident_dates(data):
    links = IncidentActor.objects.select_related("actor", "incident")
    assert links.count() > 0
    for link in links:
        actor, incident = link.actor, link.incident
        assert actor.active_from is None or actor.active_from <= incident.date_start, (
            actor.slug,
            incident.date_start,
        )
        assert actor.active_until is None or incident.date_end <= actor.active_until, (
            actor.slug,
            incident.date_end,
        )
        if actor.countries:
            assert incident.country_code in actor.countries, (actor.slug, incident.country_code)
        if actor.slug == "wagner":
            assert incident.country_code == "ML"
            # Attached to FAMa from December 2021 to its announced exit (June 2025).
            assert date(2021, 12, 1) <= incident.date_start
            assert incident.date_end <= date(2025, 6, 30)
        if actor.slug == "isgs":
            assert incident.date_end <= date(2022, 3, 1)
        if actor.slug == "issp":
            assert incident.date_start >= date(2022, 3, 1)
        if actor.slug == "vdp":
            assert incident.country_code == "BF" and incident.date_start >= date(2020, 1, 21)
        if link.claimed_responsibility:
            assert link.acled_position == AcledPosition.ACTOR1 and actor.kind == "jihadist"
        if actor.kind == "state":
            # UCDP: the government is side A wherever it takes part.
            assert link.ucdp_side == UcdpSide.A, (incident.pk, actor.slug)


def test_event_types_in_acled_sahel_proportions_and_consistent(data):
    counts = Counter(synthetic().values_list("event_type", flat=True))
    share = {e: counts[e] / COUNT for e in EventType}
    assert 0.28 <= share[EventType.BATTLES] <= 0.42
    assert 0.23 <= share[EventType.VIOLENCE_AGAINST_CIVILIANS] <= 0.37
    assert 0.12 <= share[EventType.EXPLOSIONS_REMOTE_VIOLENCE] <= 0.23
    assert 0.06 <= share[EventType.STRATEGIC_DEVELOPMENTS] <= 0.16
    assert 0.02 <= share[EventType.PROTESTS] + share[EventType.RIOTS] <= 0.12
    for event_type, sub_event_type in synthetic().values_list("event_type", "sub_event_type"):
        assert event_type_of(sub_event_type) == event_type
    vac = synthetic().filter(event_type=EventType.VIOLENCE_AGAINST_CIVILIANS)
    assert vac.filter(civilian_targeting=False).count() == 0
    assert (
        vac.filter(
            participants__actor__kind="civilians",
            participants__acled_position=AcledPosition.ACTOR2,
            participants__ucdp_side=UcdpSide.B,
        )
        .distinct()
        .count()
        == vac.count()
    )
    strikes = synthetic().filter(sub_event_type="air_drone_strike")
    assert (
        strikes.exclude(
            participants__acled_position=AcledPosition.ACTOR1,
            participants__actor__kind__in=["state", "external"],
        ).count()
        == 0
    )


def test_space_and_time_are_realistically_clustered(data):
    rows = list(synthetic().values_list("location", "date_start", "date_end"))
    in_core = sum(1 for p, _, _ in rows if -6.5 <= p.x <= 4.5 and 12.0 <= p.y <= 17.5)
    far_south_west = sum(1 for p, _, _ in rows if p.x < -8.5)
    assert in_core / COUNT > 0.75
    assert far_south_west / COUNT < 0.03
    assert all(START <= start <= end <= END for _, start, end in rows)
    early = sum(1 for _, start, _ in rows if start.year <= 2016)
    late = sum(1 for _, start, _ in rows if 2020 <= start.year <= 2024)
    assert late > 3 * early > 0
    # Bursts: many incidents have another one within a week at the same place.
    by_place = Counter((p.x, p.y, start.isocalendar()[:2]) for p, start, _ in rows)
    assert sum(n for n in by_place.values() if n > 1) / COUNT > 0.1


def test_fatalities_are_skewed_with_unknowns_and_ordered_ranges(data):
    best = list(synthetic().values_list("fatalities_best", flat=True))
    known = [b for b in best if b is not None]
    assert 0 < best.count(None) < COUNT * 0.15
    assert sum(1 for b in known if b <= 3) / len(known) > 0.5
    assert any(b > 20 for b in known)
    ranged = synthetic().filter(fatalities_low__isnull=False, fatalities_high__isnull=False)
    assert ranged.count() > 0
    assert (
        ranged.filter(
            Q(fatalities_low__gt=F("fatalities_best")) | Q(fatalities_high__lt=F("fatalities_best"))
        ).count()
        == 0
    )


def test_same_seed_gives_the_same_incidents_and_another_seed_does_not(data):
    def run(seed):
        synthetic_incidents_delete()
        synthetic_incidents_generate(300, seed=seed, start=START, end=END)
        return list(
            synthetic()
            .order_by("id")
            .values_list("title", "date_start", "date_end", "location", "event_type")
        )

    first, second, other = run(11), run(11), run(12)
    assert len(first) == 300
    assert [(t, s, e, p.wkt, et) for t, s, e, p, et in first] == [
        (t, s, e, p.wkt, et) for t, s, e, p, et in second
    ]
    assert [t for t, *_ in first] != [t for t, *_ in other]


def test_delete_removes_synthetic_incidents_and_participants_only(data):
    real = Incident.objects.create(
        title="A real incident",
        date_start=date(2024, 1, 1),
        date_end=date(2024, 1, 1),
        time_precision=1,
        geo_precision=1,
        event_type=EventType.BATTLES,
        sub_event_type="armed_clash",
        status=Status.DRAFT,
    )
    IncidentActor.objects.create(
        incident=real,
        actor=Actor.objects.get(slug="jnim"),
        acled_position=AcledPosition.ACTOR1,
        ucdp_side=UcdpSide.B,
    )
    assert synthetic_incidents_delete() == COUNT
    assert list(Incident.objects.values_list("id", flat=True)) == [real.id]
    assert IncidentActor.objects.count() == 1


def test_generated_within_dates_as_drafts_with_the_command(data):
    out = StringIO()
    call_command(
        "generate_incidents",
        "25",
        "--seed",
        "3",
        "--start",
        "2023-01-01",
        "--end",
        "2023-03-31",
        "--status",
        "draft",
        stdout=out,
    )
    assert "25 synthetic incidents" in out.getvalue()
    new = synthetic().filter(status=Status.DRAFT)
    assert new.count() == 25
    assert new.filter(published_at__isnull=False).count() == 0
    dates = new.aggregate(
        n=Count("id", filter=Q(date_start__lt=date(2023, 1, 1)) | Q(date_end__gt=date(2023, 3, 31)))
    )
    assert dates["n"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0"], "at least 1"),
        (["-5"], "at least 1"),
        (["10", "--start", "2024-05-01", "--end", "2024-04-30"], "before the start date"),
        (["10", "--start", "May 2024"], "is not a date"),
    ],
)
def test_command_rejects_bad_input_and_writes_nothing(data, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_incidents", *args, stdout=StringIO())
    assert synthetic().count() == COUNT


def test_command_asks_for_reference_data_without_a_gazetteer(data):
    Place.objects.update(feature_class="X")
    expected = r"load reference data first: manage.py setup_reference_data"
    with pytest.raises(CommandError, match=expected):
        call_command("generate_incidents", "10", stdout=StringIO())
    with pytest.raises(SyntheticDataError):
        synthetic_incidents_generate(1)

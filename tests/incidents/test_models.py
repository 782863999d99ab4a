"""The database itself refuses what must never be stored, whichever way it is written (these
tests bypass Python validation with queryset.update()/raw SQL), and full_clean() turns the same
rules into clear messages for forms and the API."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from actors.models import ActorRelation
from incidents.models import CivilianHarmReport, Incident, Status, Victim
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(constraint: str, queryset, **values):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        queryset.update(**values)


@pytest.fixture
def incident():
    return IncidentFactory()


def incident_qs(incident):
    return Incident.objects.filter(pk=incident.pk)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"fatalities_low": 5, "fatalities_best": 3}, "incident_fatalities_ordered"),
        ({"fatalities_best": 9, "fatalities_high": 4}, "incident_fatalities_ordered"),
        ({"fatalities_low": 9, "fatalities_high": 4}, "incident_fatalities_ordered"),
        ({"date_start": "2024-03-02", "date_end": "2024-03-01"}, "incident_dates_ordered"),
        ({"location": "SRID=4326;POINT(181 10)"}, "incident_location_in_range"),
        ({"location": "SRID=4326;POINT(-3 91)"}, "incident_location_in_range"),
        ({"sub_event_type": "air_drone_strike"}, "incident_sub_event_type_matches_event_type"),
        ({"event_type": "protests"}, "incident_sub_event_type_matches_event_type"),
        ({"status": "published"}, "incident_published_has_date"),
        ({"status": "retracted"}, "incident_retraction_has_reason"),
        ({"status": "archived"}, "incident_status_valid"),
        ({"time_precision": 4}, "incident_time_precision_valid"),
        ({"geo_precision": 0}, "incident_geo_precision_valid"),
        ({"title": ""}, "incident_title_not_empty"),
    ],
)
def test_database_refuses_bad_incident(incident, values, constraint):
    refused(constraint, incident_qs(incident), **values)
    incident.refresh_from_db()
    assert incident.title.startswith("Incident")  # unchanged


def test_database_refuses_negative_fatalities(incident):
    with pytest.raises(IntegrityError), transaction.atomic():
        incident_qs(incident).update(fatalities_best=-1)


def test_sub_event_type_may_be_blank_only_before_publication(incident):
    incident_qs(incident).update(sub_event_type="", status=Status.IN_REVIEW)
    refused(
        "incident_sub_event_type_matches_event_type",
        incident_qs(incident),
        status=Status.PUBLISHED,
        published_at="2024-01-01T00:00:00Z",
    )


def test_location_may_be_missing_only_in_a_draft(incident):
    incident_qs(incident).update(location=None)
    refused(
        "incident_location_required_after_draft", incident_qs(incident), status=Status.IN_REVIEW
    )


def test_database_refuses_an_author_publishing_their_own_entry(incident):
    author = UserFactory()
    incident_qs(incident).update(created_by=author)
    refused("incident_not_published_by_its_author", incident_qs(incident), published_by=author)


def test_unknown_bounds_stay_allowed(incident):
    incident_qs(incident).update(fatalities_low=None, fatalities_best=7, fatalities_high=None)
    incident.refresh_from_db()
    assert (incident.fatalities_low, incident.fatalities_best, incident.fatalities_high) == (
        None,
        7,
        None,
    )


def test_every_sub_event_type_is_accepted_with_its_own_event_type(incident):
    from incidents.taxonomy import SUB_EVENT_TYPES

    for sub_event_type, grouping in SUB_EVENT_TYPES.items():
        incident_qs(incident).update(event_type=grouping.event_type, sub_event_type=sub_event_type)
    assert len(SUB_EVENT_TYPES) == 25


def test_full_clean_explains_the_rules_in_words(incident):
    incident.fatalities_low, incident.fatalities_best = 10, 2
    incident.sub_event_type = "peaceful_protest"
    incident.date_end = incident.date_start.replace(day=incident.date_start.day - 1 or 1)
    incident.date_start = incident.date_start.replace(day=28)
    with pytest.raises(ValidationError) as error:
        incident.full_clean()
    messages = " ".join(error.value.messages)
    assert "low ≤ best ≤ high" in messages
    assert "does not belong to the event type" in messages
    assert "end date cannot be before the start date" in messages


def test_claims_refuse_unordered_figures_and_duplicates():
    claim = ClaimFactory(fatalities_best=5)
    with pytest.raises(IntegrityError, match="claim_fatalities_ordered"), transaction.atomic():
        type(claim).objects.filter(pk=claim.pk).update(fatalities_high=2)
    with pytest.raises(IntegrityError, match="claim_one_per_source"), transaction.atomic():
        ClaimFactory(incident=claim.incident, source=claim.source)


def test_civilian_harm_maximum_must_cover_the_counts(incident):
    report = CivilianHarmReport.objects.create(incident=incident, grade="weak", killed_children=3)
    with pytest.raises(IntegrityError, match="harm_killed_max_covers_counts"), transaction.atomic():
        CivilianHarmReport.objects.filter(pk=report.pk).update(killed_max=2)
    with pytest.raises(IntegrityError, match="harm_died_later_among_killed"), transaction.atomic():
        CivilianHarmReport.objects.filter(pk=report.pk).update(died_later=4)
    with pytest.raises(IntegrityError, match="harm_grade_valid"), transaction.atomic():
        CivilianHarmReport.objects.filter(pk=report.pk).update(grade="certain")


def test_victim_under_18_is_a_child(incident):
    report = CivilianHarmReport.objects.create(incident=incident, grade="weak")
    with pytest.raises(IntegrityError, match="victim_age_matches_group"), transaction.atomic():
        Victim.objects.create(report=report, age_years=6, age_group="adult", outcome="killed")


def test_actor_relations_refuse_loops_and_reversed_periods():
    a, b = ActorFactory(), ActorFactory()
    with pytest.raises(IntegrityError, match="actor_relation_not_to_itself"), transaction.atomic():
        ActorRelation.objects.create(source=a, target=a, type="member_of")
    with pytest.raises(IntegrityError, match="actor_relation_period_ordered"), transaction.atomic():
        ActorRelation.objects.create(
            source=a, target=b, type="member_of", start_date="2020-01-01", end_date="2019-01-01"
        )
    with pytest.raises(IntegrityError, match="actor_relation_type_valid"), transaction.atomic():
        ActorRelation.objects.create(source=a, target=b, type="friend_of")


def test_geometry_index_exists_on_incident_location():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'incidents_incident'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "USING gist (location)" in definitions
    assert "USING gin (tags)" in definitions

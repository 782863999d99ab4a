"""The rules every write path enforces (models' clean, run by services.record_save), each error on
its field with its message and nothing saved; the civilian-harm warning; possible duplicates."""

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import services
from incidents.duplicates import possible_duplicates
from incidents.models import Incident, Source, Status
from tests.factories import (
    ActorFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
)

pytestmark = pytest.mark.django_db

MALI_POINT = Point(-3.85, 14.44, srid=4326)  # near Mopti
NIAMEY = Point(2.11, 13.51, srid=4326)


def new_incident(**fields) -> dict:
    return {
        "title": "Attack on a market",
        "date_start": date(2024, 3, 1),
        "date_end": date(2024, 3, 1),
        "time_precision": 1,
        "geo_precision": 1,
        "event_type": "battles",
        "sub_event_type": "armed_clash",
        "location": MALI_POINT,
        **fields,
    }


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_an_incident_dated_in_the_future_is_refused_at_its_date_fields(users):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(
            user=users["editor"], **new_incident(date_start=tomorrow, date_end=tomorrow)
        )
    errors = errors_of(excinfo)
    assert "in the future" in errors["date_start"][0]
    assert "in the future" in errors["date_end"][0]
    assert not Incident.objects.exists()


def test_an_update_moving_the_end_into_the_future_changes_nothing(users):
    incident = services.incident_create(user=users["editor"], **new_incident())
    later = timezone.localdate() + timedelta(days=30)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_update(incident.pk, user=users["editor"], date_end=later)
    assert "in the future" in errors_of(excinfo)["date_end"][0]
    incident.refresh_from_db()
    assert incident.date_end == date(2024, 3, 1) and incident.version == 1


def test_a_source_published_in_the_future_is_refused(users):
    with pytest.raises(ValidationError) as excinfo:
        services.source_create(
            user=users["editor"],
            kind="news_report",
            publisher="RFI",
            published_on=timezone.localdate() + timedelta(days=2),
            published_on_precision="day",
        )
    assert "in the future" in errors_of(excinfo)["published_on"][0]
    assert not Source.objects.exists()


def test_today_is_not_the_future(users):
    today = timezone.localdate()
    incident = services.incident_create(
        user=users["editor"], **new_incident(date_start=today, date_end=today)
    )
    assert incident.pk is not None


def test_a_point_outside_the_chosen_country_is_refused_naming_its_country(users, reference_data):
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(
            user=users["editor"], **new_incident(location=NIAMEY, country_code="ML")
        )
    message = errors_of(excinfo)["location"][0]
    assert "Niger" in message and "Mali" in message
    assert not Incident.objects.exists()
    inside = services.incident_create(
        user=users["editor"], **new_incident(location=MALI_POINT, country_code="ML")
    )
    assert Incident.objects.get(pk=inside.pk).country_code == "ML"


def test_moving_a_point_across_the_border_without_changing_country_is_refused(
    users, reference_data
):
    incident = services.incident_create(user=users["editor"], **new_incident())
    incident.refresh_from_db()
    assert incident.country_code == "ML"
    with pytest.raises(ValidationError) as excinfo:
        services.incident_update(incident.pk, user=users["editor"], location=NIAMEY)
    assert "Niger" in errors_of(excinfo)["location"][0]
    incident.refresh_from_db()
    assert incident.location.equals(MALI_POINT)
    # Saying the country too is a deliberate move.
    moved = services.incident_update(
        incident.pk, user=users["editor"], location=NIAMEY, country_code="NE"
    )
    moved.refresh_from_db()
    assert moved.country_code == "NE"


@pytest.mark.parametrize(
    "url", ["ftp://files.example.org/report.pdf", "javascript:alert(1)", "not a url"]
)
def test_a_source_url_that_is_not_a_web_address_is_refused(users, url):
    with pytest.raises(ValidationError) as excinfo:
        services.source_create(user=users["editor"], kind="news_report", publisher="X", url=url)
    assert "url" in errors_of(excinfo)
    assert not Source.objects.exists()


def test_the_database_refuses_a_non_web_url_whatever_writes_it():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(kind="news_report", publisher="X", url="ftp://example.org/a")


def test_a_web_address_is_accepted(users):
    source = services.source_create(
        user=users["editor"], kind="news_report", publisher="X", url="https://rfi.fr/a"
    )
    assert Source.objects.get(pk=source.pk).url == "https://rfi.fr/a"


def test_harm_above_the_high_estimate_is_flagged(users):
    incident = IncidentFactory(fatalities_override=True, fatalities_low=2, fatalities_high=5)
    assert services.harm_warnings(incident) == []
    HarmAssessmentFactory(incident=incident, killed_men=2, killed_women=1)
    assert services.harm_warnings(incident) == []
    over = HarmAssessmentFactory(incident=incident, killed_men=4, killed_children=3)
    warnings = services.harm_warnings(incident)
    assert len(warnings) == 1
    assert f"#{over.pk}" in warnings[0] and "7 killed" in warnings[0] and "5" in warnings[0]


def test_harm_warnings_need_an_estimate():
    incident = IncidentFactory()
    HarmAssessmentFactory(incident=incident, killed_men=40)
    assert services.harm_warnings(incident) == []


# --- Possible duplicates ----------------------------------------------------------------------


def test_possible_duplicates_by_place_date_and_actor():
    actor = ActorFactory(name="Katiba Macina")
    same = IncidentFactory(title="Same event", location=Point(-3.86, 14.45, srid=4326))
    IncidentActorFactory(incident=same, actor=actor)
    far_shared = IncidentFactory(
        title="Far, same actor", location=Point(-1.0, 14.0, srid=4326), date_start=date(2024, 3, 3)
    )
    IncidentActorFactory(incident=far_shared, actor=actor)
    IncidentFactory(title="Far, other actors", location=Point(-1.0, 14.0, srid=4326))
    IncidentFactory(title="Near, long before", date_start=date(2024, 1, 1))
    merged_target = IncidentFactory(title="Survivor", location=Point(-3.85, 14.44, srid=4326))
    IncidentFactory(
        title="Merged",
        status=Status.RETRACTED,
        retraction_reason="merged",
        merged_into=merged_target,
    )
    found = possible_duplicates(
        date_start=date(2024, 3, 1),
        date_end=date(2024, 3, 1),
        location=Point(-3.85, 14.44, srid=4326),
        actor_ids=[actor.pk],
    )
    titles = [d.title for d in found]
    assert set(titles) == {"Same event", "Far, same actor", "Survivor"}
    assert titles[0] == "Same event"  # near, same day, same actor
    best = found[0]
    assert best.shared_actors == ["Katiba Macina"]
    assert 0 < best.distance_km < 2
    assert best.url == f"/incidents/{same.pk}/"
    far = next(d for d in found if d.title == "Far, same actor")
    assert far.distance_km > 25 and far.score < best.score
    again = possible_duplicates(
        date_start=date(2024, 3, 1),
        location=Point(-3.85, 14.44, srid=4326),
        actor_ids=[],
        exclude_id=same.pk,
    )
    assert [d.title for d in again] == ["Survivor"]


def test_no_duplicates_without_a_place_or_actors():
    IncidentFactory()
    assert possible_duplicates(date_start=date(2024, 3, 1), location=None, actor_ids=[]) == []

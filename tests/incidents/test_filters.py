"""The incidents FilterSet: actors under all their names both ways in time, member groups while
they were members, the bounding box, and malformed values named, never an empty result."""

from datetime import date

import pytest

from actors.models import Actor
from actors.services import actor_catalogue_load, read_catalogue
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from tests.factories import IncidentActorFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    actor_catalogue_load(read_catalogue())


def incident_by(slug: str, day: date, **kwargs) -> Incident:
    incident = IncidentFactory(date_start=day, date_end=day, **kwargs)
    IncidentActorFactory(incident=incident, actor=Actor.objects.get(slug=slug))
    return incident


def found(**params) -> set[int]:
    filterset = IncidentFilterSet(params, queryset=Incident.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def test_asking_for_issp_over_2020_finds_isgs_incidents(catalogue):
    isgs_2020 = incident_by("isgs", date(2020, 6, 1))
    issp_2023 = incident_by("issp", date(2023, 6, 1))
    jnim_2020 = incident_by("jnim", date(2020, 6, 1))
    assert found(actor="issp", date_from="2020-01-01", date_to="2020-12-31") == {isgs_2020.pk}
    assert found(actor="issp") == {isgs_2020.pk, issp_2023.pk}
    # ... and the other way: the old name finds the new one's incidents.
    assert found(actor="isgs") == {isgs_2020.pk, issp_2023.pk}
    assert jnim_2020.pk not in found(actor="issp,isgs")


def test_member_groups_count_only_while_they_were_members(catalogue):
    macina_2016 = incident_by("katiba-macina", date(2016, 5, 1))
    macina_2019 = incident_by("katiba-macina", date(2019, 5, 1))
    jnim_2019 = incident_by("jnim", date(2019, 5, 1))
    assert found(actor="jnim") == {jnim_2019.pk}
    assert found(actor="jnim", actor_members="true") == {jnim_2019.pk, macina_2019.pk}
    assert macina_2016.pk not in found(actor="jnim", actor_members="true")


def test_actors_are_found_by_id_too(catalogue):
    incident = incident_by("fama", date(2024, 1, 1))
    assert found(actor=str(Actor.objects.get(slug="fama").pk)) == {incident.pk}


def test_bounding_box(catalogue):
    inside = IncidentFactory()
    assert found(bbox="-4,14,-3,15") == {inside.pk}
    assert found(bbox="0,0,1,1") == set()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"actor": "no-such-group"}, "actor"),
        ({"bbox": "1,2"}, "bbox"),
        ({"bbox": "10,10,5,5"}, "bbox"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"event_type": "picnic"}, "event_type"),
    ],
)
def test_a_malformed_value_is_an_error_naming_its_parameter(catalogue, params, parameter):
    IncidentFactory()
    filterset = IncidentFilterSet(params, queryset=Incident.objects.all())
    assert not filterset.is_valid()
    assert parameter in filterset.errors


def test_words_are_found_in_title_place_and_narrative_whatever_the_accents(catalogue):
    market = IncidentFactory(
        title="Frappes de drone",
        location_name="Inadiatafane",
        narrative="Le marché hebdomadaire de Tombouctou a été frappé.",
    )
    other = IncidentFactory(title="Clash near Gao")
    assert found(q="tombouctou") == {market.pk}
    assert found(q="MARCHE") == {market.pk}, "accents and case do not matter"
    assert found(q="inadiatafane frappes") == {market.pk}
    assert found(q="gao") == {other.pk}
    assert found(q="nothing of the sort") == set()


def test_fatalities_civilian_harm_areas_and_actor_kinds(catalogue, reference_data):
    from tests.factories import HarmAssessmentFactory

    deadly = IncidentFactory(fatalities_best=12, fatalities_override=True)
    targeted = IncidentFactory(civilian_targeting=True)
    assessed = IncidentFactory()
    HarmAssessmentFactory(incident=assessed)
    calm = IncidentFactory(fatalities_best=0, fatalities_override=True)
    assert found(fatalities_min="10") == {deadly.pk}
    assert found(civilian_harm="true") == {targeted.pk, assessed.pk}
    assert calm.pk in found(civilian_harm="false")
    IncidentActorFactory(incident=deadly, actor=Actor.objects.get(slug="fama"))
    assert found(actor_kind=["state"]) == {deadly.pk}
    deadly.refresh_from_db()
    assert found(admin1=str(deadly.admin1_id)) >= {deadly.pk}
    assert found(country="ml,BF") == found()  # every factory incident is in Mali


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"country": "Mali"}, "country"),
        ({"country": "XX"}, "country"),  # well formed, but no incident can be there
        ({"country": "ML,FR"}, "country"),
        ({"fatalities_min": "-1"}, "fatalities_min"),
        ({"fatalities_min": "many"}, "fatalities_min"),
        ({"admin1": "x,2"}, "admin1"),
        ({"actor_kind": ["pirates"]}, "actor_kind"),
    ],
)
def test_more_malformed_values_are_named(catalogue, params, parameter):
    filterset = IncidentFilterSet(params, queryset=Incident.objects.all())
    assert not filterset.is_valid() and parameter in filterset.errors

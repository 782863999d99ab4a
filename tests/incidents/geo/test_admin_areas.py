"""Country, admin1 and admin2 are derived from the boundary polygons, in the database."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from incidents.models import AdminAreaPart, Incident, Place
from incidents.services import admin_areas_rederive
from tests.factories import AdminAreaFactory, IncidentFactory, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    mali = AdminAreaFactory(level=0, code="ML", name_en="Mali", geom=square(-12, 10, 4, 25))
    mopti = AdminAreaFactory(code="ML-5", name_en="Mopti", parent=mali, geom=square(-6, 13, -1, 16))
    timbuktu = AdminAreaFactory(
        code="ML-6", name_en="Timbuktu", parent=mali, geom=square(-6, 16, 1, 25)
    )
    bandiagara = AdminAreaFactory(
        level=2, code="ML.MO.BA", name_en="Bandiagara", parent=mopti, geom=square(-4, 13.5, -3, 15)
    )
    return {"mali": mali, "mopti": mopti, "timbuktu": timbuktu, "bandiagara": bandiagara}


def test_new_incident_gets_country_admin1_and_admin2_from_the_polygons(areas):
    incident = Incident.objects.get(pk=IncidentFactory(location=Point(-3.85, 14.44, srid=4326)).pk)
    assert incident.country_code == "ML"
    assert incident.admin1 == areas["mopti"]
    assert incident.admin2 == areas["bandiagara"]


def test_moving_an_incident_rederives_its_areas(areas):
    incident = IncidentFactory(location=Point(-3.85, 14.44, srid=4326))
    incident.location = Point(-2.0, 17.0, srid=4326)
    incident.save()
    incident.refresh_from_db()
    assert incident.admin1 == areas["timbuktu"]
    assert incident.admin2 is None


def test_a_point_outside_every_area_has_no_admin_areas(areas):
    incident = Incident.objects.get(pk=IncidentFactory(location=Point(30, 30, srid=4326)).pk)
    assert incident.admin1 is None and incident.admin2 is None


def test_areas_are_derived_even_for_raw_sql_writes(areas):
    incident = IncidentFactory(location=Point(30, 30, srid=4326))
    Incident.objects.filter(pk=incident.pk).update(location=Point(-2.0, 17.0, srid=4326))
    assert Incident.objects.get(pk=incident.pk).admin1 == areas["timbuktu"]


def test_changing_a_boundary_and_rederiving_moves_incidents_and_places(areas):
    incident = IncidentFactory(location=Point(-3.85, 15.5, srid=4326))
    place = Place.objects.create(
        source="builtin",
        source_id="1",
        name="Somewhere",
        country_code="ML",
        point=Point(-3.85, 15.5, srid=4326),
    )
    assert Place.objects.get(pk=place.pk).admin1 == areas["mopti"]
    areas["mopti"].geom = square(-6, 13, -1, 15)
    areas["mopti"].save()
    areas["timbuktu"].geom = square(-6, 15, 1, 25)
    areas["timbuktu"].save()

    report = admin_areas_rederive()

    assert (report.incidents, report.places) == (1, 1)
    assert Incident.objects.get(pk=incident.pk).admin1 == areas["timbuktu"]
    assert Place.objects.get(pk=place.pk).admin1 == areas["timbuktu"]
    assert admin_areas_rederive() == type(report)(incidents=0, places=0)


def test_detailed_areas_are_cut_into_small_pieces_and_simplified_for_the_map(areas):
    import math

    ring = [
        (-3 + 2 * math.cos(t / 200 * 2 * math.pi), 15 + 2 * math.sin(t / 200 * 2 * math.pi))
        for t in range(200)
    ]
    detailed = AdminAreaFactory(
        level=2, code="ML.X", geom=MultiPolygon(Polygon([*ring, ring[0]]), srid=4326)
    )
    detailed.refresh_from_db()
    assert AdminAreaPart.objects.filter(area=detailed).count() > 1
    assert detailed.geom_simplified.num_coords < detailed.geom.num_coords


def test_incidents_near_a_border_sliver_still_get_their_country(areas):
    # 0.03 degrees outside the simplified outline: border slivers keep the country.
    incident = Incident.objects.get(pk=IncidentFactory(location=Point(4.03, 15, srid=4326)).pk)
    assert incident.country_code == "ML"
    assert incident.admin1 is None

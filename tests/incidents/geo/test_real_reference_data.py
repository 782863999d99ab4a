"""The loaders on the real published files (REFERENCE_DATA_DIR): Who's On
First boundaries of Mali, Burkina Faso and Niger and the three GeoNames dumps.

Everything is loaded twice for the module (conftest.real_reference_loaded: committed, removed
afterwards, the built-in set put back).
"""

import pytest
from django.db import connection

from incidents.geo.gazetteer import SUPERSEDED, UNREADABLE
from incidents.models import AdminArea, Place
from tests.incidents.geo.conftest import (
    COUNTRIES,
    NEEDS,
    load_real_reference,
    real_reference_loaded,
    reference_dir,
)

pytestmark = [
    pytest.mark.reference_data,
    pytest.mark.django_db,
    pytest.mark.skipif(reference_dir() is None, reason=NEEDS),
]


def state_digest() -> str:
    """One hash of every area, place and name as stored, row versions (ctid) included: any write,
    even one that changes no value, changes it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT md5(concat_ws('|',
              (SELECT string_agg(concat_ws(',', id, ctid, code, name_en, name_fr, parent_id,
                                           updated_at, md5(ST_AsEWKB(geom))), ';' ORDER BY id)
                 FROM incidents_adminarea),
              (SELECT string_agg(concat_ws(',', id, ctid, source_id, name, country_code,
                                           admin1_id, admin2_id, modified_on), ';' ORDER BY id)
                 FROM incidents_place),
              (SELECT string_agg(concat_ws(',', id, ctid, place_id, name, is_primary), ';'
                                 ORDER BY id)
                 FROM incidents_placename)))
            """
        )
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def real(django_db_setup, django_db_blocker):
    def load_twice(base):
        first = load_real_reference(base)
        digest = state_digest()
        second = load_real_reference(base)
        return {"first": first, "second": second, "digest": (digest, state_digest())}

    with real_reference_loaded(django_db_blocker, load_twice) as loaded:
        yield loaded


def town(name: str, country: str) -> Place:
    return Place.objects.get(source="geonames", name=name, country_code=country, feature_class="P")


def test_whos_on_first_gives_each_country_its_published_regions_and_counties(real):
    counts = {
        (c, level): AdminArea.objects.filter(country_code=c, level=level).count()
        for c in COUNTRIES
        for level in (0, 1, 2)
    }

    assert counts == {
        ("ML", 0): 1,
        ("ML", 1): 9,
        ("ML", 2): 49,
        ("BF", 0): 1,
        ("BF", 1): 13,
        ("BF", 2): 45,
        ("NE", 0): 1,
        ("NE", 1): 8,
        ("NE", 2): 35,
    }
    assert real["first"]["boundaries"].created == 162
    assert set(AdminArea.objects.values_list("source", flat=True)) == {"wof"}


def test_every_region_and_county_is_linked_to_a_parent_in_its_own_country(real):
    for child in AdminArea.objects.filter(level__gt=0).select_related("parent"):
        assert child.parent is not None, child
        assert (child.parent.level, child.parent.country_code) == (
            child.level - 1,
            child.country_code,
        ), child


def test_geonames_dumps_load_every_row_and_the_shared_ids_once(real):
    first = real["first"]

    assert (first["ML"].rows, first["BF"].rows, first["NE"].rows) == (24_312, 11_297, 24_320)
    assert [first[c].count(UNREADABLE) for c in ("ML", "BF", "NE")] == [0, 0, 0]
    # Six features sit in both the Mali and the (older) Niger dump: Mali's newer record wins.
    assert first["NE"].count(SUPERSEDED) == 6
    assert Place.objects.filter(source="geonames").count() == 24_312 + 11_297 + 24_320 - 6
    assert Place.objects.filter(country_code="ML").count() == 24_312


def test_gourma_rharous_town_lies_in_timbuktu_region_and_gourma_rharous_cercle(real):
    gourma_rharous = town("Gourma Rharous", "ML")

    assert gourma_rharous.admin1.code == "ML-6"
    assert gourma_rharous.admin1.name_en == "Timbuktu"
    assert gourma_rharous.admin2.name_en == "Gourma-Rharous"
    assert gourma_rharous.admin2.parent == gourma_rharous.admin1


def test_bandiagara_lies_in_mopti_region(real):
    assert town("Bandiagara", "ML").admin1.code == "ML-5"


def test_djibo_lies_in_burkina_sahel_region(real):
    djibo = town("Djibo", "BF")

    assert djibo.admin1.code == "BF-12"
    assert djibo.admin1.name_en == "Sahel"


def test_a_second_load_of_everything_changes_nothing(real):
    second = real["second"]

    assert not second["boundaries"].changed
    assert second["boundaries"].unchanged == 162
    for country in COUNTRIES:
        report = second[country]
        assert (
            report.created,
            report.updated,
            report.removed,
            report.count("created", "names"),
            report.count("removed", "names"),
        ) == (0, 0, 0, 0, 0), (country, str(report))
    before, after = real["digest"]
    assert after == before

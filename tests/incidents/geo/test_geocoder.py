"""The geocoder (incidents/geo/geocoder.py) on the built-in gazetteer and boundaries, and, when
REFERENCE_DATA_DIR is set, on the real GeoNames dumps and Who's On First boundaries."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from incidents.geo.geocoder import distance_km, geocode, parse_expression, place_search
from incidents.models import AdminArea, Place, PlaceName
from tests.incidents.geo.conftest import (
    NEEDS,
    load_real_reference,
    real_reference_loaded,
    reference_dir,
)

pytestmark = pytest.mark.django_db


def add_place(name, country, lon, lat, *, population=0, code="PPL", alternates=(), cls="P"):
    """A gazetteer place of the test's own (the built-in set has few homonyms)."""
    place = Place.objects.create(
        source="geonames",
        source_id=f"test-{name}-{country}-{lon}",
        name=name,
        ascii_name=name,
        feature_class=cls,
        feature_code=code,
        country_code=country,
        population=population,
        point=Point(lon, lat, srid=4326),
    )
    for i, alias in enumerate((name, *alternates)):
        PlaceName.objects.create(place=place, name=alias, is_primary=i == 0)
    return place


def top(query, **kwargs):
    results = place_search(query, **kwargs)
    assert results, query
    return results[0]


# ---------------------------------------------------------------------------------------------
# place_search


@pytest.mark.parametrize("query", ["Ségou", "segou", "SÉGOU", "  ségou. ", "Ségu"])
def test_search_ignores_accents_case_and_punctuation(reference_data, query):
    found = top(query)

    assert (found.preferred_name, found.country_code, found.feature_code) == ("Ségou", "ML", "PPLA")
    assert found.match == "exact"


@pytest.mark.parametrize(
    ("query", "preferred"),
    [
        ("Timbuktu", "Tombouctou"),
        ("Tin Zaouatene", "Tinzaouaten"),
        ("Tin-Zaouatène", "Tinzaouaten"),
        ("Wagadugu", "Ouagadougou"),
        ("Niamey", "Niamey"),
        ("Birnin Konni", "Birni-N'Konni"),
    ],
)
def test_search_finds_transliteration_variants(reference_data, query, preferred):
    found = top(query)

    assert found.preferred_name == preferred
    assert found.match == "exact"


@pytest.mark.parametrize(
    ("query", "preferred"),
    [("Wagadougou", "Ouagadougou"), ("Tinzawaten", "Tinzaouaten"), ("Tombouctu", "Tombouctou")],
)
def test_search_finds_spellings_the_gazetteer_lacks_by_trigram_similarity(
    reference_data, query, preferred
):
    found = top(query)

    assert found.preferred_name == preferred
    assert found.match in ("prefix", "word", "fuzzy")


def test_search_ranks_exact_before_prefix_before_fuzzy(reference_data):
    results = place_search("Bani", limit=10)
    tiers = [r.tier for r in results]

    assert results[0].preferred_name == "Bani"
    assert results[0].match == "exact"
    assert tiers == sorted(tiers, reverse=True)
    assert "Banibangou" in [r.preferred_name for r in results if r.match == "prefix"]


def test_search_ranks_the_town_above_the_admin_areas_of_the_same_name(reference_data):
    results = place_search("Mopti")

    assert [(r.preferred_name, r.feature_code) for r in results[:3]] == [
        ("Mopti", "PPLA"),
        ("Région de Mopti", "ADM1"),
        ("Cercle de Mopti", "ADM2"),
    ]
    assert results[0].score > results[1].score > results[2].score


def test_search_ranks_a_populated_place_above_a_lake_and_a_capital_above_a_village(
    reference_data,
):
    add_place("Banzena", "ML", -2.5, 15.6, code="PPL")
    names = [(r.preferred_name, r.feature_class) for r in place_search("Banzena")]

    assert names.index(("Banzena", "P")) < names.index(("Lac Banzena", "H"))
    lake = next(r for r in place_search("Banzena") if r.feature_class == "H")
    assert (lake.geo_precision, lake.ucdp_where_prec) == (2, 2)


def test_search_gives_each_candidate_its_areas_point_and_suggested_precision(reference_data):
    hombori = top("Hombori")

    assert hombori.as_dict() | {"score": None, "place_id": None, "admin1_id": None} == {
        "place_id": None,
        "name": "Hombori",
        "preferred_name": "Hombori",
        "country_code": "ML",
        "admin1": "Mopti",
        "admin2": "Cercle de Douentza",
        "feature_class": "P",
        "feature_code": "PPL",
        "lon": pytest.approx(-1.7),
        "lat": pytest.approx(15.2833),
        "population": 23099,
        "match": "exact",
        "similarity": 1.0,
        "score": None,
        "geo_precision": 1,
        "ucdp_where_prec": 1,
        "admin1_id": None,
        "admin2_id": None,
        "admin1_code": "5",
        "admin2_code": "douentza",
        "context_bonus": 0.0,
    }
    region = next(r for r in place_search("Mopti") if r.feature_code == "ADM1")
    cercle = next(r for r in place_search("Mopti") if r.feature_code == "ADM2")
    assert (region.geo_precision, region.ucdp_where_prec) == (3, 4)
    assert (cercle.geo_precision, cercle.ucdp_where_prec) == (3, 3)


def test_search_admin_names_follow_the_language(reference_data):
    with translation.override("fr"):
        assert top("Tombouctou").admin1 == "Tombouctou"
    with translation.override("en"):
        assert top("Tombouctou").admin1 == "Timbuktu"


def test_search_restricted_to_countries(reference_data):
    add_place("Boni", "BF", -3.4, 11.56667)

    assert {r.country_code for r in place_search("Boni", countries=["BF"])} == {"BF"}
    assert {r.country_code for r in place_search("Boni", countries=["ML", "BF"])} >= {"ML", "BF"}


@pytest.mark.parametrize("query", ["", "   ", "-", "!!", "a", "’"])
def test_search_for_nothing_finds_nothing(reference_data, query):
    assert place_search(query) == []


def test_search_rejects_unknown_countries_and_overlong_queries(reference_data):
    with pytest.raises(ValueError, match="unknown country code “XX”"):
        place_search("Boni", countries=["XX"])
    with pytest.raises(ValueError, match="longer than 200 characters"):
        place_search("Boni " * 50)


def test_search_with_no_match_is_empty(reference_data):
    assert place_search("qxzwvjq") == []


# ---------------------------------------------------------------------------------------------
# geocode: expressions and precision


def test_exact_place_is_precision_one_in_both_conventions(reference_data):
    result = geocode("Hombori")

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("place", 1, 1)
    assert (result.lon, result.lat) == pytest.approx((-1.7, 15.2833))
    assert not result.unsure
    assert result.reason == ""
    assert [p.preferred_name for p in result.places] == ["Hombori"]
    assert result.candidates[0].place_id == result.places[0].place_id


@pytest.mark.parametrize(
    "text",
    [
        "near Hombori",
        "close to Hombori",
        "the Hombori area",
        "près de Hombori",
        "aux environs de Hombori",
        "non loin de Hombori",
    ],
)
def test_near_a_place_is_precision_two(reference_data, text):
    result = geocode(text)

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("near", 2, 2)
    assert result.places[0].preferred_name == "Hombori"
    assert result.radius_km == 25
    assert not result.unsure


def test_distance_and_direction_from_a_place_moves_the_point(reference_data):
    result = geocode("30 km north of Djibo")
    djibo = result.places[0]

    assert result.kind == "distance"
    assert djibo.preferred_name == "Djibo"
    assert result.lon == pytest.approx(djibo.lon, abs=0.001)
    assert distance_km(djibo.lon, djibo.lat, result.lon, result.lat) == pytest.approx(30, abs=0.1)
    assert result.lat > djibo.lat
    assert (result.geo_precision, result.ucdp_where_prec) == (2, 2)
    far = geocode("à 80 km de Djibo")
    assert (far.lon, far.lat) == (djibo.lon, djibo.lat)
    assert (far.radius_km, far.geo_precision, far.ucdp_where_prec) == (80, 2, 5)


def test_between_two_close_places_is_their_midpoint_within_25_km(reference_data):
    result = geocode("between Mopti and Sévaré")
    mopti, sevare = result.places

    assert (mopti.preferred_name, sevare.preferred_name) == ("Mopti", "Sévaré")
    assert result.kind == "between"
    assert result.lon == pytest.approx((mopti.lon + sevare.lon) / 2, abs=0.001)
    assert result.lat == pytest.approx((mopti.lat + sevare.lat) / 2, abs=0.001)
    assert result.radius_km == pytest.approx(
        distance_km(mopti.lon, mopti.lat, sevare.lon, sevare.lat) / 2, abs=0.1
    )
    assert (result.geo_precision, result.ucdp_where_prec) == (2, 2)
    assert not result.unsure


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("between Boni and Hombori", ("Boni", "Hombori")),
        ("entre Boni et Hombori", ("Boni", "Hombori")),
        ("on the road from Gao to Ansongo", ("Gao", "Ansongo")),
        ("sur la route de Gao à Ansongo", ("Gao", "Ansongo")),
        ("l'axe Sévaré-Bandiagara", ("Sévaré", "Bandiagara")),
        ("on the Bobo-Dioulasso - Banfora road", ("Bobo-Dioulasso", "Banfora")),
        ("sur l'axe Gourma-Rharous–Gossi", ("Gourma-Rharous", "Gossi")),
    ],
)
def test_between_far_places_or_along_a_road_is_near_precision_and_a_span(
    reference_data, text, ends
):
    result = geocode(text)

    assert result.kind == "between"
    assert tuple(p.preferred_name for p in result.places) == ends
    assert result.radius_km > 25
    assert (result.geo_precision, result.ucdp_where_prec) == (2, 5)
    assert not result.unsure, result.reason


def test_a_road_alone_cannot_be_placed(reference_data):
    result = geocode("RN15")

    assert (result.kind, result.road, result.found, result.unsure) == ("road", "RN15", False, True)
    assert result.reason == "a road alone cannot be placed: name a place on it"
    assert (result.lon, result.geo_precision) == (None, None)


def test_a_road_with_a_place_is_near_that_place(reference_data):
    result = geocode("on the RN16 near Hombori")

    assert (result.kind, result.road) == ("near", "RN16")
    assert result.places[0].preferred_name == "Hombori"
    assert (result.geo_precision, result.ucdp_where_prec) == (2, 2)
    between = geocode("on the RN15 between Boni and Hombori")
    assert (between.kind, between.road) == ("between", "RN15")


def test_region_alone_is_its_polygon_point_at_admin1_precision(reference_data):
    result = geocode("Mopti region")
    mopti = AdminArea.objects.get(code="ML-5")

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("admin_area", 3, 4)
    assert result.area.area_id == mopti.pk
    assert mopti.geom.covers(Point(result.lon, result.lat, srid=4326))
    assert geocode("région de Tombouctou").area.area_id == AdminArea.objects.get(code="ML-6").pk
    assert geocode("the Tillabéri region").area.country_code == "NE"


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("cercle de Bandiagara", "Cercle de Bandiagara"),
        ("Gourma-Rharous cercle", "Cercle de Gourma-Rharous"),
        ("Soum province", "Province du Soum"),
        ("province du Soum", "Province du Soum"),
        ("département de Ouallam", "Département de Ouallam"),
    ],
)
def test_admin2_alone_is_its_gazetteer_point_at_admin2_precision(reference_data, text, area):
    # The built-in boundaries stop at admin1: the gazetteer's admin2 row places the area.
    result = geocode(text)

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("admin_area", 3, 3)
    assert result.area.name == area
    assert result.area.place_id is not None
    assert not result.unsure


def test_commune_without_a_row_of_its_own_is_placed_at_its_seat_at_admin_precision(
    reference_data,
):
    result = geocode("commune de Hombori")

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("admin_area", 3, 3)
    assert result.places[0].preferred_name == "Hombori"


def test_country_alone_is_country_precision_and_unsure(reference_data):
    result = geocode("Burkina Faso")

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("country", 3, 6)
    assert result.unsure
    assert result.reason == "only the country is named"


# ---------------------------------------------------------------------------------------------
# geocode: homonyms, context, fallback


@pytest.fixture
def homonyms(reference_data):
    """Two villages of one name, in Mali (Ménaka) and in Niger (Tillabéri), nothing known of
    either's population: as GeoNames has hundreds."""
    return {
        "ML": add_place("Intagamey", "ML", 2.55, 15.75),
        "NE": add_place("Intagamey", "NE", 1.35, 14.9, alternates=("In-Tagamey",)),
    }


def test_homonyms_far_apart_are_unsure_and_both_kept(homonyms):
    result = geocode("Intagamey")

    assert result.unsure
    assert result.reason.startswith("several places share this name and nothing tells them apart")
    assert "Intagamey (ML" in result.reason
    assert "Intagamey (NE" in result.reason
    assert {c.place_id for c in result.candidates} >= {homonyms["ML"].pk, homonyms["NE"].pk}


@pytest.mark.parametrize(
    ("context", "country"),
    [
        (["Ménaka"], "ML"),  # another place of the same report, 20 km away
        (["Andéramboukane", "Ménaka"], "ML"),
        (["région de Tillabéri"], "NE"),  # an admin area of the same report
        (["Ayorou"], "NE"),
        (["Niger"], "NE"),
    ],
)
def test_context_of_the_same_report_chooses_between_homonyms(homonyms, context, country):
    result = geocode("Intagamey", context=context)

    assert result.places[0].place_id == homonyms[country].pk
    assert result.places[0].context_bonus > 0
    assert not result.unsure, result.reason


def test_countries_restrict_the_homonyms(homonyms):
    result = geocode("Intagamey", countries=["NE"])

    assert result.places[0].place_id == homonyms["NE"].pk
    assert not result.unsure


def test_context_of_the_expression_itself_chooses_between_homonyms(homonyms):
    assert geocode("Intagamey (Niger)").places[0].place_id == homonyms["NE"].pk
    assert geocode("Intagamey, Ménaka").places[0].place_id == homonyms["ML"].pk


def test_a_place_outside_the_admin_area_the_report_names_is_unsure(reference_data):
    result = geocode("Hombori", context=["Soum province"])

    assert result.places[0].preferred_name == "Hombori"
    assert result.unsure
    assert result.reason == "the best match lies outside every admin area named in the same report"


def test_ends_of_a_span_choose_each_other_among_homonyms(homonyms):
    result = geocode("between Intagamey and Ayorou")

    assert result.places[0].place_id == homonyms["NE"].pk
    assert not result.unsure


def test_place_absent_from_the_gazetteer_falls_back_to_the_admin2_named_in_the_report(
    reference_data,
):
    result = geocode("Inadiatafane", context=["Timbuktu region", "cercle de Gourma-Rharous"])

    assert result.kind == "fallback"
    assert result.unsure
    assert result.area.name == "Cercle de Gourma-Rharous"
    assert (result.geo_precision, result.ucdp_where_prec) == (3, 3)
    assert (result.lon, result.lat) == pytest.approx((-1.9297, 16.878))
    assert result.reason == (
        "“Inadiatafane” is not in the gazetteer; placed by what the same report names "
        "(Cercle de Gourma-Rharous), at a coarser precision"
    )


def test_place_absent_from_the_gazetteer_falls_back_to_near_x_before_an_area(reference_data):
    result = geocode("Inadiatafane", context=["near Gossi", "Timbuktu region"])

    assert (result.kind, result.geo_precision, result.ucdp_where_prec) == ("fallback", 2, 2)
    assert result.places[0].preferred_name == "Gossi"
    assert result.unsure


def test_place_absent_from_the_gazetteer_without_context_is_not_placed(reference_data):
    result = geocode("Inadiatafane")

    assert not result.found
    assert result.unsure
    assert result.kind == "none" or result.places[0].match != "exact"


def test_a_loose_fuzzy_match_is_unsure(reference_data):
    result = geocode("Douentsa")

    assert result.unsure
    assert result.reason == "no gazetteer name matches “Douentsa”; the closest is “Douentza”"


def test_reasons_are_translated(homonyms):
    with translation.override("fr"):
        result = geocode("Intagamey")
        road = geocode("RN15")

    assert result.reason.startswith("plusieurs lieux portent ce nom")
    assert road.reason == "une route seule ne peut pas être placée\u00a0: nommez un lieu sur elle"


# ---------------------------------------------------------------------------------------------
# geocode: bad input


@pytest.mark.parametrize("text", ["", "   ", "!!!", "-", None, 42, "x" * 201])
def test_input_that_is_no_place_expression_is_a_value_error(reference_data, text):
    with pytest.raises(ValueError, match="place expression"):
        geocode(text)


def test_unknown_country_is_a_value_error(reference_data):
    with pytest.raises(ValueError, match="unknown country code “ZZ”"):
        geocode("Boni", countries=["ZZ"])


def test_garbage_resolves_to_a_clear_empty_result(reference_data):
    result = geocode("qxzwvjq kkkk")

    assert (result.kind, result.found, result.unsure) == ("none", False, True)
    assert result.reason == "no place of this name in the gazetteer"
    assert result.candidates == []


def test_result_is_json_serialisable(homonyms):
    data = json.loads(json.dumps(geocode("between Intagamey and Ayorou").as_dict()))

    assert data["found"] is True
    assert [p["preferred_name"] for p in data["places"]] == ["Intagamey", "Ayorou"]


def test_expression_parser_reads_english_and_french_patterns():
    assert parse_expression("30 km au nord de Djibo").bearing == 0
    assert parse_expression("30 km au nord de Djibo").names == ["Djibo"]
    assert parse_expression("la commune rurale de Boni").levels == (3,)
    assert parse_expression("in the village of Boni").names == ["Boni"]
    assert parse_expression("à Ansongo").names == ["Ansongo"]
    assert parse_expression("Inadiatafane").names == ["Inadiatafane"]
    assert parse_expression("route nationale 16 près de Hombori").road == "RN16"
    assert parse_expression("N'Guigmi").road == ""


# ---------------------------------------------------------------------------------------------
# On the real gazetteer (REFERENCE_DATA_DIR): tens of thousands of names, many homonyms


@pytest.fixture(scope="module")
def real_gazetteer(django_db_setup, django_db_blocker):
    with real_reference_loaded(django_db_blocker, load_real_reference) as reports:
        yield reports


real_data = pytest.mark.skipif(reference_dir() is None, reason=NEEDS)


@real_data
@pytest.mark.reference_data
@pytest.mark.parametrize(
    ("query", "name", "country"),
    [
        ("Tombouctou", "Timbuktu", "ML"),
        ("Timbuktu", "Timbuktu", "ML"),
        ("Tin Zaouatene", "Ti-n-Zaouâtene", "ML"),
        ("Tinzaouaten", "Ti-n-Zaouâtene", "ML"),
        ("Wagadugu", "Ouagadougou", "BF"),
        ("Ouagadougou", "Ouagadougou", "BF"),
        ("NIAMEY", "Niamey", "NE"),
    ],
)
def test_real_search_finds_the_known_variants_first(real_gazetteer, query, name, country):
    found = top(query)

    assert (found.preferred_name, found.country_code, found.feature_class) == (name, country, "P")


@real_data
@pytest.mark.reference_data
def test_real_boni_is_a_homonym_until_the_report_names_douentza_or_hombori(real_gazetteer):
    alone = geocode("Boni")
    with_context = geocode("Boni", context=["Hombori", "cercle de Douentza"])

    assert alone.unsure
    assert {c.country_code for c in alone.candidates if c.preferred_name == "Boni"} >= {
        "ML",
        "BF",
        "NE",
    }
    assert not with_context.unsure, with_context.reason
    assert (with_context.lon, with_context.lat) == pytest.approx((-2.21976, 15.07658), abs=0.01)


@real_data
@pytest.mark.reference_data
def test_real_admin_areas_are_whos_on_first_polygons(real_gazetteer):
    cercle = geocode("cercle de Bandiagara")
    region = geocode("région de Mopti")

    assert (cercle.area.name, cercle.geo_precision, cercle.ucdp_where_prec) == ("Bandiagara", 3, 3)
    assert cercle.area.area_id is not None
    assert (region.area.level, region.ucdp_where_prec) == (1, 4)
    assert AdminArea.objects.get(pk=region.area.area_id).geom.covers(
        Point(region.lon, region.lat, srid=4326)
    )


@real_data
@pytest.mark.reference_data
def test_real_inadiatafane_falls_back_to_gourma_rharous(real_gazetteer):
    result = geocode("Inadiatafane", context=["Gourma-Rharous cercle"])

    assert (result.kind, result.unsure, result.geo_precision) == ("fallback", True, 3)
    assert result.area.name == "Gourma-Rharous"


@real_data
@pytest.mark.reference_data
def test_real_road_between_two_towns(real_gazetteer):
    result = geocode("on the road from Boni to Hombori")

    assert [p.country_code for p in result.places] == ["ML", "ML"]
    assert 20 < result.radius_km < 40
    assert (result.geo_precision, result.ucdp_where_prec) == (2, 5)

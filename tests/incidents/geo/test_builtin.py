"""The built-in fallback set (team-compiled) is coherent: every place lies in the region it names,
the regions tile their countries, and the files are in the formats the loaders read."""

import json
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point

from incidents.geo.boundaries import read_boundaries
from incidents.geo.gazetteer import read_geonames
from incidents.geo.setup import BUILTIN_BOUNDARIES, BUILTIN_PLACES


@pytest.fixture(scope="module")
def regions():
    data = json.loads(Path(BUILTIN_BOUNDARIES).read_text())
    return {
        f["properties"]["code"]: GEOSGeometry(json.dumps(f["geometry"]), srid=4326)
        for f in data["features"]
    }


def test_builtin_files_are_read_by_the_loaders():
    areas = read_boundaries(Path(BUILTIN_BOUNDARIES))
    assert Counter((a.country_code, a.level) for a in areas) == {
        ("ML", 0): 1,
        ("ML", 1): 9,
        ("BF", 0): 1,
        ("BF", 1): 13,
        ("NE", 0): 1,
        ("NE", 1): 8,
    }
    places = read_geonames(Path(BUILTIN_PLACES))
    assert len(places) >= 300
    assert {p.country_code for p in places} == {"ML", "BF", "NE"}


def test_every_builtin_place_lies_in_the_region_it_names(regions):
    misplaced = []
    for place in read_geonames(Path(BUILTIN_PLACES)):
        code = f"{place.country_code}-{place.admin1_code}"
        point = Point(place.longitude, place.latitude, srid=4326)
        if not regions[code].intersects(point):
            misplaced.append(f"{place.name} ({code})")
    assert misplaced == []


def test_regions_tile_their_country_without_overlap(regions):
    for country in ("ML", "BF", "NE"):
        parts = [geom for code, geom in regions.items() if code.startswith(f"{country}-")]
        union = parts[0]
        for part in parts[1:]:
            assert union.intersection(part).area < 1e-6, f"{country}: regions overlap"
            union = union.union(part)
        assert abs(union.area - regions[country].area) < 1e-6 * regions[country].area + 1e-6


def test_builtin_places_have_the_usual_spellings():
    names = {p.name: p.alternate_names for p in read_geonames(Path(BUILTIN_PLACES))}
    assert "Timbuktu" in names["Tombouctou"]
    assert "Inadiatafane" not in names  # its position is not known: coded at admin-area level

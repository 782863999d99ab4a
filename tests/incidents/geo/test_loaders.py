"""Reference-data loaders: administrative boundaries in each publisher's format, the GeoNames
gazetteer and `setup_reference_data`, against real PostGIS.

The input files (tests/fixtures/reference/) are small and hand-made in the publishers' real
formats: invented shapes (rough rectangles around the right places) and invented GeoNames rows
(ids 9000xxxxx), never extracts of the published data. `data/` is laid out like the real
REFERENCE_DATA_DIR (geonames/CC.txt, boundaries/wof/CC/adm*/ID.geojson).

Tests that load the gazetteer more than once run in transactional tests, each load in its own
transaction as the commands do in production (see
test_two_gazetteer_loads_in_one_transaction_work for why).
"""

import hashlib
import json
import shutil
import socket
import threading
import zipfile
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from actors.models import Actor
from actors.services import read_catalogue
from incidents.geo import setup as reference_setup
from incidents.geo.fetch import Offline, fingerprint, local_copy
from incidents.geo.gazetteer import gazetteer_load, read_geonames
from incidents.geo.selectors import basemap_geojson
from incidents.models import (
    AdminArea,
    AdminAreaPart,
    Incident,
    Place,
    PlaceName,
    PlaceSource,
    ReferenceDataset,
)
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "reference"
DATA = FIXTURES / "data"
WOF = DATA / "boundaries" / "wof"
BOUNDARIES = FIXTURES / "boundaries"
BUILTIN_FORMAT = BOUNDARIES / "builtin" / "boundaries.geojson"
BAD = BOUNDARIES / "bad"
ML_DUMP = DATA / "geonames" / "ML.txt"
BF_DUMP = DATA / "geonames" / "BF.txt"
NE_DUMP = FIXTURES / "geonames" / "NE.txt"

WOF_AREAS = {
    # code: (level, country, name_en, name_fr, parent code, WOF id)
    "ML": (0, "ML", "Mali", "Mali", None, "900000100"),
    "ML-6": (1, "ML", "Timbuktu", "Tombouctou", "ML", "900000101"),
    "ML-5": (1, "ML", "Mopti", "Mopti", "ML", "900000102"),
    "ML.TB.GR": (2, "ML", "Gourma-Rharous", "Gourma-Rharous", "ML-6", "900000103"),
    "ML.MO.BA": (2, "ML", "Bandiagara", "Bandiagara", "ML-5", "900000104"),
    "BF": (0, "BF", "Burkina Faso", "Burkina Faso", None, "900000200"),
    "BF-12": (1, "BF", "Sahel", "Sahel", "BF", "900000201"),
    "BF.SA.SO": (2, "BF", "Soum", "Soum", "BF-12", "900000202"),
}


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_reference_tables():
    """Each test starts with no boundaries, places or dataset records, whatever an earlier test
    (or the session's built-in set) left: rolled back afterwards in ordinary tests."""
    PlaceName.objects.all().delete()
    Place.objects.all().delete()
    AdminArea.objects.all().delete()
    ReferenceDataset.objects.all().delete()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Downloads go straight to the (local) server, whatever proxy the machine has."""
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


def run(command: str, *args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def load_boundaries(*sources, force=True, **options) -> str:
    """The command, made to load even a file it already loaded (the loader's own idempotency is
    what these tests pin; the command's skip of known files has tests of its own)."""
    return run("load_boundaries", *sources, force=force, **options)[0]


def load_gazetteer(*sources, force=True, **options) -> str:
    return run("load_gazetteer", *sources, force=force, **options)[0]


def area(code: str) -> AdminArea:
    return AdminArea.objects.get(code=code)


def area_rows() -> dict[str, tuple]:
    return {
        a.code: (a.level, a.country_code, a.name_en, a.name_fr, a.source, a.source_id)
        for a in AdminArea.objects.all()
    }


def areas_snapshot() -> list[tuple]:
    """Every area as stored, with its row version (ctid changes on any UPDATE, even a no-op one)
    and its subdivided parts."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, a.ctid::text, a.level, a.code, a.name_en, a.name_fr, a.parent_id,
                   a.updated_at, ST_AsEWKB(a.geom), ST_AsEWKB(a.geom_simplified),
                   (SELECT array_agg(p.id ORDER BY p.id) FROM incidents_adminareapart p
                     WHERE p.area_id = a.id)
            FROM incidents_adminarea a ORDER BY a.id
            """
        )
        return [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in cursor.fetchall()
        ]


def places_snapshot() -> tuple[list[tuple], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, ctid::text, source, source_id, name, ascii_name, feature_class,
                   feature_code, country_code, admin1_code, admin2_code, population,
                   ST_AsEWKB(point), admin1_id, admin2_id, modified_on
            FROM incidents_place ORDER BY id
            """
        )
        places = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT id, ctid::text, place_id, name, is_primary, normalised "
            "FROM incidents_placename ORDER BY id"
        )
        return places, cursor.fetchall()


def place(source_id: str, source: str = PlaceSource.GEONAMES) -> Place:
    return Place.objects.get(source=source, source_id=source_id)


def names_of(source_id: str) -> dict[str, bool]:
    return dict(place(source_id).names.values_list("name", "is_primary"))


def rect(west, south, east, north) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def builtin_feature(level, country, code, name_en, geometry, name_fr=None) -> dict:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "level": level,
            "country_code": country,
            "code": code,
            "name_en": name_en,
            "name_fr": name_fr or name_en,
        },
    }


def write_geojson(path: Path, *features) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def write_dump(path: Path, lines) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def dump_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def geonames_zip(path: Path, dump: Path) -> Path:
    """A dump zipped as GeoNames publishes CC.zip: the readme beside the CC.txt file."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "readme.txt",
            "Readme for GeoNames Gazetteer extract files\n\n"
            "(fixture) tab-delimited, 19 columns, UTF-8\n",
        )
        archive.write(dump, dump.name)
    return path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    """A real HTTP server on 127.0.0.1 serving the fixtures (and a GeoNames-style ML.zip)."""
    root = tmp_path_factory.mktemp("publisher")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    geonames_zip(root / "ML.zip", ML_DUMP)

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- boundaries: formats ---------------------------------------------------------------------


def test_whos_on_first_folder_gives_countries_regions_and_counties_with_iso_and_hasc_codes():
    out = load_boundaries(WOF)

    assert area_rows() == {
        code: (level, country, name_en, name_fr, "wof", wof_id)
        for code, (level, country, name_en, name_fr, _, wof_id) in WOF_AREAS.items()
    }
    assert "8 created, 0 updated, 0 unchanged, 0 removed" in out


def test_whos_on_first_region_code_comes_from_the_iso_concordance_when_there_is_no_subdivision():
    # Burkina's regions in Who's On First carry their ISO code only among the concordances.
    load_boundaries(WOF / "BF")

    assert area("BF-12").level == 1
    assert area("BF-12").name_en == "Sahel"


def test_ocha_cod_ab_file_with_its_crs84_member_gives_cercles_by_pcode():
    load_boundaries(BOUNDARIES / "ocha_cod_mali_adm2.geojson")

    assert area_rows() == {
        "ML0603": (2, "ML", "Gourma-Rharous", "Gourma-Rharous", "ocha", "ML0603"),
        "ML0502": (2, "ML", "Bandiagara", "Bandiagara", "ocha", "ML0502"),
    }


def test_geoboundaries_files_give_areas_coded_by_shape_iso_or_else_shape_id():
    load_boundaries(BOUNDARIES / "geoBoundaries-MLI-ADM1.geojson")
    load_boundaries(BOUNDARIES / "geoBoundaries-MLI-ADM2.geojson")

    assert area_rows() == {
        "ML-6": (1, "ML", "Tombouctou", "Tombouctou", "geoboundaries", "90000000B00000000000016"),
        "ML-5": (1, "ML", "Mopti", "Mopti", "geoboundaries", "90000000B00000000000015"),
        # geoBoundaries leaves shapeISO empty below ADM1.
        "90000000B00000000000203": (
            2,
            "ML",
            "Gourma-Rharous",
            "Gourma-Rharous",
            "geoboundaries",
            "90000000B00000000000203",
        ),
    }
    assert len(area("ML-5").geom) == 2, "a MultiPolygon keeps all its parts"


def test_natural_earth_admin0_and_admin1_give_countries_and_regions_with_french_names():
    load_boundaries(BOUNDARIES / "ne_10m_admin_0_countries.geojson")
    load_boundaries(BOUNDARIES / "ne_10m_admin_1_states_provinces.geojson")

    # Senegal is in the file but not one of the countries loaded (ML, BF, NE by default).
    assert area_rows() == {
        "ML": (0, "ML", "Mali", "Mali", "naturalearth", "MLI"),
        "NE": (0, "NE", "Niger", "Niger", "naturalearth", "NER"),
        "ML-6": (1, "ML", "Timbuktu", "Tombouctou", "naturalearth", "MLI-9006"),
        "NE-6": (1, "NE", "Tillabéri", "Tillabéri", "naturalearth", "NER-9006"),
    }


def test_countries_option_chooses_which_countries_of_a_file_are_loaded():
    load_boundaries(BOUNDARIES / "ne_10m_admin_0_countries.geojson", countries="SN")

    assert area_rows() == {"SN": (0, "SN", "Senegal", "Sénégal", "naturalearth", "SEN")}


def test_builtin_format_gives_levels_codes_and_names():
    load_boundaries(BUILTIN_FORMAT)

    assert area_rows() == {
        "ML": (0, "ML", "Mali", "Mali", "builtin", "ML"),
        "BF": (0, "BF", "Burkina Faso", "Burkina Faso", "builtin", "BF"),
        "NE": (0, "NE", "Niger", "Niger", "builtin", "NE"),
        "ML-6": (1, "ML", "Timbuktu", "Tombouctou", "builtin", "ML-6"),
        "ML-5": (1, "ML", "Mopti", "Mopti", "builtin", "ML-5"),
        "BF-12": (1, "BF", "Sahel", "Sahel", "builtin", "BF-12"),
        "NE-6": (1, "NE", "Tillaberi", "Tillabéri", "builtin", "NE-6"),
    }


@pytest.mark.parametrize(
    "source",
    [
        WOF,
        BOUNDARIES / "ocha_cod_mali_adm2.geojson",
        BOUNDARIES / "geoBoundaries-MLI-ADM1.geojson",
        BOUNDARIES / "ne_10m_admin_0_countries.geojson",
        BOUNDARIES / "ne_10m_admin_1_states_provinces.geojson",
        BUILTIN_FORMAT,
    ],
    ids=lambda p: p.name,
)
def test_polygons_are_stored_as_multipolygons_in_wgs84_and_cut_into_parts(source):
    load_boundaries(source)

    assert AdminArea.objects.exists()
    for stored in AdminArea.objects.all():
        assert isinstance(stored.geom, MultiPolygon)
        assert stored.geom.srid == 4326
        assert stored.geom.valid
        assert stored.geom_simplified is not None
        assert AdminAreaPart.objects.filter(area=stored).exists()


def test_regions_are_linked_to_their_country_and_counties_to_their_region():
    load_boundaries(WOF)

    parents = dict(AdminArea.objects.values_list("code", "parent__code"))
    assert parents == {code: parent for code, (*_, parent, _) in WOF_AREAS.items()}


def test_cercles_from_one_publisher_get_their_region_from_another():
    load_boundaries(WOF)
    out = load_boundaries(BOUNDARIES / "ocha_cod_mali_adm2.geojson")

    # The OCHA cercles replace Who's On First's Malian admin2; Burkina's stay.
    assert "2 created, 0 updated, 0 unchanged, 2 removed" in out
    assert set(AdminArea.objects.filter(level=2).values_list("code", "parent__code")) == {
        ("ML0603", "ML-6"),
        ("ML0502", "ML-5"),
        ("BF.SA.SO", "BF-12"),
    }


# --- boundaries: loading again, pruning, re-deriving -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_loading_the_same_boundaries_twice_changes_nothing():
    load_boundaries(WOF)
    before = areas_snapshot()

    out = load_boundaries(WOF)

    assert "0 created, 0 updated, 8 unchanged, 0 removed" in out
    assert areas_snapshot() == before


def test_loading_a_set_removes_the_areas_of_its_countries_and_levels_that_it_lacks(tmp_path):
    load_boundaries(WOF)
    kept_id = area("ML-6").pk
    timbuktu_only = write_geojson(
        tmp_path / "timbuktu.geojson",
        builtin_feature(1, "ML", "ML-6", "Timbuktu", rect(-6, 15.1, 1, 24), name_fr="Tombouctou"),
    )

    out = load_boundaries(timbuktu_only)

    assert "0 created, 1 updated, 0 unchanged, 1 removed" in out
    # Mopti (ML, admin1) is gone; other levels and other countries are untouched.
    assert set(AdminArea.objects.values_list("code", flat=True)) == set(WOF_AREAS) - {"ML-5"}
    assert area("ML-6").pk == kept_id
    assert area("ML-6").source == "builtin"
    assert area("ML.MO.BA").parent is None, "its region is gone and no other holds it"


def test_no_prune_keeps_the_areas_that_the_new_set_lacks(tmp_path):
    load_boundaries(WOF)
    timbuktu_only = write_geojson(
        tmp_path / "timbuktu.geojson",
        builtin_feature(1, "ML", "ML-6", "Timbuktu", rect(-6, 15.1, 1, 24), name_fr="Tombouctou"),
    )

    out = load_boundaries(timbuktu_only, no_prune=True)

    assert "0 removed" in out
    assert set(AdminArea.objects.values_list("code", flat=True)) == set(WOF_AREAS)
    assert area("ML.MO.BA").parent == area("ML-5")


def test_after_a_boundary_load_incidents_and_places_move_to_the_region_now_holding_them(tmp_path):
    mali = builtin_feature(0, "ML", "ML", "Mali", rect(-12, 10, 4.3, 25))
    before = write_geojson(
        tmp_path / "v1.geojson",
        mali,
        builtin_feature(1, "ML", "ML-6", "Timbuktu", rect(-6, 15.1, 1, 24)),
        builtin_feature(1, "ML", "ML-5", "Mopti", rect(-6, 13.4, -2, 15.1)),
    )
    after = write_geojson(  # the border between the two regions moves south of the point
        tmp_path / "v2.geojson",
        mali,
        builtin_feature(1, "ML", "ML-6", "Timbuktu", rect(-6, 14.5, 1, 24)),
        builtin_feature(1, "ML", "ML-5", "Mopti", rect(-6, 13.4, -2, 14.5)),
    )
    douentza = "\t".join(["900000099", "Douentza", "Douentza", "", "14.8", "-4.0", "P", "PPLA2",
                          "ML", "", "06", "", "", "", "9000", "", "290", "Africa/Bamako",
                          "2022-01-01"])  # fmt: skip
    load_boundaries(before)
    incident = IncidentFactory(location=Point(-4.0, 14.8, srid=4326))
    gazetteer_load(read_geonames(write_dump(tmp_path / "ML.txt", [douentza])))
    incident.refresh_from_db()
    assert incident.admin1 == area("ML-5")
    assert place("900000099").admin1 == area("ML-5")

    load_boundaries(after)

    incident.refresh_from_db()
    assert incident.admin1 == area("ML-6")
    assert place("900000099").admin1 == area("ML-6")


def test_places_loaded_before_the_boundaries_get_their_areas_when_the_boundaries_arrive():
    load_gazetteer(ML_DUMP)
    assert place("900000002").admin1 is None

    load_boundaries(WOF)

    assert place("900000002").admin1 == area("ML-6")
    assert place("900000002").admin2 == area("ML.TB.GR")


# --- boundaries: bad input -------------------------------------------------------------------

BAD_INPUT = [
    pytest.param(BAD / "html_error_page.geojson", "not valid GeoJSON", id="not-json"),
    pytest.param(
        BAD / "gadm_scheme.geojson",
        "no admin areas of BF, ML, NE found in a known format",
        id="unknown-property-scheme",
    ),
    pytest.param(
        BAD / "web_mercator.geojson",
        "coordinates must be WGS84 longitude/latitude, not urn:ogc:def:crs:EPSG::3857",
        id="projected-crs",
    ),
    pytest.param(
        BOUNDARIES / "no-such-file.geojson", "no such file or directory", id="missing-path"
    ),
    pytest.param(
        BAD / "bare_geometry.geojson",
        "expected a GeoJSON Feature or FeatureCollection",
        id="bare-geometry",
    ),
    pytest.param(
        BAD / "feature_list.json",
        "expected a GeoJSON Feature or FeatureCollection",
        id="json-array",
    ),
    pytest.param(
        BAD / "web_mercator_without_crs.geojson",
        "longitude/latitude",
        id="projected-metres-without-crs-member",
    ),
]


@pytest.mark.parametrize(("source", "message"), BAD_INPUT)
def test_bad_boundary_input_is_refused_with_a_clear_error_and_changes_nothing(source, message):
    load_boundaries(WOF)
    before = areas_snapshot()

    with pytest.raises(CommandError) as error:
        load_boundaries(source)

    assert message in str(error.value)
    assert areas_snapshot() == before


def test_feature_without_geometry_is_skipped_with_a_warning_naming_it():
    out, err = run("load_boundaries", BAD / "missing_geometry.geojson")

    assert set(AdminArea.objects.values_list("code", flat=True)) == {"ML"}
    assert "warning: missing_geometry.geojson: Timbuktu: the feature has no geometry" in err
    assert "1 created" in out


def test_load_report_counts_the_feature_it_skipped():
    out, _ = run("load_boundaries", BAD / "missing_geometry.geojson")

    assert "1 skipped" in out


# --- boundaries and gazetteer from URLs ------------------------------------------------------


def test_boundaries_load_from_a_url_and_the_download_is_recorded(http_server):
    url = f"{http_server}/boundaries/ocha_cod_mali_adm2.geojson"

    out = load_boundaries(url)

    assert "2 created" in out
    assert set(AdminArea.objects.values_list("code", flat=True)) == {"ML0603", "ML0502"}
    dataset = ReferenceDataset.objects.get(source=url)
    assert dataset.sha256 == fingerprint(BOUNDARIES / "ocha_cod_mali_adm2.geojson")
    assert dataset.rows == 2
    assert dataset.attribution == "OCHA Common Operational Datasets (COD-AB)"


def test_gazetteer_loads_a_geonames_zip_from_a_url(http_server):
    load_gazetteer(f"{http_server}/ML.zip")

    assert set(Place.objects.values_list("source_id", flat=True)) == {
        row.source_id for row in read_geonames(ML_DUMP)
    }


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            "http://127.0.0.1:{port}/boundaries/ocha_cod_mali_adm2.geojson", id="closed-port"
        ),
        pytest.param("http://reference.invalid/x.geojson", id="unresolvable-host"),
    ],
)
def test_unreachable_url_says_the_machine_seems_offline_and_changes_nothing(url):
    url = url.format(port=closed_port())
    load_boundaries(WOF)
    before = areas_snapshot()

    with pytest.raises(Offline, match="seems to be offline"), local_copy(url):
        pass
    with pytest.raises(CommandError, match="This machine seems to be offline") as error:
        load_boundaries(url)

    assert url in str(error.value)
    assert "REFERENCE_DATA_DIR" in str(error.value), "the message says what to do instead"
    assert areas_snapshot() == before


def test_missing_file_on_a_reachable_server_is_an_http_error_not_offline(http_server):
    with pytest.raises(CommandError) as error:
        load_boundaries(f"{http_server}/boundaries/gone.geojson")

    assert "HTTP 404" in str(error.value)
    assert "offline" not in str(error.value)
    assert not AdminArea.objects.exists()


# --- gazetteer -------------------------------------------------------------------------------


def test_geonames_dump_gives_places_with_feature_codes_population_and_admin_codes():
    out = load_gazetteer(ML_DUMP)

    assert "7 places (ML): 7 created, 0 updated, 0 unchanged, 0 removed" in out
    timbuktu = place("900000001")
    assert (
        timbuktu.name,
        timbuktu.ascii_name,
        timbuktu.feature_class,
        timbuktu.feature_code,
        timbuktu.country_code,
        timbuktu.admin1_code,
        timbuktu.admin2_code,
        timbuktu.population,
        timbuktu.modified_on,
    ) == ("Tombouctou", "Tombouctou", "P", "PPLA", "ML", "08", "", 35330, date(2023, 1, 15))
    assert (timbuktu.point.x, timbuktu.point.y) == (-3.0074, 16.7735)
    assert place("900000002").admin2_code == "900000302"
    assert (place("900000006").feature_class, place("900000006").feature_code) == ("H", "LK")


def test_places_get_their_admin1_and_admin2_from_the_polygons():
    load_boundaries(WOF)
    load_gazetteer(ML_DUMP)
    load_boundaries(WOF)  # nothing changes, nothing re-derived

    def areas_of(source_id):
        found = place(source_id)
        return (found.admin1 and found.admin1.code, found.admin2 and found.admin2.code)

    assert areas_of("900000001") == ("ML-6", None)  # Timbuktu: no cercle in the fixture
    assert areas_of("900000002") == ("ML-6", "ML.TB.GR")  # Gourma Rharous
    assert areas_of("900000003") == ("ML-5", "ML.MO.BA")  # Bandiagara
    assert areas_of("900000004") == (None, None)  # Ségou: in Mali, in no fixture region


def test_place_names_are_main_ascii_and_alternate_names_once_per_normalised_form():
    load_gazetteer(ML_DUMP)

    assert names_of("900000001") == {
        "Tombouctou": True,
        "Timbuktu": False,
        "Tin Buktu": False,
        "Tumbutu": False,
    }
    # "Segou", "SEGOU" and "Ségou" are one normalised name.
    assert names_of("900000004") == {"Ségou": True, "Segu": False}
    # The ASCII name is kept when it is not just the main name without accents.
    assert names_of("900000005") == {"Ɲamina": True, "Nyamina": False, "Niamina": False}
    assert PlaceName.objects.filter(is_primary=True).count() == Place.objects.count()


def test_geonames_zip_as_published_with_its_readme_loads_like_the_text_dump(tmp_path):
    out = load_gazetteer(geonames_zip(tmp_path / "ML.zip", ML_DUMP))

    assert "7 places (ML): 7 created" in out
    rows = read_geonames(ML_DUMP)
    assert sorted(Place.objects.values_list("source_id", "name")) == sorted(
        (r.source_id, r.name) for r in rows
    )
    assert names_of("900000004") == {"Ségou": True, "Segu": False}


@pytest.mark.django_db(transaction=True)
def test_loading_the_same_dump_twice_changes_nothing():
    load_boundaries(WOF)
    load_gazetteer(ML_DUMP)
    before = places_snapshot()

    out = load_gazetteer(ML_DUMP)

    assert "7 places (ML): 0 created, 0 updated, 7 unchanged, 0 removed; names +0 ~0 -0" in out
    assert places_snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_the_commands_skip_a_file_already_loaded_unless_forced():
    load_boundaries(WOF, force=False)
    load_gazetteer(ML_DUMP, force=False)
    before = areas_snapshot(), places_snapshot()

    boundaries = load_boundaries(WOF, force=False)
    gazetteer = load_gazetteer(ML_DUMP, force=False)

    assert f"unchanged (8 rows from {WOF})" in boundaries
    assert f"unchanged (7 rows from {ML_DUMP})" in gazetteer
    assert (areas_snapshot(), places_snapshot()) == before
    assert "8 unchanged" in load_boundaries(WOF, force=True)


@pytest.mark.django_db(transaction=True)
def test_a_changed_row_updates_its_place_and_names_in_place(tmp_path):
    load_gazetteer(ML_DUMP)
    bandiagara_id = place("900000003").pk
    newer = [
        line.replace("Bandiagara,Bandjagara\t", "Bandiagara,Bandiagara Cercle\t").replace(
            "\t17166\t", "\t20000\t"
        )
        for line in dump_lines(ML_DUMP)
    ]

    out = load_gazetteer(write_dump(tmp_path / "ML.txt", newer))

    assert "0 created, 1 updated, 6 unchanged, 0 removed; names +1 ~0 -1" in out
    assert place("900000003").pk == bandiagara_id
    assert place("900000003").population == 20000
    assert names_of("900000003") == {"Bandiagara": True, "Bandiagara Cercle": False}


def test_malformed_lines_are_skipped_and_reported():
    out, err = run("load_gazetteer", FIXTURES / "geonames" / "malformed" / "ML.txt")

    assert set(Place.objects.values_list("source_id", flat=True)) == {"900000001", "900000003"}
    assert "3 unreadable lines skipped" in out
    assert "warning: ML.txt line 2: expected 19 tab-separated columns, found 18" in err
    assert "warning: ML.txt line 3: could not convert string to float: '13,4317'" in err
    assert "warning: ML.txt line 4: coordinates out of range (97.5, -6.9986)" in err


def test_a_file_with_no_valid_line_is_refused_and_changes_nothing():
    load_gazetteer(ML_DUMP)
    before = places_snapshot()

    with pytest.raises(CommandError) as error:
        load_gazetteer(FIXTURES / "geonames" / "admin1CodesASCII.txt")

    assert "admin1CodesASCII.txt: no place in GeoNames dump format" in str(error.value)
    assert "expected 19 tab-separated columns, found 4" in str(error.value)
    assert places_snapshot() == before
    assert not ReferenceDataset.objects.filter(source__contains="admin1Codes").exists()


@pytest.mark.django_db(transaction=True)
def test_a_place_missing_from_a_newer_dump_is_removed_unless_an_incident_refers_to_it(tmp_path):
    load_gazetteer(ML_DUMP)
    IncidentFactory(place=place("900000003"), location=Point(-3.61, 14.35, srid=4326))
    without_bandiagara_and_segou = [
        line for line in dump_lines(ML_DUMP) if not line.startswith(("900000003\t", "900000004\t"))
    ]

    out = load_gazetteer(write_dump(tmp_path / "ML.txt", without_bandiagara_and_segou))

    assert "5 places (ML): 0 created, 0 updated, 5 unchanged, 1 removed" in out
    assert not Place.objects.filter(source_id="900000004").exists()
    assert not PlaceName.objects.filter(name__in=["Ségou", "Segu"]).exists()
    assert names_of("900000003") == {"Bandiagara": True, "Bandjagara": False}
    assert Incident.objects.get().place == place("900000003")


@pytest.mark.django_db(transaction=True)
def test_no_prune_keeps_the_places_that_a_newer_dump_lacks(tmp_path):
    load_gazetteer(ML_DUMP)
    without_segou = [line for line in dump_lines(ML_DUMP) if not line.startswith("900000004\t")]

    load_gazetteer(write_dump(tmp_path / "ML.txt", without_segou), no_prune=True)

    assert names_of("900000004") == {"Ségou": True, "Segu": False}


@pytest.mark.django_db(transaction=True)
def test_the_later_record_of_a_place_in_two_countries_dumps_wins_whatever_the_load_order():
    def dune():
        found = place("900000007")
        return (
            found.country_code,
            found.name,
            found.admin1_code,
            found.modified_on,
            (found.point.x, found.point.y),
            names_of("900000007"),
        )

    newer_mali_record = (
        "ML",
        "Erg In Sakane",
        "08",
        date(2021, 8, 7),
        (0.8, 19.6),
        {"Erg In Sakane": True, "In Sakane": False},
    )

    load_gazetteer(ML_DUMP)
    out = load_gazetteer(NE_DUMP)
    assert "1 older records skipped" in out
    assert dune() == newer_mali_record
    assert Place.objects.count() == 8

    Place.objects.all().delete()
    load_gazetteer(NE_DUMP)
    load_gazetteer(ML_DUMP)
    assert dune() == newer_mali_record
    assert Place.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_loading_an_older_dump_keeps_the_newer_records_it_supersedes(tmp_path):
    load_gazetteer(ML_DUMP)
    older = [
        line.replace("\t17166\t", "\t15000\t").replace("\t2022-11-03", "\t2019-05-20")
        for line in dump_lines(ML_DUMP)
    ]

    out = load_gazetteer(write_dump(tmp_path / "ML.txt", older))

    assert "1 older records skipped" in out
    assert place("900000003").population == 17166
    assert place("900000003").modified_on == date(2022, 11, 3)


@pytest.mark.django_db(transaction=True)
def test_real_geonames_rows_for_a_country_retire_its_builtin_places():
    gazetteer_load(read_geonames(reference_setup.BUILTIN_PLACES), source=PlaceSource.BUILTIN)
    builtin_counts = {
        c: Place.objects.filter(source="builtin", country_code=c).count()
        for c in ("ML", "BF", "NE")
    }
    kept = Place.objects.get(source="builtin", country_code="ML", name="Gao")
    IncidentFactory(place=kept, location=kept.point)

    out = load_gazetteer(ML_DUMP)

    assert f"{builtin_counts['ML'] - 1} removed" in out
    assert list(Place.objects.filter(source="builtin", country_code="ML")) == [kept]
    for country in ("BF", "NE"):
        assert (
            Place.objects.filter(source="builtin", country_code=country).count()
            == (builtin_counts[country])
        )
    assert Place.objects.filter(source="geonames").count() == 7


def test_two_gazetteer_loads_in_one_transaction_work():
    with transaction.atomic():
        gazetteer_load(read_geonames(ML_DUMP))
        gazetteer_load(read_geonames(BF_DUMP))

    assert Place.objects.count() == 9


# --- setup_reference_data --------------------------------------------------------------------


@pytest.fixture
def builtin_boundaries_fixture(monkeypatch):
    """The built-in boundaries file replaced by the fixture in the same format, so that these
    tests do not depend on the project's built-in shapes."""
    monkeypatch.setattr(reference_setup, "BUILTIN_BOUNDARIES", BUILTIN_FORMAT)


def setup_log(**options) -> list[str]:
    return run("setup_reference_data", **options)[0].splitlines()


def logged(lines: list[str], prefix: str) -> str:
    found = [line for line in lines if line.startswith(prefix)]
    assert len(found) == 1, f"one line starting {prefix!r} in {lines}"
    return found[0]


def everything_snapshot():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ctid::text, name, sha256, rows, loaded_at "
            "FROM incidents_referencedataset ORDER BY id"
        )
        datasets = cursor.fetchall()
        cursor.execute("SELECT id, ctid::text FROM actors_actor ORDER BY id")
        actors = cursor.fetchall()
    return areas_snapshot(), places_snapshot(), datasets, actors


def test_setup_without_reference_dir_loads_the_builtin_set_says_so_and_then_changes_nothing(
    settings, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = ""

    lines = setup_log()

    assert logged(lines, "actors:catalogue: ")
    assert logged(lines, "boundaries: using the built-in simplified boundaries")
    assert "7 created" in logged(lines, "boundaries:builtin: ")
    assert logged(lines, "gazetteer:builtin: ").startswith("gazetteer:builtin: 350 places")
    assert Actor.objects.count() >= len(read_catalogue()["actors"])
    assert set(AdminArea.objects.values_list("source", flat=True)) == {"builtin"}
    assert Place.objects.filter(source="builtin").count() == 350
    assert place("1", source="builtin").names.filter(is_primary=True).count() == 1
    before = everything_snapshot()

    again = setup_log()

    for name in ("actors:catalogue", "boundaries:builtin", "gazetteer:builtin"):
        assert logged(again, f"{name}: ").startswith(f"{name}: unchanged")
    assert everything_snapshot() == before


def test_projects_builtin_set_has_the_three_countries_regions_and_each_capital_in_its_region(
    settings,
):
    # The project's own built-in files, not the fixture.
    settings.REFERENCE_DATA_DIR = ""
    if not reference_setup.BUILTIN_BOUNDARIES.is_file():
        pytest.skip("the built-in boundaries file is not there yet")

    setup_log()

    counts = {
        (c, level): AdminArea.objects.filter(country_code=c, level=level).count()
        for c in ("ML", "BF", "NE")
        for level in (0, 1, 2)
    }
    assert counts == {
        ("ML", 0): 1,
        ("ML", 1): 9,
        ("ML", 2): 0,
        ("BF", 0): 1,
        ("BF", 1): 13,
        ("BF", 2): 0,
        ("NE", 0): 1,
        ("NE", 1): 8,
        ("NE", 2): 0,
    }
    assert not AdminArea.objects.filter(level=1, parent__isnull=True).exists()
    # Every built-in region capital lies in the region its admin1 code names.
    capitals = Place.objects.filter(source="builtin", feature_code__in=["PPLA", "PPLC"])
    assert capitals.count() == 30
    misplaced = [
        (p.name, p.admin1_code, p.admin1 and p.admin1.code)
        for p in capitals
        if p.admin1 is None or p.admin1.code != f"{p.country_code}-{p.admin1_code}"
    ]
    assert misplaced == []


def test_setup_without_builtin_boundaries_file_still_loads_the_places(
    settings, monkeypatch, tmp_path
):
    settings.REFERENCE_DATA_DIR = ""
    monkeypatch.setattr(reference_setup, "BUILTIN_BOUNDARIES", tmp_path / "boundaries.geojson")

    lines = setup_log()

    assert any("boundaries" in line and "built-in" in line for line in lines)
    assert Place.objects.filter(source="builtin").count() == 350


@pytest.mark.django_db(transaction=True)
def test_setup_from_reference_dir_loads_the_published_files_and_keeps_them_afterwards(
    settings, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = str(DATA)

    lines = setup_log()

    assert "8 created" in logged(lines, "boundaries:wof: ")
    assert logged(lines, "gazetteer:geonames:ML: ").startswith("gazetteer:geonames:ML: 7 places")
    assert logged(lines, "gazetteer:geonames:BF: ").startswith("gazetteer:geonames:BF: 2 places")
    assert not any(line.startswith("boundaries:builtin") for line in lines)
    assert area_rows().keys() == WOF_AREAS.keys()
    # Niger has no dump in the folder: its built-in places are loaded, the others' are not.
    assert set(Place.objects.filter(source="builtin").values_list("country_code", flat=True)) == {
        "NE"
    }
    assert Place.objects.filter(source="geonames").count() == 9
    assert place("900100001").admin1 == area("BF-12")  # Djibo
    assert place("900100001").admin2 == area("BF.SA.SO")
    published = everything_snapshot()

    again = setup_log()

    for name in (
        "actors:catalogue",
        "boundaries:wof",
        "gazetteer:geonames:ML",
        "gazetteer:geonames:BF",
        "gazetteer:builtin",
    ):
        assert logged(again, f"{name}: ").startswith(f"{name}: unchanged")
    assert everything_snapshot() == published

    settings.REFERENCE_DATA_DIR = ""
    without = setup_log()

    assert logged(without, "boundaries: keeping the published boundaries already loaded")
    assert not any(line.startswith("boundaries:builtin") for line in without)
    assert everything_snapshot() == published


@pytest.mark.django_db(transaction=True)
def test_published_files_replace_the_builtin_set_an_earlier_setup_loaded(
    settings, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = ""
    setup_log()
    niger_areas = {a.code: a.pk for a in AdminArea.objects.filter(country_code="NE")}
    incident = Incident.objects.get(pk=IncidentFactory(location=Point(-1.9, 16.9, srid=4326)).pk)
    assert (incident.admin1.code, incident.admin1.source) == ("ML-6", "builtin")

    settings.REFERENCE_DATA_DIR = str(DATA)
    setup_log()

    # Mali's and Burkina's built-in countries and regions become Who's On First's (same codes,
    # updated in place); Niger, which the folder lacks, keeps its built-in areas.
    assert {a.code: a.source for a in AdminArea.objects.filter(country_code__in=["ML", "BF"])} == {
        code: "wof" for code in WOF_AREAS
    }
    assert {a.code: a.pk for a in AdminArea.objects.filter(country_code="NE")} == niger_areas
    assert set(Place.objects.filter(source="builtin").values_list("country_code", flat=True)) == {
        "NE"
    }
    incident.refresh_from_db()
    assert (incident.admin1.code, incident.admin2.code) == ("ML-6", "ML.TB.GR")


def test_reference_datasets_record_source_fingerprint_rows_attribution_and_licence(
    settings, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = ""
    setup_log()

    datasets = {d.name: d for d in ReferenceDataset.objects.all()}

    assert set(datasets) == {"actors:catalogue", "boundaries:builtin", "gazetteer:builtin"}
    boundaries, places = datasets["boundaries:builtin"], datasets["gazetteer:builtin"]
    assert (boundaries.source, boundaries.sha256, boundaries.rows) == (
        str(BUILTIN_FORMAT),
        hashlib.sha256(BUILTIN_FORMAT.read_bytes()).hexdigest(),
        7,
    )
    assert (places.source, places.sha256, places.rows) == (
        str(reference_setup.BUILTIN_PLACES),
        hashlib.sha256(reference_setup.BUILTIN_PLACES.read_bytes()).hexdigest(),
        350,
    )
    for dataset in datasets.values():
        assert dataset.attribution
        assert dataset.licence == "CC BY 4.0"


@pytest.mark.django_db(transaction=True)
def test_published_datasets_record_their_publishers_attribution(
    settings, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = str(DATA)
    setup_log()

    datasets = {d.name: d for d in ReferenceDataset.objects.all()}

    wof, geonames_ml = datasets["boundaries:wof"], datasets["gazetteer:geonames:ML"]
    assert (wof.source, wof.sha256, wof.rows) == (str(WOF), fingerprint(WOF), 8)
    assert wof.attribution.startswith("Who's On First")
    assert (geonames_ml.source, geonames_ml.rows) == (str(ML_DUMP), 7)
    assert geonames_ml.sha256 == hashlib.sha256(ML_DUMP.read_bytes()).hexdigest()
    assert (geonames_ml.attribution, geonames_ml.licence) == ("GeoNames, geonames.org", "CC BY 4.0")


@pytest.mark.django_db(transaction=True)
def test_loading_a_newer_file_updates_the_datasets_record_and_date(tmp_path):
    load_gazetteer(ML_DUMP)
    first = ReferenceDataset.objects.get(name="gazetteer:geonames:ML")
    newer = write_dump(tmp_path / "ML.txt", dump_lines(ML_DUMP)[:-1])

    load_gazetteer(newer)

    second = ReferenceDataset.objects.get(name="gazetteer:geonames:ML")
    assert (second.source, second.sha256, second.rows) == (str(newer), fingerprint(newer), 6)
    assert second.loaded_at > first.loaded_at


def test_actor_catalogue_dataset_records_how_many_actors_it_holds(
    settings, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = ""
    setup_log()

    assert ReferenceDataset.objects.get(name="actors:catalogue").rows == len(
        read_catalogue()["actors"]
    )


def test_setup_with_download_and_the_publishers_unreachable_falls_back_to_the_builtin_set(
    settings, monkeypatch, builtin_boundaries_fixture
):
    settings.REFERENCE_DATA_DIR = ""
    port = closed_port()
    monkeypatch.setattr(reference_setup, "GEONAMES_URL", f"http://127.0.0.1:{port}/{{country}}.zip")
    monkeypatch.setattr(
        reference_setup,
        "GEOBOUNDARIES_URL",
        f"http://127.0.0.1:{port}/{{iso3}}/ADM{{level}}.geojson",
    )

    lines = setup_log(download=True)

    offline = [line for line in lines if line.startswith("OFFLINE: ")]
    assert len(offline) == 2, "one for the boundaries, one for the gazetteer"
    assert all("seems to be offline" in line for line in offline)
    assert "7 created" in logged(lines, "boundaries:builtin: ")
    assert Place.objects.filter(source="builtin").count() == 350
    assert not ReferenceDataset.objects.filter(source__startswith="http").exists()


# --- the basemap after boundary loads --------------------------------------------------------


def _basemap_names() -> set[str]:
    return {f["properties"]["name"] for f in json.loads(basemap_geojson())["features"]}


@pytest.mark.django_db(transaction=True)
def test_basemap_shows_an_area_renamed_by_a_reload(tmp_path):
    mali = builtin_feature(0, "ML", "ML", "Mali", rect(-12, 10, 4.3, 25))
    load_boundaries(
        write_geojson(
            tmp_path / "v1.geojson",
            mali,
            builtin_feature(1, "ML", "ML-6", "Timbuktu", rect(-6, 15.1, 1, 24)),
        )
    )
    assert _basemap_names() == {"Mali", "Timbuktu"}

    load_boundaries(
        write_geojson(
            tmp_path / "v2.geojson",
            mali,
            builtin_feature(1, "ML", "ML-6", "Tombouctou", rect(-6, 15.1, 1, 24)),
        )
    )

    assert _basemap_names() == {"Mali", "Tombouctou"}


@pytest.mark.django_db(transaction=True)
def test_basemap_drops_an_area_pruned_by_a_reload(tmp_path):
    mali = builtin_feature(0, "ML", "ML", "Mali", rect(-12, 10, 4.3, 25))
    timbuktu = builtin_feature(1, "ML", "ML-6", "Timbuktu", rect(-6, 15.1, 1, 24))
    mopti = builtin_feature(1, "ML", "ML-5", "Mopti", rect(-6, 13.4, -2, 15.1))
    load_boundaries(write_geojson(tmp_path / "v1.geojson", mali, timbuktu, mopti))
    assert _basemap_names() == {"Mali", "Timbuktu", "Mopti"}

    load_boundaries(write_geojson(tmp_path / "v2.geojson", mali, timbuktu))

    assert _basemap_names() == {"Mali", "Timbuktu"}

"""Pages and map data: login and role required; viewers see published data only and no
personal data; bad input gets a clear 400."""

import gzip
import json

import pytest
from django.contrib.gis.geos import Point

from incidents.models import CivilianHarmReport, Status, Victim
from tests.factories import ClaimFactory, IncidentFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return IncidentFactory(
        title="Published ambush", status=Status.PUBLISHED, published_at="2024-03-02T00:00:00Z"
    )


@pytest.fixture
def draft():
    return IncidentFactory(title="Draft raid", location=Point(1.0, 14.0, srid=4326))


@pytest.mark.parametrize(
    "url", ["/", "/map/incidents.geojson", "/map/basemap.geojson", "/incidents/1/"]
)
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get("/").status_code == 403
    assert client.get("/map/incidents.geojson").status_code == 403


def test_viewers_see_published_incidents_only(client, users, published, draft):
    client.force_login(users["viewer"])
    titles = {
        f["properties"]["title"] for f in client.get("/map/incidents.geojson").json()["features"]
    }
    assert titles == {"Published ambush"}
    assert client.get(f"/incidents/{draft.pk}/").status_code == 404
    assert client.get(f"/incidents/{published.pk}/").status_code == 200


def test_editors_see_every_status(client, users, published, draft):
    client.force_login(users["editor"])
    titles = {
        f["properties"]["title"] for f in client.get("/map/incidents.geojson").json()["features"]
    }
    assert titles == {"Published ambush", "Draft raid"}


def test_map_data_is_limited_to_the_bounding_box(client, users, published, draft):
    client.force_login(users["editor"])
    data = client.get("/map/incidents.geojson?bbox=0,13,2,15").json()
    assert [f["properties"]["title"] for f in data["features"]] == ["Draft raid"]
    assert data["truncated"] is False


@pytest.mark.parametrize("bbox", ["1,2", "a,b,c,d", "10,10,5,5", "-200,0,0,10"])
def test_a_malformed_bounding_box_is_a_clear_400(client, users, bbox):
    client.force_login(users["viewer"])
    response = client.get(f"/map/incidents.geojson?bbox={bbox}")
    assert response.status_code == 400
    assert "bbox" in response.json()["error"]


def test_victim_names_and_informants_are_hidden_from_viewers(client, users, published):
    source = SourceFactory(informant="Witness Aminata, phone 7000")
    ClaimFactory(incident=published, source=source, fatalities_best=2)
    report = CivilianHarmReport.objects.create(incident=published, grade="weak", killed_children=1)
    Victim.objects.create(
        report=report,
        name="Fatouma Secret",
        age_years=6,
        age_group="child",
        status="killed",
        injury="Shrapnel wound to the head",
    )
    client.force_login(users["viewer"])
    page = client.get(f"/incidents/{published.pk}/").content.decode()
    assert "Fatouma Secret" not in page and "Aminata" not in page and "Shrapnel" not in page
    assert "6 years (child" in page  # the victim record itself is shown, without the name
    client.force_login(users["editor"])
    page = client.get(f"/incidents/{published.pk}/").content.decode()
    assert "Fatouma Secret" in page and "Aminata" in page and "Shrapnel" in page


def test_detail_shows_claims_side_by_side(client, users, published):
    ClaimFactory(
        incident=published,
        source=SourceFactory(publisher="Army communiqué", reliability="C"),
        fatalities_best=3,
    )
    ClaimFactory(
        incident=published,
        source=SourceFactory(publisher="Rights group", reliability="B"),
        fatalities_best=12,
    )
    client.force_login(users["viewer"])
    page = client.get(f"/incidents/{published.pk}/").content.decode()
    assert page.index("Rights group") < page.index("Army communiqué")
    assert "derived from the claims below" in page


def test_about_page_is_public_and_lists_attribution(client):
    from incidents.models import ReferenceDataset

    ReferenceDataset.objects.create(
        name="gazetteer:geonames:ML",
        source="ML.zip",
        sha256="x",
        attribution="GeoNames, geonames.org",
        licence="CC BY 4.0",
    )
    page = client.get("/about/").content.decode()
    assert "GeoNames, geonames.org" in page and "CC BY 4.0" in page


def test_pages_load_no_asset_from_another_host(client, users):
    import re

    client.force_login(users["viewer"])
    page = client.get("/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls, "the map page should reference its assets"
    assert not [u for u in urls if u.startswith(("http://", "https://", "//"))]


def test_map_data_is_compressed_but_pages_with_a_csrf_token_are_not(
    client, users, published, reference_data
):
    """JSON carries no secret of the session, so it is gzipped; pages carry the CSRF token of
    the logout form, so compressing them would expose it to BREACH."""
    client.force_login(users["viewer"])
    data = client.get("/map/incidents.geojson", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert data.status_code == 200 and data["Content-Encoding"] == "gzip"
    assert gzip.decompress(data.content).startswith(b'{"type":"FeatureCollection"')
    basemap = client.get("/map/basemap.geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert basemap["Content-Encoding"] == "gzip"
    page = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert not page.has_header("Content-Encoding")


def test_the_base_map_is_still_served_when_the_cache_is_down(
    client, users, settings, private_redis, reference_data
):
    url, process = private_redis
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    client.force_login(users["viewer"])
    with_cache = client.get("/map/basemap.geojson")
    assert with_cache.status_code == 200
    process.terminate()
    process.wait(timeout=10)

    without_cache = client.get("/map/basemap.geojson")

    assert without_cache.status_code == 200
    assert without_cache.content == with_cache.content
    assert json.loads(without_cache.content)["features"], "the base layer is not lost"

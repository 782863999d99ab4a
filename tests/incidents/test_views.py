"""Pages and map data: login and role required; viewers see published data only and no
personal data; bad input gets a clear 400."""

import gzip
import json

import pytest
from django.contrib.gis.geos import Point

from incidents.models import CivilianHarmReport, Incident, Status, Victim
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, SourceFactory, UserFactory

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
    "url",
    [
        "/",
        "/incidents/",
        "/map/data.json?z=5&bbox=-12,9,16,24",
        "/map/timeline.json",
        "/map/areas.json",
        "/map/basemap.geojson",
        "/incidents/1/",
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get("/").status_code == 403
    assert client.get("/map/data.json?z=14&bbox=-12,9,16,24").status_code == 403


def titles_at_points(client, bbox="-12,9,16,24") -> set[str]:
    """The titles of the incidents drawn at their points, each group's list asked for."""
    data = client.get(f"/map/data.json?z=14&bbox={bbox}").json()
    assert data["mode"] == "points"
    titles = set()
    for point in data["points"]:
        group = client.get(f"/map/incidents/{point[6]}/here.json").json()
        assert group["n"] == point[2]
        titles |= {row[3] for row in group["incidents"]}
    return titles


def test_viewers_see_published_incidents_only(client, users, published, draft):
    client.force_login(users["viewer"])
    assert titles_at_points(client) == {"Published ambush"}
    cells = client.get("/map/data.json?z=5&bbox=-12,9,16,24").json()
    assert (cells["mode"], cells["total"]) == ("cells", 1)
    assert client.get(f"/incidents/{draft.pk}/").status_code == 404
    assert client.get(f"/incidents/{published.pk}/").status_code == 200
    assert client.get(f"/map/incidents/{draft.pk}.json").status_code == 404
    # Nor does what stands at the draft's point.
    assert client.get(f"/map/incidents/{draft.pk}/here.json").status_code == 404
    assert "Draft raid" not in client.get("/incidents/").content.decode()


def test_editors_see_every_status(client, users, published, draft):
    client.force_login(users["editor"])
    assert titles_at_points(client) == {"Published ambush", "Draft raid"}
    assert client.get("/map/data.json?z=5&bbox=-12,9,16,24").json()["total"] == 2
    page = client.get("/incidents/").content.decode()
    assert "Draft raid" in page and "Published ambush" in page


def test_map_data_is_limited_to_the_bounding_box(client, users, published, draft):
    client.force_login(users["editor"])
    assert titles_at_points(client, "0,13,2,15") == {"Draft raid"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("z=5&bbox=1,2", "bbox"),
        ("z=5&bbox=a,b,c,d", "bbox"),
        ("z=5&bbox=10,10,5,5", "bbox"),
        ("z=5&bbox=-200,0,0,10", "bbox"),
        ("bbox=-12,9,16,24", "z"),
        ("z=far&bbox=-12,9,16,24", "z"),
        ("z=5&bbox=-12,9,16,24&date_from=yesterday", "date_from"),
        ("z=5&bbox=-12,9,16,24&actor=nobody-at-all", "actor"),
    ],
)
def test_a_malformed_map_parameter_is_a_clear_400_naming_it(client, users, query, parameter):
    client.force_login(users["viewer"])
    response = client.get(f"/map/data.json?{query}")
    assert response.status_code == 400
    assert parameter in response.json()["errors"]
    assert parameter in response.json()["error"]


def test_a_repeated_map_request_is_answered_not_modified(client, users, published):
    client.force_login(users["viewer"])
    url = "/map/data.json?z=5&bbox=-12,9,16,24"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    IncidentFactory(status=Status.PUBLISHED, published_at="2024-01-01T00:00:00Z")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["total"] == 2


def test_the_list_is_filtered_sorted_and_refuses_bad_filters(client, users, published, draft):
    client.force_login(users["editor"])
    page = client.get("/incidents/?q=raid").content.decode()
    assert "Draft raid" in page and "Published ambush" not in page
    bad = client.get("/incidents/?date_from=soon")
    assert bad.status_code == 400 and "date_from" in bad.content.decode()
    assert client.get("/incidents/?sort=colour").status_code == 400


def test_the_list_form_keeps_the_filters_it_does_not_show(client, users, published):
    client.force_login(users["viewer"])
    page = client.get("/incidents/?actor=nobody&actor_members=true&admin1=7&sort=title&q=raid")
    assert page.status_code == 400  # no such actor here: said, and still kept in the form
    html = page.content.decode()
    for name, value in [("actor", "nobody"), ("actor_members", "true"), ("admin1", "7")]:
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    assert '<input type="hidden" name="sort" value="title">' in html
    assert 'type="hidden" name="q"' not in html  # shown in the form, not kept twice


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


def test_the_history_shows_editors_who_changed_what_and_masks_personal_data(
    client, users, published
):
    import pghistory

    actor = ActorFactory(name="Katiba Test")
    with pghistory.context(user=users["editor"].pk):
        Incident.objects.filter(pk=published.pk).update(title="Ambush near Djibo", fatalities_low=4)
        report = CivilianHarmReport.objects.create(
            incident=published, grade="weak", alleged_perpetrator=actor
        )
        Victim.objects.create(report=report, name="Hawa Secret", age_group="adult", status="killed")
    client.force_login(users["viewer"])
    page = client.get(f"/incidents/{published.pk}/").content.decode()
    assert "History" not in page  # viewers read the record, not its making
    client.force_login(users["reviewer"])
    page = client.get(f"/incidents/{published.pk}/").content.decode()
    history = page[page.index('<section class="history">') :]
    assert "<del>Published ambush</del> → <ins>Ambush near Djibo</ins>" in history
    assert history.count(">editor<") == 3  # the change, the assessment and the victim
    assert "Katiba Test" in history  # the actor by its name, not its id
    assert "Weak" in history or "weak" in history
    assert "Hawa Secret" in history
    # Whoever may read the history without personal data gets it masked.
    from incidents.selectors import incident_history

    masked = incident_history(published, personal=False)
    victim = next(e for e in masked if e.what.startswith("victim"))
    assert ("name", "—", "•••") in [(str(c[0]).lower(), c[1], c[2]) for c in victim.changes]


def test_the_incident_page_maps_the_place_as_precisely_as_it_is_known(
    client, users, published, draft
):
    client.force_login(users["viewer"])
    page = client.get(f"/incidents/{published.pk}/")
    assert 'id="incident-map"' in page.content.decode()
    place = json.loads(
        page.content.decode().split('id="incident-place" type="application/json">')[1].split("<")[0]
    )
    assert place["lat"] == pytest.approx(published.location.y)
    assert place["geo_precision"] == published.geo_precision
    Incident.objects.filter(pk=draft.pk).update(location=None)  # a draft may lack a place
    client.force_login(users["editor"])
    page = client.get(f"/incidents/{draft.pk}/").content.decode()
    assert 'id="incident-map"' not in page and "incident-place" not in page


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
    for n in range(4):
        IncidentFactory(
            title=f"Published clash number {n}",
            location=Point(-3 + n, 14, srid=4326),
            status=Status.PUBLISHED,
            published_at="2024-03-02T00:00:00Z",
        )
    client.force_login(users["viewer"])
    data = client.get("/map/data.json?z=14&bbox=-12,9,16,24", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert data.status_code == 200 and data["Content-Encoding"] == "gzip"
    assert gzip.decompress(data.content).startswith(b'{"mode":"points"')
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


def test_the_list_pages_by_fifty_and_its_links_keep_the_filters(client, users):
    IncidentFactory.create_batch(
        51, status=Status.PUBLISHED, published_at="2024-03-02T00:00:00Z", event_type="battles"
    )
    client.force_login(users["editor"])
    first = client.get("/incidents/?event_type=battles").content.decode()
    assert "page 1 of 2" in first and "previous</a>" not in first
    assert 'href="?event_type=battles&amp;page=2"' in first
    second = client.get("/incidents/?event_type=battles&page=2").content.decode()
    assert "page 2 of 2" in second and "next</a>" not in second

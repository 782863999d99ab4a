"""The actor pages in real headless Chromium: find an actor in the directory by another of its
names, open its page, and see its incidents drawn on the map, its months and its relations, on
a desktop and on a phone, with no request leaving the server. Screenshots go to
var/test-artifacts/."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from actors.models import Actor
from incidents.models import Status
from tests.factories import IncidentActorFactory, IncidentFactory, UserFactory
from tests.incidents.test_browser import ARTIFACTS, browser_page, log_in  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    """The whole page, kept as a test artifact in var/test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_viewer_finds_jnim_and_sees_its_incidents_on_the_map(
    live_server,
    committed_reference_data,
    browser_page,  # noqa: F811
):
    jnim = Actor.objects.get(slug="jnim")
    places = [(-3.85, 14.44), (-1.53, 14.35), (0.12, 13.52)]
    for n, (lon, lat) in enumerate(places):
        made = IncidentFactory(
            date_start=date(2024, 3 + n, 1),
            date_end=date(2024, 3 + n, 1),
            location=Point(lon, lat, srid=4326),
            status=Status.PUBLISHED,
            published_at="2024-06-01T00:00:00Z",
            fatalities_best=n + 1,
            fatalities_override=True,
        )
        IncidentActorFactory(incident=made, actor=jnim)
    UserFactory(username="analyst", role="viewer")
    requests = []
    browser_page.on("request", lambda request: requests.append(request.url))

    log_in(browser_page, live_server.url, "analyst")
    browser_page.wait_for_url(f"{live_server.url}/")
    browser_page.click("header nav a[href='/actors/']")
    browser_page.fill("input[name=q]", "GSIM")  # JNIM's French acronym
    browser_page.click("form[role=search] button[type=submit]")
    browser_page.wait_for_url("**/actors/?q=GSIM&*")
    rows = browser_page.locator("table.actors tbody tr")
    assert rows.count() == 1
    assert "found as “GSIM”" in rows.first.inner_text()
    rows.first.locator("a").first.click()

    browser_page.wait_for_url(f"{live_server.url}/actors/jnim/")
    browser_page.wait_for_function("document.body.dataset.actorCells === '3'")
    assert browser_page.locator("#actor-map path.actor-cell").count() == 3
    browser_page.wait_for_function(
        "document.querySelectorAll('#actor-map .leaflet-basemap-pane path').length > 3"
    )
    assert browser_page.locator("svg.actor-months g.month").count() == 3
    assert browser_page.locator("ol.relation-rows li").count() == 7
    shot(browser_page, "actor-page")

    # On a phone the relation labels wrap above their bars, and the bars fill the width.
    browser_page.set_viewport_size({"width": 390, "height": 844})
    label = browser_page.locator("ol.relation-rows li .label").first.bounding_box()
    bar = browser_page.locator("ol.relation-rows svg.relation-bar").first.bounding_box()
    assert label["y"] + label["height"] <= bar["y"] + 1
    assert 320 < bar["width"] <= 390
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(browser_page, "actor-page-phone")

    # The option counts member groups too, as soon as it is ticked.
    browser_page.check("input[name=members]")
    browser_page.wait_for_url("**/actors/jnim/?members=1")
    assert browser_page.is_checked("input[name=members]")

    foreign = [
        u for u in requests if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert foreign == [], f"requests left the server: {foreign}"

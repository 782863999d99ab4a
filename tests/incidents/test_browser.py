"""The map in real headless Chromium: the demo over the offline base layer with no request leaving
the server, filters, a shared URL, the back button, brushing the timeline, co-located incidents
as a list, a popup linking to the incident page, French. Screenshots go to var/test-artifacts/."""

import csv
import io
import json
import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Incident, Status
from incidents.sampledata.demo import demo_load
from tests.conftest import require_chromium
from tests.factories import IncidentFactory, UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture
def browser_page():
    chromium = require_chromium()  # skips locally, fails under CI (CI set) when missing
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test's own ORM calls are done before it starts.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
        )
        context = browser.new_context()
        # Generous: a shared CI machine may be busy; a missing element still fails the test.
        context.set_default_timeout(60000)
        page = context.new_page()
        yield page
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("main form button[type=submit]")


def wait_for_map(page, total=None):
    """Until the map has drawn its latest data (and, with `total`, that many incidents)."""
    page.wait_for_function("document.body && document.body.dataset.incidentsLoaded")
    if total is not None:
        page.wait_for_function(f"document.body.dataset.mapTotal === '{total}'")


def shot(page, name):
    """Screenshots are kept as test artifacts in var/test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_viewer_sees_the_demo_incidents_on_the_map_without_leaving_the_server(
    live_server, committed_reference_data, browser_page
):
    demo_load()
    UserFactory(username="monitor", role="viewer")
    requests = []
    browser_page.on("request", lambda request: requests.append(request.url))

    log_in(browser_page, live_server.url, "monitor")
    browser_page.wait_for_url(f"{live_server.url}/")
    wait_for_map(browser_page, total=2)
    assert browser_page.evaluate("document.body.dataset.mapMode") == "cells"
    assert browser_page.locator("path.incident-cell").count() == 2
    assert "2 incidents in view" in browser_page.inner_text("#map-status")
    # The base layer (countries and regions) is drawn from the site's own boundaries.
    browser_page.wait_for_function(
        "document.querySelectorAll('.leaflet-basemap-pane path').length > 3"
    )
    browser_page.wait_for_function("+document.body.dataset.timelineBars > 0")
    shot(browser_page, "map-demo")

    foreign = [
        u for u in requests if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert foreign == [], f"requests left the server: {foreign}"
    assert any("/map/basemap.geojson" in u for u in requests)


def test_filters_the_shared_url_the_back_button_and_the_timeline(
    live_server, committed_reference_data, browser_page
):
    demo_load()
    UserFactory(username="monitor", role="viewer")
    log_in(browser_page, live_server.url, "monitor")
    wait_for_map(browser_page, total=2)

    # The regions offered are those of the chosen country.
    browser_page.select_option("select[name=country]", "BF")
    wait_for_map(browser_page)
    regions = browser_page.eval_on_selector_all(
        "select[name=admin1] option[value]:not([value=''])",
        "options => options.map(o => [o.dataset.country, o.hidden])",
    )
    assert {country for country, hidden in regions if not hidden} == {"BF"}
    assert any(hidden for country, hidden in regions if country == "ML")
    browser_page.select_option("select[name=country]", "")
    wait_for_map(browser_page, total=2)

    # A filter changes what is shown, and the URL says so.
    browser_page.check("input[name=event_type][value=battles]")
    wait_for_map(browser_page, total=1)
    assert "event_type=battles" in browser_page.url

    # The download links give the same set, in the viewport, from the API.
    for format in ("csv", "geojson"):
        href = browser_page.eval_on_selector(f"#map-download-{format}", "a => a.href")
        assert "event_type=battles" in href and "bbox=" in href and f"format={format}" in href
        body = browser_page.request.get(href).text()
        if format == "csv":
            assert len(list(csv.DictReader(io.StringIO(body)))) == 1
        else:
            assert len(json.loads(body)["features"]) == 1

    # The URL reproduces the view in another page (a shared link).
    shared = browser_page.url
    other = browser_page.context.new_page()
    other.goto(shared)
    wait_for_map(other, total=1)
    assert other.is_checked("input[name=event_type][value=battles]")
    assert other.evaluate("document.body.dataset.mapMode") == "cells"
    other.close()

    # The back button returns to the unfiltered map.
    browser_page.go_back()
    wait_for_map(browser_page, total=2)
    assert not browser_page.is_checked("input[name=event_type][value=battles]")

    # Brushing the timeline filters the map by the period brushed.
    box = browser_page.locator("#timeline svg").bounding_box()
    y = box["y"] + 30
    browser_page.mouse.move(box["x"] + 2, y)
    browser_page.mouse.down()
    browser_page.mouse.move(box["x"] + box["width"] / 2, y, steps=5)
    browser_page.mouse.up()
    browser_page.wait_for_function("location.search.indexOf('date_from=') >= 0")
    date_from = browser_page.input_value("input[name=date_from]")
    date_to = browser_page.input_value("input[name=date_to]")
    assert date_from and date_to and date_from <= date_to
    wait_for_map(browser_page)
    shot(browser_page, "map-brushed")


def test_co_located_incidents_open_as_a_list_and_a_popup_links_to_the_incident(
    live_server, committed_reference_data, browser_page
):
    demo_load()
    centroid = Point(-3.0, 14.5, srid=4326)
    for n in range(3):
        IncidentFactory(
            title=f"Clash at the centroid {n}",
            location=centroid,
            geo_precision=3,
            status=Status.PUBLISHED,
            published_at="2024-01-01T00:00:00Z",
        )
    UserFactory(username="monitor", role="viewer")
    log_in(browser_page, live_server.url, "monitor")
    wait_for_map(browser_page)

    browser_page.goto(f"{live_server.url}/?z=14&c=14.5,-3.0")
    wait_for_map(browser_page, total=3)
    assert browser_page.evaluate("document.body.dataset.mapMode") == "points"
    browser_page.locator("path.incident-group").first.click(force=True)
    listed = browser_page.locator(".incident-list [data-incident]")
    listed.first.wait_for()
    assert listed.count() == 3
    listed.first.click()
    browser_page.locator(".incident-popup").wait_for()
    # Coded to an area: the popup says so and the area is drawn.
    assert "drawn as the area" in browser_page.inner_text(".incident-popup")
    shot(browser_page, "map-co-located")

    # The demo's Inadiatafane strike, alone at its point: its popup links to its page.
    browser_page.goto(f"{live_server.url}/?z=14&c=16.878,-1.9297")
    wait_for_map(browser_page, total=1)
    browser_page.locator("path.incident-marker").first.click(force=True)
    popup = browser_page.locator(".incident-popup")
    popup.wait_for()
    assert "Inadiatafane" in popup.inner_text()
    popup.locator("a").click()
    browser_page.wait_for_selector("h1")
    assert "Sources and claims" in browser_page.content()
    # The incident's page maps it, over the same offline base layer.
    browser_page.locator("#incident-map path.incident-marker").wait_for()
    browser_page.wait_for_function(
        "document.querySelectorAll('#incident-map .leaflet-basemap-pane path').length > 3"
    )

    # An area-coded incident's page draws the area it is known to lie in, not just a point.
    area_coded = Incident.objects.filter(title="Clash at the centroid 0").get()
    assert area_coded.admin1_id is not None
    browser_page.goto(f"{live_server.url}/incidents/{area_coded.pk}/")
    browser_page.wait_for_function("document.body.dataset.incidentMapDrawn === 'area'")
    assert browser_page.locator("#incident-map path.incident-area").count() == 1
    assert "Only the area is known" in browser_page.inner_text(".incident-map figcaption")
    shot(browser_page, "incident-area-coded")


def test_the_map_switches_to_french(live_server, committed_reference_data, browser_page):
    demo_load()
    UserFactory(username="monitor", role="viewer")
    log_in(browser_page, live_server.url, "monitor")
    wait_for_map(browser_page, total=2)
    browser_page.click("button[value=fr]")
    browser_page.wait_for_function("document.documentElement.lang === 'fr'")
    wait_for_map(browser_page, total=2)
    assert "Batailles" in browser_page.inner_text("#map-legend")
    assert "2 incidents visibles" in browser_page.inner_text("#map-status")
    shot(browser_page, "map-french")


def test_anonymous_visitor_is_asked_to_log_in(live_server, browser_page):
    browser_page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in browser_page.url
    assert browser_page.locator("#id_username").is_visible()

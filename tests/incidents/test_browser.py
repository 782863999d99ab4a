"""The map in real headless Chromium: log in, see the demo incidents over the offline base layer,
open one; and no request ever leaves the local server."""

import os

import pytest

from incidents.sampledata.demo import demo_load
from tests.conftest import require_chromium
from tests.factories import UserFactory

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
        page = browser.new_page()
        yield page
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("main form button[type=submit]")


def test_viewer_sees_the_demo_incidents_on_the_map_without_leaving_the_server(
    live_server, committed_reference_data, browser_page
):
    demo_load()
    UserFactory(username="monitor", role="viewer")
    requests = []
    browser_page.on("request", lambda request: requests.append(request.url))

    log_in(browser_page, live_server.url, "monitor")
    browser_page.wait_for_url(f"{live_server.url}/")
    browser_page.wait_for_function(
        "document.body && document.body.dataset.incidentsLoaded === '2'", timeout=20000
    )

    markers = browser_page.locator("path.incident-marker")
    assert markers.count() == 2
    assert "2 incidents shown" in browser_page.inner_text("#map-status")
    # The base layer (countries and regions) is drawn from the site's own boundaries.
    browser_page.wait_for_function(
        "document.querySelectorAll('.leaflet-basemap-pane path').length > 3", timeout=20000
    )
    markers.first.click(force=True)
    popup = browser_page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert "Details" in popup.inner_text()
    popup.locator("a").click()
    browser_page.wait_for_selector("h1")
    assert "Sources and claims" in browser_page.content()

    foreign = [
        u for u in requests if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert foreign == [], f"requests left the server: {foreign}"
    assert any(u.endswith("/map/basemap.geojson") for u in requests)


def test_anonymous_visitor_is_asked_to_log_in(live_server, browser_page):
    browser_page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in browser_page.url
    assert browser_page.locator("#id_username").is_visible()

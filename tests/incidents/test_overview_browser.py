"""The overview page in real headless Chromium, with the demo set: the charts are drawn, fit a
390-pixel phone without sideways scrolling, and switch to French. Screenshots go to
var/test-artifacts/overview*.png."""

import pytest

from incidents.sampledata.demo import demo_load
from tests.factories import UserFactory

# browser_page is a fixture: imported so that pytest finds it here (hence the noqa below).
from tests.incidents.test_browser import ARTIFACTS, browser_page, log_in, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo's incidents: a drone strike on 21 October 2024 and a blockade from 28 July to
# 30 November 2024. The default period ends with the month of the latest (October 2024).
MONTHS = 13


def open_overview(page, base_url):
    page.goto(f"{base_url}/overview/")
    page.locator("svg.bars").first.wait_for()


def test_the_overview_draws_its_charts_on_a_desktop_and_on_a_phone(
    live_server,
    committed_reference_data,
    browser_page,  # noqa: F811
):
    demo_load()
    UserFactory(username="monitor", role="viewer")
    requests = []
    browser_page.on("request", lambda request: requests.append(request.url))
    browser_page.set_viewport_size({"width": 1280, "height": 900})
    log_in(browser_page, live_server.url, "monitor")
    browser_page.wait_for_url(f"{live_server.url}/")
    browser_page.click("nav >> text=Overview")
    browser_page.locator("svg.bars").first.wait_for()
    assert browser_page.url == f"{live_server.url}/overview/"

    charts = browser_page.locator("svg.bars")
    assert charts.count() == 3
    for n in range(3):
        assert charts.nth(n).locator("g.bar-group").count() == MONTHS
    # Two incidents, one bar each in the incidents chart: July and October 2024.
    drawn = browser_page.locator("#chart-incidents g.bar-group:has(rect)")
    assert [drawn.nth(n).get_attribute("data-month") for n in range(drawn.count())] == [
        "2024-07",
        "2024-10",
    ]
    box = charts.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    assert "From 1 Oct. 2023 to 31 Oct. 2024" in browser_page.inner_text(".overview-period")
    shot(browser_page, "overview-desktop")
    browser_page.screenshot(path=str(ARTIFACTS / "overview-desktop-full.png"), full_page=True)

    # The numbers behind a chart open below it.
    browser_page.locator("#chart-incidents details summary").click()
    assert browser_page.locator("#chart-incidents details table").is_visible()

    # The filters, folded away until opened: battles only.
    browser_page.click(".overview-filters-panel > summary")
    browser_page.check("input[name=event_type][value=battles]")
    browser_page.click(".overview-filters button[type=submit]")
    browser_page.wait_for_url("**/overview/?*event_type=battles*")
    drawn = browser_page.locator("#chart-incidents g.bar-group:has(rect)")
    assert drawn.count() == 1 and drawn.first.get_attribute("data-month") == "2024-07"
    assert "(1 in use)" in browser_page.inner_text(".overview-filters-panel > summary")

    # A phone: the charts take the screen's width, and nothing scrolls sideways.
    browser_page.set_viewport_size({"width": 390, "height": 844})
    open_overview(browser_page, live_server.url)
    shot(browser_page, "overview-phone")
    browser_page.screenshot(path=str(ARTIFACTS / "overview-phone-full.png"), full_page=True)
    for part in ("chart-fatalities", "actors", "areas"):
        selector = f"#{part}" if part.startswith("chart") else f".overview-{part}"
        browser_page.locator(selector).screenshot(
            path=str(ARTIFACTS / f"overview-phone-{part}.png")
        )
    width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} pixels wide on a 390-pixel screen"
    box = browser_page.locator("svg.bars").first.bounding_box()
    assert 300 < box["width"] <= 390

    foreign = [
        u for u in requests if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert foreign == [], f"requests left the server: {foreign}"


def test_the_overview_switches_to_french(
    live_server,
    committed_reference_data,
    browser_page,  # noqa: F811
):
    demo_load()
    UserFactory(username="monitor", role="viewer")
    browser_page.set_viewport_size({"width": 390, "height": 844})
    log_in(browser_page, live_server.url, "monitor")
    open_overview(browser_page, live_server.url)
    browser_page.click("button[value=fr]")
    browser_page.wait_for_function("document.documentElement.lang === 'fr'")
    browser_page.locator("svg.bars").first.wait_for()
    legend = browser_page.inner_text("#chart-incidents .legend")
    assert "Batailles" in legend
    assert "oct. 2024" in browser_page.inner_text(".overview-period")
    shot(browser_page, "overview-phone-french")

"""The editors' workflow in real headless Chromium: an editor codes an incident through the form
(the place found by typing "Tombouctou", a source with its claim, a civilian-harm assessment),
submits it; a reviewer publishes it; it appears on a viewer's map; a second editor's stale save is
refused with both versions shown; leaving a form with unsaved changes asks first."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from incidents.models import CivilianHarmReport, Claim, Incident, Status
from tests.factories import IncidentFactory, UserFactory
from tests.incidents.test_browser import ARTIFACTS, browser_page, log_in, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["browser_page"]  # the fixture, shared with the map's browser tests


def shot(page, name):
    """The whole page, kept in var/test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def second_page(page, base_url, username):
    """Another person, in a browser context of their own."""
    context = page.context.browser.new_context()
    context.set_default_timeout(60000)
    other = context.new_page()
    log_in(other, base_url, username)
    other.wait_for_url(f"{base_url}/")
    return other


def code_an_incident(page, base_url, *, duplicate: str = ""):
    page.goto(f"{base_url}/incidents/new/")
    page.wait_for_function("document.body.dataset.editMapReady === 'true'")
    page.fill("#id_incident-title", "Attack on the Tombouctou market")

    # The place: typed, found in the gazetteer after a pause, picked from the candidates.
    page.locator("#place-search").press_sequentially("Tombouctou", delay=40)
    candidate = page.locator("#place-candidates li", has_text="P.PPL").first
    candidate.wait_for()
    searches = int(page.evaluate("document.body.dataset.placeSearches"))
    assert searches <= 2, f"{searches} requests for one word typed"
    assert "Tombouctou" in page.inner_text("#place-candidates")
    candidate.click()
    assert page.input_value("#id_incident-latitude") == "16.7735"
    assert page.input_value("#id_incident-longitude") == "-3.0074"
    assert page.input_value("#id_incident-geo_precision") == "1"
    assert page.input_value("#id_incident-country") == "ML"
    assert page.input_value("#id_incident-location_name")

    page.fill("#id_incident-date_start", "2024-03-02")
    page.fill("#id_incident-date_end", "2024-03-02")
    page.select_option("#id_incident-time_precision", "1")
    page.select_option("#id_incident-event_type", "violence_against_civilians")
    # Only that event type's sub-event types are offered.
    offered = page.eval_on_selector_all(
        "#id_incident-sub_event_type option:not([hidden])", "os => os.map(o => o.value)"
    )
    assert set(offered) == {"", "sexual_violence", "attack", "abduction_forced_disappearance"}
    page.select_option("#id_incident-sub_event_type", "attack")
    if duplicate:
        # Shown while the editor works, before anything is saved, with a link.
        link = page.locator("#duplicates a", has_text=duplicate)
        link.wait_for()
        assert "/incidents/" in link.get_attribute("href")

    page.click("button[data-formset=actors]")
    page.fill("#id_actors-0-actor", "GSIM")  # any of the registry's names
    page.select_option("#id_actors-0-acled_position", "actor1")
    page.select_option("#id_actors-0-ucdp_side", "A")

    page.click("button[data-formset=sources]")
    page.fill("#id_sources-0-publisher", "RFI")
    page.fill("#id_sources-0-url", "https://www.rfi.fr/fr/afrique/tombouctou-marche")
    page.select_option("#id_sources-0-kind", "news_report")
    page.select_option("#id_sources-0-reliability", "B")
    page.fill("#id_sources-0-fatalities_best", "7")
    page.fill("#id_sources-0-killed_civilians_best", "7")
    page.fill("#id_sources-0-summary", "Seven civilians killed at the market, RFI says.")

    page.click("button[data-formset=harm]")
    page.select_option("#id_harm-0-grade", "weak")
    page.fill("#id_harm-0-killed_men", "5")
    page.fill("#id_harm-0-killed_unknown", "2")
    page.check("#id_harm-0-objects_hit input[value=market]")
    shot(page, "edit-new-incident")
    page.click("#save")
    page.wait_for_url(f"{base_url}/incidents/*/")


def test_an_incident_coded_submitted_published_and_on_the_map(
    live_server, committed_reference_data, browser_page
):
    for username, role in (("coder", "editor"), ("checker", "reviewer"), ("monitor", "viewer")):
        UserFactory(username=username, role=role)
    earlier = IncidentFactory(
        title="Earlier report from Tombouctou",
        location=Point(-3.0, 16.77, srid=4326),
        date_start=date(2024, 3, 1),
        date_end=date(2024, 3, 1),
    )
    page = browser_page
    base = live_server.url
    log_in(page, base, "coder")
    page.wait_for_url(f"{base}/")

    code_an_incident(page, base, duplicate="Earlier report from Tombouctou")
    incident = Incident.objects.exclude(pk=earlier.pk).get()
    assert incident.location_name and incident.country_code == "ML"
    assert incident.fatalities_best == 7  # derived from the claim
    assert Claim.objects.get().source.publisher == "RFI"
    assert CivilianHarmReport.objects.get().killed_total == 7
    assert "RFI" in page.inner_text("table.claims")

    page.click("#submit-for-review")
    page.wait_for_selector("#edit-incident")
    assert Incident.objects.get(pk=incident.pk).status == Status.IN_REVIEW
    assert page.locator("#publish").count() == 0  # an editor does not publish

    reviewer = second_page(page, base, "checker")
    reviewer.goto(f"{base}/incidents/{incident.pk}/")
    reviewer.click("#publish")
    reviewer.wait_for_selector(".messages li.success")
    assert Incident.objects.get(pk=incident.pk).status == Status.PUBLISHED

    viewer = second_page(page, base, "monitor")
    wait_for_map(viewer, total=1)
    shot(viewer, "edit-published-on-map")


def test_a_stale_save_is_refused_with_both_versions_shown(
    live_server, committed_reference_data, browser_page
):
    UserFactory(username="coder", role="editor")
    UserFactory(username="second", role="editor")
    page = browser_page
    base = live_server.url
    log_in(page, base, "coder")
    page.wait_for_url(f"{base}/")
    code_an_incident(page, base)
    pk = Incident.objects.get().pk
    edit = f"{base}/incidents/{pk}/edit/"

    other = second_page(page, base, "second")
    page.goto(edit)
    other.goto(edit)
    other.fill("#id_incident-title", "Market attack in Timbuktu")
    other.click("#save")
    other.wait_for_url(f"{base}/incidents/{pk}/")

    page.fill("#id_incident-narrative", "Gunmen on motorbikes attacked the market.")
    page.click("#save")
    page.wait_for_selector("#conflict")
    table = page.inner_text("#conflict table.versions")
    assert "Market attack in Timbuktu" in table and "Attack on the Tombouctou market" in table
    # The typing is kept, and nothing of it was saved.
    assert page.input_value("#id_incident-narrative") == "Gunmen on motorbikes attacked the market."
    saved = Incident.objects.get()
    assert saved.title == "Market attack in Timbuktu" and saved.narrative == ""
    shot(page, "edit-stale-save")

    # Leaving the page with those unsaved changes asks first.
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.locator("#id_incident-narrative").press_sequentially(" Two dead.")  # a user's gesture
    page.evaluate("window.location.href = '/'")
    page.wait_for_timeout(1000)
    assert asked == ["beforeunload"]
    assert "/edit/" in page.url

"""The review queue in real headless Chromium: a reviewer (an editor who publishes; merging is
theirs) opens /review/, sees the report's place highlighted in its text, merges a grey-zone draft
into its candidate, and the candidate's page then lists the report as a source."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from actors.models import Actor
from incidents.ingest import pipeline
from incidents.ingest.models import ExtractionFeedback
from incidents.models import Incident, Status
from tests.factories import IncidentActorFactory, IncidentFactory, UserFactory
from tests.incidents.ingest.test_pipeline import require_extractor
from tests.incidents.test_browser import log_in
from tests.incidents.test_editing_browser import browser_page, shot
from tests.incidents.test_review import AMBUSH, BONI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["browser_page"]


def test_a_grey_zone_draft_is_merged_into_its_candidate_from_the_queue(
    live_server, committed_reference_data, browser_page
):
    require_extractor()
    UserFactory(username="checker", role="reviewer")
    candidate = IncidentFactory(
        title="Clash east of Boni",
        location=Point(BONI.x + 0.3, BONI.y, srid=4326),
        location_name="East of Boni",
        date_start=date(2024, 6, 18),
    )
    IncidentActorFactory(incident=candidate, actor=Actor.objects.get(slug="jnim"))
    report, _ = pipeline.text_ingest(AMBUSH, published=date(2024, 6, 20))
    report = pipeline.report_process(report.pk)
    draft = report.incident
    assert report.match["events"][0]["outcome"] == "drafted_for_review"

    page = browser_page
    base = live_server.url
    log_in(page, base, "checker")
    page.wait_for_url(f"{base}/")
    page.click("#nav-review")
    page.click("#tab-duplicates")
    item = page.locator(f"#item-{draft.pk}")
    place = item.locator("blockquote.report-text mark.hl-place")
    assert place.inner_text() == "near Boni"
    assert "Boni" in place.get_attribute("title")
    assert item.locator(f"tr.candidate[data-candidate='{candidate.pk}']").count() == 1
    shot(page, "review-queue-grey-zone")

    item.locator("button.action-merge").click()
    page.wait_for_selector(".messages li.success")
    assert f"merged into #{candidate.pk}" in page.inner_text(".messages")
    assert page.locator(f"#item-{draft.pk}").count() == 0

    draft.refresh_from_db()
    assert (draft.status, draft.merged_into_id) == (Status.RETRACTED, candidate.pk)
    assert ExtractionFeedback.objects.get(incident=draft).decision == "merged"

    page.goto(f"{base}/incidents/{candidate.pk}/")
    claims = page.inner_text("table.claims")
    assert report.source.publisher_name in claims  # the report's source, moved with its claim
    assert Incident.objects.get(pk=candidate.pk).claims.filter(source=report.source_record).exists()
    shot(page, "review-merged-candidate")

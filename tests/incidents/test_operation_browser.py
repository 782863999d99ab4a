"""The merge and split pages in real headless Chromium, as a reviewer uses them: from the
incident's page to the possible duplicate, the side-by-side confirmation (what moves, what
stays), the merge, the tombstone on the merged record; then a split of the survivor into a new
draft that takes the chosen claim."""

from datetime import date

import pytest
from django.utils import timezone

from incidents.models import Claim, Incident, Status
from tests.factories import ClaimFactory, IncidentFactory, SourceFactory, UserFactory
from tests.incidents.test_browser import log_in
from tests.incidents.test_editing_browser import browser_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["browser_page"]


def test_a_reviewer_merges_a_duplicate_then_splits_the_survivor(live_server, browser_page):
    reviewer = UserFactory(username="checker", role="reviewer")
    survivor = IncidentFactory(
        title="Ambush near Boni",
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=reviewer,
    )
    merged = IncidentFactory(title="Boni ambush (again)")
    rfi = SourceFactory(publisher="RFI")
    ClaimFactory(incident=survivor, source=rfi, fatalities_best=5)
    moving = ClaimFactory(
        incident=merged, source=SourceFactory(publisher="Studio Tamani"), fatalities_best=9
    )
    staying = ClaimFactory(incident=merged, source=rfi, fatalities_best=4)

    page = browser_page
    base = live_server.url
    log_in(page, base, "checker")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/incidents/{survivor.pk}/")
    page.click("#merge-incident")
    page.click(f"ul.duplicates a[href='?other={merged.pk}']")
    page.wait_for_selector("#confirm-merge")
    moves = page.inner_text("section.merged")
    assert "Studio Tamani" in moves and "RFI" in moves  # one moves, one stays
    assert "What stays on the merged record" in moves
    assert Claim.objects.get(pk=moving.pk).incident_id == merged.pk  # nothing done yet
    shot(page, "merge-confirm")

    page.click("#confirm-merge")
    page.wait_for_url(f"{base}/incidents/{survivor.pk}/")
    assert f"#{merged.pk} was merged into #{survivor.pk}" in page.inner_text(".messages")
    assert "Studio Tamani" in page.inner_text("table.claims")
    assert Claim.objects.get(pk=moving.pk).incident_id == survivor.pk
    assert Claim.objects.get(pk=staying.pk).incident_id == merged.pk

    page.goto(f"{base}/incidents/{merged.pk}/")
    page.click("#merged-into a")
    page.wait_for_url(f"{base}/incidents/{survivor.pk}/")

    # The Studio Tamani report was of another, later event: split it off.
    page.click("#split-incident")
    page.get_by_label("Studio Tamani", exact=False).check()
    page.fill("#id_title", "Second ambush near Boni")
    page.fill("#id_date_start", "2024-03-03")
    page.fill("#id_date_end", "2024-03-03")
    page.click("#split-next")
    page.wait_for_selector("#confirm-split")
    assert "Studio Tamani" in page.inner_text("div.side-by-side section:last-child")
    shot(page, "split-confirm")
    page.click("#confirm-split")
    page.wait_for_selector(".messages li.success")

    new = Incident.objects.get(title="Second ambush near Boni")
    assert page.url == f"{base}/incidents/{new.pk}/"
    assert (new.status, new.date_start) == (Status.DRAFT, date(2024, 3, 3))
    assert Claim.objects.get(pk=moving.pk).incident_id == new.pk
    assert Claim.objects.filter(incident=survivor).count() == 1

"""The review queue (/review/): drafts made by running real reports through the ingestion
pipeline are listed with the extracted values marked in the report's text at their spans; the
decisions (accept, publish, merge, discard, in bulk too) do what they say through the workflow
services, keep history and record what the extractor proposed against what editors kept; the
permissions and four eyes hold; the report's text is escaped."""

import re
from datetime import date
from html import unescape

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from actors.models import Actor
from incidents import services
from incidents.ingest import pipeline
from incidents.ingest.models import ExtractionFeedback, RawReport, ReviewDecision
from incidents.models import Claim, Incident, Origin, Status
from incidents.review import selectors
from incidents.review import services as review
from incidents.review.highlight import Mark, casualty_figures, text_marked
from tests.factories import IncidentActorFactory, IncidentFactory
from tests.incidents.ingest.test_pipeline import require_extractor

pytestmark = pytest.mark.django_db

AMBUSH = (
    "Gunmen ambushed a convoy of the Malian army near Boni on Tuesday, killing at least eight "
    "soldiers, according to local sources. JNIM claimed the attack."
)
DRONE = (
    "A drone strike hit a wedding in Tinzaouaten, Kidal region, on Sunday. Seven civilians, "
    "including three children, were killed, according to residents."
)
HOSTILE = (
    "Gunmen ambushed a convoy of the Malian army near Boni on Tuesday, killing at least eight "
    "soldiers. <script>alert('pwned')</script> JNIM claimed the attack."
)
BONI = Point(-2.2211, 15.075, srid=4326)


def ingest(text: str, day: date) -> RawReport:
    require_extractor()
    report, _ = pipeline.text_ingest(text, published=day)
    return pipeline.report_process(report.pk)


@pytest.fixture
def candidate(reference_data) -> Incident:
    """An incident recorded already, about 32 km from Boni on the day of the ambush, by JNIM: a
    report of the ambush is a grey-zone match of it."""
    incident = IncidentFactory(
        title="Clash east of Boni",
        location=Point(BONI.x + 0.3, BONI.y, srid=4326),
        location_name="East of Boni",
        date_start=date(2024, 6, 18),
        status=Status.PUBLISHED,
        published_at="2024-06-19T00:00:00Z",
    )
    IncidentActorFactory(incident=incident, actor=Actor.objects.get(slug="jnim"))
    return incident


@pytest.fixture
def grey(candidate) -> Incident:
    report = ingest(AMBUSH, date(2024, 6, 20))  # a Thursday: "Tuesday" is 18 June
    assert report.match["events"][0]["outcome"] == "drafted_for_review"
    assert report.match["events"][0]["candidate_id"] == candidate.pk
    return report.incident


@pytest.fixture
def draft(reference_data) -> Incident:
    report = ingest(DRONE, date(2024, 6, 24))
    assert report.match["events"][0]["outcome"] == "drafted"
    return report.incident


def item_html(page: str, incident: Incident) -> str:
    start = page.index(f'id="item-{incident.pk}"')
    end = page.find('<article class="review-item"', start + 1)
    return page[start : end if end > 0 else len(page)]


def marks_in(html: str) -> list[tuple[str, str]]:
    text = re.search(r'<blockquote class="report-text"[^>]*>(.*?)</blockquote>', html, re.S)
    return [
        (kind, unescape(inner))
        for kind, inner in re.findall(r'<mark class="hl hl-(\w+)"[^>]*>(.*?)</mark>', text.group(1))
    ]


def three_drafts() -> list[Incident]:
    """Three drafts of three events months apart (no one matches another), oldest first."""
    days = ((AMBUSH, date(2024, 2, 22)), (DRONE, date(2024, 4, 24)), (AMBUSH, date(2024, 6, 20)))
    return [ingest(text, day).incident for text, day in days]


def post(client, **data):
    return client.post(reverse("review:act"), data)


# --- The queue --------------------------------------------------------------------------------


def test_the_queue_lists_drafts_with_the_extracted_values_marked_at_their_spans(
    client, users, draft, grey
):
    client.force_login(users["editor"])
    page = client.get(reverse("review:queue")).content.decode()
    assert f'id="item-{draft.pk}"' in page and f'id="item-{grey.pk}"' not in page

    report = RawReport.objects.get(incident=draft)
    event = report.extraction["events"][0]
    marks = marks_in(item_html(page, draft))
    # Each marked string is exactly the text the extractor read at that span.
    assert [t for k, t in marks if k == "place"] == [p["span"]["text"] for p in event["places"]]
    assert "Tinzaouaten" in [t for k, t in marks if k == "place"]
    casualties = [t for k, t in marks if k == "casualty"]
    assert casualties and set(casualties) <= {c["span"]["text"] for c in event["casualties"]}
    assert ("date", "on Sunday") in marks
    assert all(text in report.text for _kind, text in marks)

    page = client.get(reverse("review:queue"), {"tab": "duplicates"}).content.decode()
    marks = marks_in(item_html(page, grey))
    report = RawReport.objects.get(incident=grey)
    event = report.extraction["events"][0]
    assert [t for k, t in marks if k == "place"] == ["near Boni"]
    assert [t for k, t in marks if k == "actor"] == [a["span"]["text"] for a in event["actors"]]
    assert [t for k, t in marks if k == "actor"] == ["Malian army", "JNIM"]
    assert ("type", "ambushed") in marks and ("source", "according to local sources") in marks


@pytest.mark.parametrize(
    ("figure", "shown"),
    [
        ({"low": 12, "best": 12, "high": None}, "12+"),  # "at least twelve": no upper bound
        ({"low": 8, "best": 8, "high": 8}, "8"),
        ({"low": 5, "best": 6, "high": 7}, "5–7 (6)"),  # "about six"
        ({"low": 20, "best": 30, "high": 40}, "20–40 (30)"),  # "dozens"
        ({"low": None, "best": 3, "high": 3}, "3"),
        ({"low": None, "best": None, "high": None}, ""),
    ],
)
def test_a_casualty_figure_is_shown_as_its_range(figure, shown):
    assert casualty_figures(figure) == shown


def test_a_grey_zone_match_is_shown_beside_its_candidate(client, users, candidate, grey, draft):
    client.force_login(users["editor"])
    response = client.get(reverse("review:queue"), {"tab": "duplicates"})
    counts = {name: count for name, _label, count in response.context["tabs"]}
    assert counts == {"drafts": 1, "duplicates": 1, "in_review": 0}
    html = item_html(response.content.decode(), grey)
    row = re.search(
        rf'<tr class="candidate best" data-candidate="{candidate.pk}">(.*?)</tr>', html, re.S
    )
    assert row is not None
    cells = unescape(re.sub(r"<[^>]+>", "", row.group(1)))
    scored = RawReport.objects.get(incident=grey).match["events"][0]["candidates"][0]
    assert "Clash east of Boni" in cells and "East of Boni" in cells
    assert f"{scored['distance_km']:.1f} km" in cells
    assert "Jama'at Nusrat al-Islam wal-Muslimin" in cells
    assert f"{scored['score']:.2f}" in cells and f"{scored['parts']['place']:.2f}" in cells
    # Reviewers merge (incident_merge's rule): the button is theirs.
    assert f"Merge into #{candidate.pk}" not in html
    client.force_login(users["reviewer"])
    html = client.get(reverse("review:queue"), {"tab": "duplicates"}).content.decode()
    assert f"Merge into #{candidate.pk}" in item_html(html, grey)


def test_the_queue_is_ordered_oldest_first_and_paginated(client, users, reference_data):
    require_extractor()
    made = three_drafts()
    queue = list(selectors.review_queue("drafts"))
    assert [i.pk for i in queue] == [i.pk for i in made]
    client.force_login(users["editor"])
    page = client.get(reverse("review:queue")).context["page"]
    assert page.paginator.count == 3 and page.paginator.per_page == 20


def test_a_page_of_the_queue_costs_the_same_queries_whatever_its_length(
    client, users, reference_data
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["reviewer"])
    ingest(DRONE, date(2024, 8, 24))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("review:queue")).status_code == 200
    three_drafts()
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("review:queue"))
    assert response.context["page"].paginator.count == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_report_text_is_escaped_not_run(client, users, reference_data):
    incident = ingest(HOSTILE, date(2024, 6, 20)).incident
    client.force_login(users["editor"])
    page = client.get(reverse("review:queue")).content.decode()
    html = item_html(page, incident)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
    # The marks are still at the right places around the escaped text.
    assert ("place", "near Boni") in marks_in(html) and ("actor", "JNIM") in marks_in(html)


def test_marks_are_built_on_escaped_text_and_wrong_spans_left_out():
    text = "<b>Boni</b> & Gao"
    marks = [
        Mark(3, 7, "place", 'a "title"', "Boni"),
        Mark(14, 17, "place", "t", "Gao"),
        Mark(14, 17, "actor", "overlaps", "Gao"),  # the place wins
        Mark(0, 3, "date", "t", "xyz"),  # its text is not what is there: left out
        Mark(10, 99, "date", "t"),  # out of range
    ]
    html = str(text_marked(text, marks, passage=(0, 17)))
    assert html == (
        '<span class="passage">&lt;b&gt;<mark class="hl hl-place" data-kind="place" '
        'title="a &quot;title&quot;">Boni</mark>&lt;/b&gt; &amp; <mark class="hl hl-place" '
        'data-kind="place" title="t">Gao</mark></span>'
    )


# --- Decisions --------------------------------------------------------------------------------


def test_accept_sends_a_draft_for_review_and_records_it_unchanged(client, users, draft):
    client.force_login(users["editor"])
    response = post(client, do=f"accept:{draft.pk}", tab="drafts", page="1")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.updated_by == users["editor"]
    last = draft.events.order_by("pgh_id").last()
    assert last.status == Status.IN_REVIEW
    assert last.pgh_context.metadata["user"] == users["editor"].pk
    feedback = ExtractionFeedback.objects.get(incident=draft)
    assert (feedback.decision, feedback.changed, feedback.user) == (
        ReviewDecision.ACCEPTED,
        [],
        users["editor"],
    )
    assert feedback.proposed["location_name"] == "Tinzaouaten"
    assert feedback.proposed == feedback.final
    assert feedback.events.count() == 1  # kept in history


def test_what_the_editor_corrected_is_recorded_against_what_was_proposed(users, draft, grey):
    proposed = review.proposed_values(RawReport.objects.get(incident=draft), 0)
    services.incident_update(
        draft.pk,
        user=users["editor"],
        location=Point(-0.5, 19.0, srid=4326),
        date_start=date(2024, 6, 22),
        date_end=date(2024, 6, 22),
    )
    services.participant_create(
        incident_id=draft.pk, actor=Actor.objects.get(slug="fama"), acled_position="actor1"
    )
    review.review_accept(draft.pk, user=users["editor"])
    review.review_accept(grey.pk, user=users["editor"])
    feedback = ExtractionFeedback.objects.get(incident=draft)
    assert feedback.changed == ["location", "date_start", "date_end", "actors"]
    assert feedback.proposed == proposed
    assert feedback.final["location"] == [-0.5, 19.0]
    assert feedback.final["date_start"] == "2024-06-22"

    summary = selectors.feedback_summary()
    assert (summary["decided"], summary["accepted"], summary["unchanged"]) == (2, 2, 1)
    rates = {row["field"]: row["rate"] for row in summary["fields"]}
    assert rates["location"] == 0.5 and rates["event_type"] == 0


def test_a_reviewer_accepts_and_publishes_an_ingested_draft_at_once(client, users, draft):
    assert draft.created_by is None  # the workers made it: any reviewer may publish it
    client.force_login(users["reviewer"])
    post(client, do=f"publish:{draft.pk}", tab="drafts")
    draft.refresh_from_db()
    assert (draft.status, draft.published_by) == (Status.PUBLISHED, users["reviewer"])
    assert [e.status for e in draft.events.order_by("pgh_id")][-2:] == [
        Status.IN_REVIEW,
        Status.PUBLISHED,
    ]
    assert ExtractionFeedback.objects.get(incident=draft).decision == ReviewDecision.PUBLISHED


def test_four_eyes_hold_in_the_queue(client, users, reference_data):
    own = services.incident_create(
        user=users["reviewer"],
        title="Coded by the reviewer",
        date_start=date(2024, 3, 1),
        date_end=date(2024, 3, 1),
        time_precision=1,
        location=BONI,
        geo_precision=1,
        event_type="battles",
        sub_event_type="armed_clash",
    )
    services.incident_submit_for_review(own.pk, user=users["reviewer"])
    client.force_login(users["reviewer"])
    response = post(client, do=f"publish:{own.pk}", tab="in_review")
    own.refresh_from_db()
    assert own.status == Status.IN_REVIEW
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == [f"#{own.pk}: A reviewer cannot publish their own entry."]
    # An editor may not publish at all: refused before any service runs.
    client.force_login(users["editor"])
    assert post(client, do=f"publish:{own.pk}", tab="in_review").status_code == 403


def test_a_reviewer_sends_back_from_the_in_review_tab_with_a_comment(client, users, draft):
    review.review_accept(draft.pk, user=users["editor"])
    client.force_login(users["reviewer"])
    page = client.get(reverse("review:queue"), {"tab": "in_review"}).content.decode()
    html = item_html(page, draft)
    assert f'value="publish:{draft.pk}"' in html and f'value="send_back:{draft.pk}"' in html
    assert f'value="discard:{draft.pk}"' not in html
    post(client, do=f"send_back:{draft.pk}", **{f"comment-{draft.pk}": "Check the toll."})
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.review_comments.get().text == "Check the toll."
    # Without a comment, the service refuses and says why.
    review.review_accept(draft.pk, user=users["editor"])
    response = post(client, do=f"send_back:{draft.pk}", tab="in_review")
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown[-1] == f"#{draft.pk}: Say what the editor should change."
    assert Incident.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_the_queue_speaks_french(client, users, draft):
    client.force_login(users["editor"])
    page = client.get(reverse("review:queue"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "File de relecture" in page and "Nouveaux brouillons" in page
    assert "Accepter (soumettre à la relecture)" in page


def test_discard_retracts_the_draft_and_marks_the_report_keeping_its_evidence(client, users, draft):
    report = RawReport.objects.get(incident=draft)
    content = bytes(report.content)
    client.force_login(users["editor"])
    post(client, do=f"discard:{draft.pk}", tab="drafts")
    draft.refresh_from_db()
    assert (draft.status, draft.retraction_reason) == (Status.RETRACTED, "Discarded in review")
    assert Claim.objects.filter(incident=draft).count() == 1  # nothing deleted
    report.refresh_from_db()
    assert report.discarded_at is not None and bytes(report.content) == content
    assert report.events.order_by("pgh_id").last().discarded_at is not None
    assert draft.events.order_by("pgh_id").last().pgh_context.metadata["user"] == (
        users["editor"].pk
    )
    feedback = ExtractionFeedback.objects.get(incident=draft)
    assert (feedback.decision, feedback.user) == (ReviewDecision.DISCARDED, users["editor"])
    assert selectors.review_counts()["drafts"] == 0
    # No tombstone: partners never saw the draft.
    assert not Incident.objects.filter(pk=draft.pk, status=Status.PUBLISHED).exists()


def test_a_draft_without_a_sub_event_type_is_discarded_by_a_tag(users, draft):
    services.incident_update(draft.pk, user=users["editor"], sub_event_type="")
    review.review_discard(draft.pk, user=users["editor"])
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and review.DISCARDED_TAG in draft.tags
    assert list(selectors.review_queue("drafts")) == []
    with pytest.raises(services.WorkflowError, match="discarded in review already"):
        review.review_discard(draft.pk, user=users["editor"])


def test_merge_moves_the_reports_source_to_the_candidate(client, users, candidate, grey):
    report = RawReport.objects.get(incident=grey)
    client.force_login(users["editor"])  # reviewers merge (incident_merge's rule)
    assert post(client, do=f"merge:{grey.pk}", tab="duplicates").status_code == 403

    client.force_login(users["reviewer"])
    response = post(client, do=f"merge:{grey.pk}", tab="duplicates")
    assert [str(m) for m in response.wsgi_request._messages] == [
        f"#{grey.pk} merged into #{candidate.pk}."
    ]
    grey.refresh_from_db()
    assert (grey.status, grey.merged_into_id) == (Status.RETRACTED, candidate.pk)
    assert Claim.objects.filter(incident=candidate, source=report.source_record).exists()
    feedback = ExtractionFeedback.objects.get(incident=grey)
    assert feedback.decision == ReviewDecision.MERGED
    assert feedback.final == {"merged_into": candidate.pk}
    assert grey.events.order_by("pgh_id").last().pgh_context.metadata["operation"] == "merge"
    assert selectors.review_counts()["duplicates"] == 0
    # Merge only into a candidate the matcher found.
    other = IncidentFactory()
    with pytest.raises(services.WorkflowError, match="not one of the candidates"):
        review.review_merge(grey.pk, user=users["reviewer"], candidate_id=other.pk)


def test_a_bulk_action_reports_the_item_that_fails_and_applies_the_others(
    client, users, reference_data
):
    require_extractor()
    made = three_drafts()
    failing = made[1]
    services.incident_update(failing.pk, user=users["editor"], sub_event_type="")
    client.force_login(users["editor"])
    response = post(client, do="bulk", action="accept", ids=[str(i.pk) for i in made], tab="drafts")
    shown = [(m.level_tag, str(m)) for m in response.wsgi_request._messages]
    assert shown == [
        ("success", f"#{made[0].pk} sent for review."),
        ("error", f"#{failing.pk}: Set the sub-event type before asking for review."),
        ("success", f"#{made[2].pk} sent for review."),
    ]
    statuses = dict(
        Incident.objects.filter(pk__in=[i.pk for i in made]).values_list("pk", "status")
    )
    assert statuses == {
        made[0].pk: Status.IN_REVIEW,
        failing.pk: Status.DRAFT,
        made[2].pk: Status.IN_REVIEW,
    }
    assert ExtractionFeedback.objects.filter(incident=failing).count() == 0
    assert ExtractionFeedback.objects.count() == 2


def test_reviewers_see_the_extractors_summary_and_editors_do_not(client, users, draft):
    review.review_accept(draft.pk, user=users["editor"])
    client.force_login(users["editor"])
    assert 'id="feedback-summary"' not in client.get(reverse("review:queue")).content.decode()
    client.force_login(users["reviewer"])
    page = client.get(reverse("review:queue")).content.decode()
    assert 'id="feedback-summary"' in page and "1 of 1 accepted unchanged" in page


def test_the_admin_shows_the_feedback_and_its_summary_read_only(client, users, draft, grey):
    review.review_accept(draft.pk, user=users["editor"])
    review.review_discard(grey.pk, user=users["editor"])
    client.force_login(users["admin"])
    response = client.get(reverse("admin:incidents_extractionfeedback_changelist"))
    assert response.status_code == 200
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any(
        "1 of 1 accepted drafts were kept as extracted" in m and "1 discarded" in m for m in shown
    )
    feedback = ExtractionFeedback.objects.get(incident=draft)
    change = client.get(reverse("admin:incidents_extractionfeedback_change", args=[feedback.pk]))
    assert change.status_code == 200 and "Tinzaouaten" in change.content.decode()


# --- Permissions and the rest -----------------------------------------------------------------


def test_viewers_may_not_use_the_queue_and_visitors_sign_in_first(client, users, draft):
    assert client.get(reverse("review:queue")).status_code == 302
    client.force_login(users["viewer"])
    assert client.get(reverse("review:queue")).status_code == 403
    assert post(client, do=f"discard:{draft.pk}").status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    with pytest.raises(services.WorkflowError, match="You may not edit incidents"):
        review.review_discard(draft.pk, user=users["viewer"])


def test_the_stored_evidence_is_a_download_of_the_bytes(client, users, draft):
    report = RawReport.objects.get(incident=draft)
    client.force_login(users["editor"])
    response = client.get(reverse("review:evidence", args=[report.pk]))
    assert response.status_code == 200
    assert response.content == bytes(report.content)
    assert response["X-Content-SHA256"] == report.content_sha256
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"


def test_correct_goes_to_the_form_and_back_and_the_correction_is_measured(client, users, draft):
    from tests.incidents.test_forms import edit_data

    client.force_login(users["editor"])
    page = client.get(reverse("review:queue")).content.decode()
    link = unescape(re.search(rf'href="(/incidents/{draft.pk}/edit/\?next=[^"]+)"', page).group(1))
    data = edit_data(client, draft)
    data["incident-sub_event_type"] = "shelling_artillery_missile"
    data["incident-event_type"] = "explosions_remote_violence"
    response = client.post(link, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == "/review/?tab=drafts&page=1"
    post(client, do=f"accept:{draft.pk}", tab="drafts")
    assert ExtractionFeedback.objects.get(incident=draft).changed == ["sub_event_type"]
    # Only this site's paths: another host's address is not followed.
    data = edit_data(client, draft)
    response = client.post(
        reverse("incidents:edit", args=[draft.pk]) + "?next=https://evil.example/", data
    )
    assert response["Location"] == reverse("incidents:detail", args=[draft.pk])


def test_a_draft_whose_report_has_no_decision_is_still_a_new_draft(draft):
    RawReport.objects.filter(incident=draft).update(match=None)
    assert list(selectors.review_queue("drafts")) == [draft]
    assert selectors.review_counts() == {"drafts": 1, "duplicates": 0, "in_review": 0}


def test_ingested_draft_origin_is_read_from_its_key(draft):
    report = RawReport.objects.get(incident=draft)
    assert review.draft_origin(draft) == (report.pk, 0)
    assert review.draft_origin(IncidentFactory(origin=Origin.MANUAL)) is None

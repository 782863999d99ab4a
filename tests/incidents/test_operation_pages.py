"""The merge and split pages (choose, confirm side by side, POST), the tombstone page of a merged
incident, an admin's undo from the incident page's operation log, and an admin's restore from
the history (whole or one field), each refused to the roles that may not."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.history import incident_history
from incidents.models import (
    AcledPosition,
    Claim,
    CommentKind,
    Incident,
    IncidentActor,
    ReviewComment,
    Status,
    UcdpSide,
)
from tests.factories import (
    ClaimFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(users):
    survivor = IncidentFactory(
        title="Ambush near Boni",
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        created_by=users["editor"],
        published_by=users["reviewer"],
    )
    merged = IncidentFactory(title="Boni ambush (again)", created_by=users["editor"])
    ClaimFactory(incident=survivor, source=SourceFactory(publisher="RFI"), fatalities_best=5)
    moving = ClaimFactory(
        incident=merged, source=SourceFactory(publisher="Studio Tamani"), fatalities_best=9
    )
    return survivor, merged, moving


def login(client, users, role):
    client.force_login(users[role])


# --- merge ---------------------------------------------------------------------------------


def test_the_merge_page_lists_possible_duplicates_and_confirms_side_by_side(client, users, pair):
    survivor, merged, moving = pair
    login(client, users, "reviewer")
    url = reverse("incidents:merge", args=[survivor.pk])
    page = client.get(url)
    assert page.status_code == 200
    # Same day, same point: the other record is offered as a possible duplicate.
    assert f'href="?other={merged.pk}"' in page.content.decode()

    # A claim of a source the survivor cites already would stay on the merged record.
    rfi = Claim.objects.get(incident=survivor).source
    staying = ClaimFactory(incident=merged, source=rfi, fatalities_best=4)
    with CaptureQueriesContext(connection) as queries:
        confirm = client.get(url, {"other": merged.pk, "keep": "this"})
    assert confirm.status_code == 200
    assert (confirm.context["survivor"], confirm.context["merged"]) == (survivor, merged)
    assert confirm.context["moving_rows"]["claims"] == [moving]
    assert confirm.context["staying_rows"]["claims"] == [staying]
    # The preview only reads: no write, no row lock.
    statements = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    assert not [q for q in statements if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not [q for q in statements if "FOR UPDATE" in q or "FOR NO KEY UPDATE" in q]
    assert not ReviewComment.objects.exists()
    text = confirm.content.decode()
    assert "Studio Tamani" in text and "RFI" in text and 'id="confirm-merge"' in text
    assert Claim.objects.get(pk=moving.pk).incident_id == merged.pk  # nothing done yet

    done = client.post(url, {"other": merged.pk, "keep": "this"})
    assert done.status_code == 302 and done.url == reverse("incidents:detail", args=[survivor.pk])
    merged.refresh_from_db()
    assert merged.merged_into_id == survivor.pk and merged.status == Status.RETRACTED
    assert Claim.objects.get(pk=moving.pk).incident_id == survivor.pk
    operation = ReviewComment.objects.get(kind=CommentKind.MERGE)
    assert operation.author == users["reviewer"]


def test_a_possible_duplicates_link_keeps_the_published_record_else_the_older(
    client, users, pair
):
    survivor, merged, _moving = pair  # survivor published, merged a draft
    login(client, users, "reviewer")
    # From the draft's page, the duplicate's link names only the other record.
    page = client.get(reverse("incidents:merge", args=[merged.pk]), {"other": survivor.pk})
    assert page.status_code == 200
    assert (page.context["survivor"], page.context["merged"]) == (survivor, merged)
    assert 'name="keep" value="other"' in page.content.decode()
    # Neither published: the older survives, from either page.
    Incident.objects.filter(pk=survivor.pk).update(status=Status.DRAFT, published_at=None)
    for here, other in ((survivor, merged), (merged, survivor)):
        page = client.get(reverse("incidents:merge", args=[here.pk]), {"other": other.pk})
        assert (page.context["survivor"], page.context["merged"]) == (survivor, merged)


def test_the_preview_keeps_what_the_merge_keeps(users, pair):
    survivor, merged, moving = pair
    rfi = Claim.objects.get(incident=survivor).source
    staying_claim = ClaimFactory(incident=merged, source=rfi, fatalities_best=4)
    first = IncidentActorFactory(incident=survivor)  # actor 1, side A
    same_actor = IncidentActorFactory(incident=merged, actor=first.actor)  # stays
    other_actor = IncidentActorFactory(
        incident=merged, acled_position=AcledPosition.ACTOR2, ucdp_side=UcdpSide.B
    )
    harm = HarmAssessmentFactory(incident=merged)

    plan = services.incident_merge_plan(survivor.pk, merged.pk, user=users["reviewer"])
    operation = services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])

    assert plan == operation.details["kept"]
    assert plan == {"claims": [staying_claim.pk], "participants": [same_actor.pk], "harm": []}
    assert set(operation.details["claims"]) == {moving.pk}
    assert set(operation.details["participants"]) == {other_actor.pk}
    assert operation.details["harm"] == [harm.pk]


def test_the_preview_refuses_what_the_merge_refuses(users, pair):
    survivor, merged, _moving = pair
    with pytest.raises(services.WorkflowError, match="Only reviewers may merge"):
        services.incident_merge_plan(survivor.pk, merged.pk, user=users["editor"])
    for judge in (services.incident_merge_plan, services.incident_merge):
        with pytest.raises(services.WorkflowError, match="cannot be merged into itself"):
            judge(survivor.pk, survivor.pk, user=users["reviewer"])
    Incident.objects.filter(pk=merged.pk).update(
        status=Status.RETRACTED, retraction_reason="A duplicate of another record."
    )
    with pytest.raises(services.WorkflowError, match="retracted"):
        services.incident_merge_plan(survivor.pk, merged.pk, user=users["reviewer"])


def test_the_other_incident_may_be_the_survivor(client, users, pair):
    survivor, merged, _moving = pair
    login(client, users, "reviewer")
    # From the duplicate's page: the published record survives.
    client.post(
        reverse("incidents:merge", args=[merged.pk]), {"other": survivor.pk, "keep": "other"}
    )
    assert Incident.objects.get(pk=merged.pk).merged_into_id == survivor.pk


def test_merging_an_incident_with_itself_is_refused_at_the_field(client, users, pair):
    survivor, _merged, _moving = pair
    login(client, users, "reviewer")
    url = reverse("incidents:merge", args=[survivor.pk])
    response = client.post(url, {"other": survivor.pk, "keep": "this"})
    assert response.status_code == 400
    assert response.context["form"].errors["other"] == ["An incident cannot be merged into itself."]
    missing = client.get(url, {"other": 999999, "keep": "this"})
    assert missing.status_code == 400
    assert missing.context["form"].errors["other"] == ["There is no incident #999999."]
    assert not ReviewComment.objects.exists()


def test_a_refusal_of_the_service_is_shown_and_changes_nothing(client, users, pair):
    survivor, merged, _moving = pair
    Incident.objects.filter(pk=merged.pk).update(location=None)  # a merged record needs a point
    login(client, users, "reviewer")
    # Shown already on the confirmation page, before anything is posted.
    preview = client.get(
        reverse("incidents:merge", args=[survivor.pk]), {"other": merged.pk, "keep": "this"}
    )
    assert preview.status_code == 400
    assert "Set the location and sub-event type" in preview.content.decode()
    response = client.post(
        reverse("incidents:merge", args=[survivor.pk]), {"other": merged.pk, "keep": "this"}
    )
    assert response.status_code == 400
    assert "Set the location and sub-event type" in response.content.decode()
    assert Incident.objects.get(pk=merged.pk).merged_into_id is None


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_reviewers_may_merge_or_split(client, users, pair, role):
    survivor, merged, moving = pair
    login(client, users, role)
    merge = client.post(
        reverse("incidents:merge", args=[survivor.pk]), {"other": merged.pk, "keep": "this"}
    )
    split = client.post(
        reverse("incidents:split", args=[merged.pk]),
        {"claim_ids": [moving.pk], "title": "x", "date_start": "2024-03-01", "confirm": "1"},
    )
    assert (merge.status_code, split.status_code) == (403, 403)
    assert not ReviewComment.objects.exists() and Incident.objects.count() == 2


def test_the_incident_page_offers_merge_and_split_to_reviewers_only(client, users, pair):
    survivor, _merged, _moving = pair
    url = reverse("incidents:detail", args=[survivor.pk])
    login(client, users, "reviewer")
    text = client.get(url).content.decode()
    assert 'id="merge-incident"' in text and 'id="split-incident"' in text
    login(client, users, "editor")
    text = client.get(url).content.decode()
    assert 'id="merge-incident"' not in text and 'id="split-incident"' not in text


def test_a_merged_incidents_page_points_at_the_survivor(client, users, pair):
    survivor, merged, _moving = pair
    services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    # Readers go to the survivor.
    login(client, users, "viewer")
    response = client.get(reverse("incidents:detail", args=[merged.pk]))
    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[survivor.pk])
    followed = client.get(response.url)
    assert f"Incident #{merged.pk} was merged into #{survivor.pk}." in followed.content.decode()
    # Editors see the tombstone (it keeps what the survivor could not take), with the link.
    login(client, users, "editor")
    page = client.get(reverse("incidents:detail", args=[merged.pk]))
    assert page.status_code == 200
    assert f'href="{reverse("incidents:detail", args=[survivor.pk])}"' in page.content.decode()
    assert 'id="merged-into"' in page.content.decode()


# --- undo -----------------------------------------------------------------------------------


def test_an_admin_undoes_a_merge_from_the_incident_page(client, users, pair):
    survivor, merged, moving = pair
    operation = services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    page_url = reverse("incidents:detail", args=[survivor.pk])
    undo_url = reverse("incidents:undo", args=[operation.pk])
    login(client, users, "reviewer")
    assert undo_url not in client.get(page_url).content.decode()
    assert client.post(undo_url).status_code == 403
    assert Incident.objects.get(pk=merged.pk).merged_into_id == survivor.pk

    login(client, users, "admin")
    assert undo_url in client.get(page_url).content.decode()
    response = client.post(undo_url)
    assert response.status_code == 302 and response.url == page_url
    merged.refresh_from_db()
    assert merged.merged_into_id is None and merged.status == Status.DRAFT
    assert Claim.objects.get(pk=moving.pk).incident_id == merged.pk
    page = client.get(page_url).content.decode()
    assert "undone by admin" in page
    # A second undo is refused with the service's message.
    client.post(undo_url)
    assert "This was undone already." in client.get(page_url).content.decode()


# --- split ----------------------------------------------------------------------------------


@pytest.fixture
def mixed(users):
    incident = IncidentFactory(
        title="Two attacks near Djibo", date_start=date(2024, 4, 2), created_by=users["editor"]
    )
    first = ClaimFactory(incident=incident, source=SourceFactory(publisher="AIB"))
    second = ClaimFactory(incident=incident, source=SourceFactory(publisher="Omega"))
    a = IncidentActorFactory(incident=incident, acled_position="actor1", ucdp_side="A")
    b = IncidentActorFactory(incident=incident, acled_position="actor2", ucdp_side="B")
    harm = HarmAssessmentFactory(incident=incident)
    return incident, (first, second), (a, b), harm


def test_a_reviewer_splits_through_the_page_after_confirming(client, users, mixed):
    incident, (first, second), (_a, b), harm = mixed
    login(client, users, "reviewer")
    url = reverse("incidents:split", args=[incident.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["title"] == "Two attacks near Djibo (split)"
    chosen = {
        "claim_ids": [second.pk],
        "participant_ids": [b.pk],
        "harm_ids": [harm.pk],
        "title": "Second attack near Djibo",
        "date_start": "2024-04-03",
        "date_end": "2024-04-03",
        "location_name": "Djibo, north",
        "latitude": "14.45",
        "longitude": "-3.86",
    }
    confirm = client.post(url, chosen)
    assert confirm.status_code == 200 and confirm.context["confirming"]
    assert confirm.context["moving"]["claims"] == [second]
    assert Incident.objects.count() == 1  # nothing done before confirming

    done = client.post(url, {**chosen, "confirm": "1"})
    new = Incident.objects.exclude(pk=incident.pk).get()
    assert done.status_code == 302 and done.url == reverse("incidents:detail", args=[new.pk])
    assert (new.title, new.date_start, new.location_name, new.status) == (
        "Second attack near Djibo",
        date(2024, 4, 3),
        "Djibo, north",
        Status.DRAFT,
    )
    assert (new.location.x, new.location.y) == (-3.86, 14.45)
    assert list(Claim.objects.filter(incident=new)) == [second]
    assert list(IncidentActor.objects.filter(incident=new)) == [b]
    assert list(Claim.objects.filter(incident=incident)) == [first]

    # An admin undoes it from the original's page.
    operation = ReviewComment.objects.get(kind=CommentKind.SPLIT)
    login(client, users, "admin")
    client.post(reverse("incidents:undo", args=[operation.pk]))
    assert not Incident.objects.filter(pk=new.pk).exists()
    assert Claim.objects.filter(incident=incident).count() == 2


def test_a_split_with_nothing_chosen_is_refused(client, users, mixed):
    incident = mixed[0]
    login(client, users, "reviewer")
    response = client.post(
        reverse("incidents:split", args=[incident.pk]),
        {"title": "Nothing", "date_start": "2024-04-02", "date_end": "2024-04-02", "confirm": "1"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Choose the claims, actors or assessments the new incident takes."
    ]
    assert Incident.objects.count() == 1


def test_a_split_whose_dates_the_model_refuses_shows_it_at_the_field(client, users, mixed):
    incident, (_first, second), _ab, _harm = mixed
    login(client, users, "reviewer")
    response = client.post(
        reverse("incidents:split", args=[incident.pk]),
        {
            "claim_ids": [second.pk],
            "title": "Later",
            "date_start": "2024-04-03",
            "date_end": "2024-04-20",  # the copied precision is "day": refused
            "confirm": "1",
        },
    )
    assert response.status_code == 400
    assert "The time precision does not match the date range" in str(
        response.context["form"].errors
    )
    assert Incident.objects.count() == 1
    assert Claim.objects.get(pk=second.pk).incident_id == incident.pk


# --- restore from the history --------------------------------------------------------------


def test_an_admin_restores_one_field_and_a_whole_version_from_the_page(client, users):
    incident = services.incident_create(
        user=users["editor"],
        title="Attack near Djenné",
        narrative="First account.",
        date_start=date(2024, 3, 1),
        date_end=date(2024, 3, 1),
        time_precision=1,
        geo_precision=1,
        event_type="battles",
        sub_event_type="armed_clash",
    )
    services.incident_update(
        incident.pk, user=users["editor"], title="Attack in Djenné", narrative="Second account."
    )
    created = incident_history(incident)[0]
    page_url = reverse("incidents:detail", args=[incident.pk])
    restore_url = reverse("incidents:restore", args=[incident.pk])

    login(client, users, "reviewer")
    assert "Restore this version" not in client.get(page_url).content.decode()
    refused = client.post(restore_url, {"event": created.event_id})
    assert refused.status_code == 403

    login(client, users, "admin")
    page = client.get(page_url).content.decode()
    assert "Restore this version" in page and f'value="{created.event_id}"' in page
    client.post(restore_url, {"event": created.event_id, "field": "title"})
    incident.refresh_from_db()
    assert (incident.title, incident.narrative) == ("Attack near Djenné", "Second account.")
    client.post(restore_url, {"event": created.event_id})
    incident.refresh_from_db()
    assert incident.narrative == "First account."
    restores = [c for c in incident_history(incident) if c.context.get("restored_from")]
    assert [c.who for c in restores] == ["admin", "admin"]
    assert "restored from the history" in client.get(page_url).content.decode()
    # A field that is never restored is refused with the service's message.
    client.post(restore_url, {"event": created.event_id, "field": "status"})
    assert "These fields cannot be restored: status." in client.get(page_url).content.decode()


def test_a_claim_field_is_restored_from_the_incident_page(client, users):
    claim = ClaimFactory(summary="Nine dead.", fatalities_best=9)
    services.claim_update(claim.pk, user=users["editor"], summary="Eleven dead.")
    entry = next(c for c in incident_history(claim.incident) if c.model == "incidents.Claim")
    login(client, users, "admin")
    client.post(
        reverse("incidents:restore", args=[claim.incident_id]),
        {"event": entry.event_id, "field": "summary"},
    )
    assert Claim.objects.get(pk=claim.pk).summary == "Nine dead."

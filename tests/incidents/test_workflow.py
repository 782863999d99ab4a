"""The review workflow (four eyes, send back with a comment), optimistic locking, and the
history: every change as a readable diff, and an admin's restore, itself recorded."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from incidents import services
from incidents.history import RestoreError, history_restore, incident_history
from incidents.models import (
    Claim,
    CommentKind,
    Incident,
    IncidentActor,
    ReviewComment,
    Status,
    Victim,
)
from tests.factories import ActorFactory, UserFactory

pytestmark = pytest.mark.django_db


def new_incident(user, **fields) -> Incident:
    return services.incident_create(
        user=user,
        title="Attack near Djenné",
        date_start=date(2024, 3, 1),
        date_end=date(2024, 3, 1),
        time_precision=1,
        geo_precision=1,
        event_type="battles",
        sub_event_type="armed_clash",
        location=Point(-4.55, 13.9, srid=4326),
        **fields,
    )


@pytest.fixture
def in_review(users) -> Incident:
    incident = new_incident(users["editor"])
    return services.incident_submit_for_review(incident.pk, user=users["editor"])


# --- Four eyes --------------------------------------------------------------------------------


def test_a_reviewer_may_publish_an_entry_they_corrected_and_the_correction_is_attributed(
    users, in_review
):
    services.incident_update(in_review.pk, user=users["reviewer"], title="Attack near Djenné town")
    published = services.incident_publish(in_review.pk, user=users["reviewer"])
    assert published.status == Status.PUBLISHED and published.published_by == users["reviewer"]
    corrected = next(
        c
        for c in incident_history(in_review)
        if any(f.name == "title" for f in c.changes) and c.action == "update"
    )
    assert corrected.who == "reviewer"


def test_an_entry_created_by_a_reviewer_needs_another_reviewer_even_after_an_editor(users):
    own = new_incident(users["reviewer"])
    services.incident_update(own.pk, user=users["editor"], narrative="Completed by an editor.")
    services.incident_submit_for_review(own.pk, user=users["editor"])
    with pytest.raises(services.WorkflowError, match="own entry"):
        services.incident_publish(own.pk, user=users["reviewer"])
    second = UserFactory(username="reviewer2", role="reviewer")
    assert services.incident_publish(own.pk, user=second).status == Status.PUBLISHED


def test_a_reviewer_cannot_publish_what_they_created(users):
    own = new_incident(users["reviewer"])
    services.incident_submit_for_review(own.pk, user=users["reviewer"])
    with pytest.raises(services.WorkflowError, match="own entry"):
        services.incident_publish(own.pk, user=users["reviewer"])
    assert Incident.objects.get(pk=own.pk).status == Status.IN_REVIEW


# --- Send back --------------------------------------------------------------------------------


def test_a_reviewer_sends_back_with_a_comment(users, in_review):
    comment = services.incident_send_back(
        in_review.pk, user=users["reviewer"], comment="  The date is the day of the report.  "
    )
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT
    stored = ReviewComment.objects.get(incident=in_review)
    assert stored == comment
    assert stored.kind == CommentKind.SEND_BACK and stored.author == users["reviewer"]
    assert stored.text == "The date is the day of the report." and stored.created_at is not None
    # The editor fixes it and submits again; the reviewer publishes.
    services.incident_update(
        in_review.pk, user=users["editor"], date_start=date(2024, 2, 29), date_end=date(2024, 2, 29)
    )
    services.incident_submit_for_review(in_review.pk, user=users["editor"])
    assert services.incident_publish(in_review.pk, user=users["reviewer"]).status == "published"


@pytest.mark.parametrize("comment", ["", "   "])
def test_sending_back_needs_a_comment_and_changes_nothing(users, in_review, comment):
    with pytest.raises(services.WorkflowError, match="should change"):
        services.incident_send_back(in_review.pk, user=users["reviewer"], comment=comment)
    assert Incident.objects.get(pk=in_review.pk).status == Status.IN_REVIEW
    assert not ReviewComment.objects.exists()


def test_only_reviewers_send_back_and_only_what_is_in_review(users, in_review):
    with pytest.raises(services.WorkflowError, match="Only reviewers"):
        services.incident_send_back(in_review.pk, user=users["editor"], comment="No.")
    draft = new_incident(users["editor"])
    with pytest.raises(services.WorkflowError, match="in review"):
        services.incident_send_back(draft.pk, user=users["reviewer"], comment="No.")
    assert not ReviewComment.objects.exists()


# --- Optimistic locking -----------------------------------------------------------------------


def test_every_save_moves_the_version(users):
    incident = new_incident(users["editor"])
    assert incident.version == 1 and Incident.objects.get(pk=incident.pk).version == 1
    services.incident_update(incident.pk, user=users["editor"], title="Second")
    assert Incident.objects.get(pk=incident.pk).version == 2
    services.incident_update(incident.pk, user=users["editor"], title="Second")  # no change
    assert Incident.objects.get(pk=incident.pk).version == 2
    services.incident_submit_for_review(incident.pk, user=users["editor"])
    assert Incident.objects.get(pk=incident.pk).version == 3


def test_a_stale_save_is_refused_with_the_current_version_and_nothing_written(users):
    incident = new_incident(users["editor"])
    opened = incident.version  # both editors open version 1
    second = UserFactory(username="editor2", role="editor")
    services.incident_update(
        incident.pk, user=second, expected_version=opened, title="Second editor's title"
    )
    with pytest.raises(services.ConcurrentEditError) as excinfo:
        services.incident_update(
            incident.pk,
            user=users["editor"],
            expected_version=opened,
            title="First editor's title",
            narrative="typed by the first editor",
        )
    error = excinfo.value
    assert error.current_version == 2 and error.expected_version == 1
    assert error.current.title == "Second editor's title"
    assert "version 2" in str(error)
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.title == "Second editor's title" and stored.narrative == ""
    assert stored.version == 2 and stored.updated_by == second
    # Having seen both, the first editor saves over version 2.
    services.incident_update(
        incident.pk, user=users["editor"], expected_version=2, title="Agreed title"
    )
    assert Incident.objects.get(pk=incident.pk).version == 3


def test_the_version_and_the_merge_are_not_fields_to_update(users):
    incident = new_incident(users["editor"])
    with pytest.raises(services.WorkflowError):
        services.incident_update(incident.pk, user=users["editor"], version=9)


# --- History ----------------------------------------------------------------------------------


def test_every_change_is_in_the_history_as_a_readable_diff(users):
    editor = users["editor"]
    incident = new_incident(editor)
    services.incident_update(incident.pk, user=editor, title="Attack on Djenné market")
    source = services.source_create(
        user=editor, kind="news_report", publisher="Studio Tamani", url="https://tamani.org/1"
    )
    claim = services.claim_create(
        user=editor, incident_id=incident.pk, source_id=source.pk, summary="Five dead."
    )
    services.claim_update(claim.pk, user=editor, fatalities_best=5)
    services.source_update(source.pk, user=editor, reliability="B")
    actor = ActorFactory(name="Katiba Macina")
    IncidentActor.objects.create(incident=incident, actor=actor, acled_position="actor1")
    harm = services.harm_assessment_create(
        user=editor, incident_id=incident.pk, grade="weak", killed_men=3
    )
    Victim.objects.create(report=harm, name="Private Name", status="killed")

    history = incident_history(incident, personal=False)
    whats = [c.what.split(" #")[0] for c in history]
    for kind in ("incident", "source", "claim", "participant", "civilian-harm assessment"):
        assert kind in whats, kind
    assert "victim" in whats
    title = next(c for c in history if c.model == "incidents.Incident" and c.action == "update")
    assert title.who == "editor"
    change = next(f for f in title.changes if f.name == "title")
    assert (change.before, change.after) == ("Attack near Djenné", "Attack on Djenné market")
    graded = next(c for c in history if c.model == "incidents.Source" and c.action == "update")
    assert any(
        f.name == "reliability" and "usually reliable" in str(f.after) for f in graded.changes
    )
    fatalities = next(c for c in history if c.model == "incidents.Claim" and c.action == "update")
    assert ("—", 5) in [
        (f.before, f.after) for f in fatalities.changes if f.name == "fatalities_best"
    ]
    participant = next(c for c in history if c.model == "incidents.IncidentActor")
    assert "Katiba Macina" in [f.after for f in participant.changes]
    victim = next(c for c in history if c.model == "incidents.Victim")
    assert ("name", "•••") in [(f.name, f.after) for f in victim.changes]
    personal = incident_history(incident, personal=True)
    victim = next(c for c in personal if c.model == "incidents.Victim")
    assert ("name", "Private Name") in [(f.name, f.after) for f in victim.changes]
    assert [c.when for c in history] == sorted(c.when for c in history)


def test_an_admin_restores_a_field_and_the_restore_is_recorded(users):
    incident = new_incident(users["editor"], narrative="First account.")
    services.incident_update(
        incident.pk, user=users["editor"], title="Wrong title", narrative="Second account."
    )
    created = incident_history(incident)[0]
    assert created.action == "insert"
    with pytest.raises(RestoreError, match="admin"):
        history_restore(created.event_id, user=users["reviewer"], fields=["title"])
    with pytest.raises(RestoreError, match="cannot be restored"):
        history_restore(created.event_id, user=users["admin"], fields=["status"])
    history_restore(created.event_id, user=users["admin"], fields=["title"])
    incident.refresh_from_db()
    assert incident.title == "Attack near Djenné" and incident.narrative == "Second account."
    assert incident.updated_by == users["admin"] and incident.version == 3
    last = incident_history(incident)[-1]
    assert last.who == "admin" and "restored" in last.action_label
    assert last.context["restored_from"] == created.event_id
    assert [f.name for f in last.changes] == ["title"]
    # The whole row: the narrative too.
    history_restore(created.event_id, user=users["admin"])
    incident.refresh_from_db()
    assert incident.narrative == "First account."


def test_a_deleted_claim_comes_back_whole_with_its_id(users):
    incident = new_incident(users["editor"])
    source = services.source_create(user=users["editor"], kind="news_report", publisher="RFI")
    claim = services.claim_create(
        user=users["editor"],
        incident_id=incident.pk,
        source_id=source.pk,
        summary="Three dead.",
        fatalities_best=3,
    )
    claim_id = claim.pk
    Claim.objects.filter(pk=claim_id).delete()
    inserted = next(
        c
        for c in incident_history(incident)
        if c.model == "incidents.Claim" and c.action == "insert"
    )
    history_restore(inserted.event_id, user=users["admin"])
    restored = Claim.objects.get(pk=claim_id)
    assert restored.summary == "Three dead." and restored.fatalities_best == 3
    incident.refresh_from_db()
    assert incident.fatalities_best == 3  # the estimates follow the restored claim
    assert incident_history(incident)[-1].action == "insert"


def test_unknown_entries_are_refused_and_a_restore_without_difference_writes_nothing(users):
    incident = new_incident(users["editor"])
    event = incident_history(incident)[0].event_id
    with pytest.raises(RestoreError):
        history_restore("incidents.IncidentEvent:999999", user=users["admin"])
    with pytest.raises(RestoreError):
        history_restore("auth.User:1", user=users["admin"])
    assert history_restore(event, user=users["admin"]).version == 1  # nothing differs


def test_the_incident_page_shows_the_history_with_the_restore_to_editors_only(client, users):
    incident = new_incident(users["editor"])
    services.incident_update(incident.pk, user=users["editor"], title="Wrong title")
    created = incident_history(incident)[0]
    history_restore(created.event_id, user=users["admin"], fields=["title"])
    client.force_login(users["reviewer"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    section = page[page.index('<section class="history">') :]
    assert "<del>Attack near Djenné</del> → <ins>Wrong title</ins>" in section
    assert "<del>Wrong title</del> → <ins>Attack near Djenné</ins>" in section
    assert "restored from the history" in section and ">admin<" in section
    client.force_login(users["viewer"])
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404  # a draft
    services.incident_submit_for_review(incident.pk, user=users["editor"])
    services.incident_publish(incident.pk, user=users["reviewer"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert '<section class="history">' not in page


def test_a_form_checks_the_version_before_writing_its_rows(users):
    incident = new_incident(users["editor"])
    services.incident_update(incident.pk, user=users["editor"], title="Newer")
    with pytest.raises(services.ConcurrentEditError) as excinfo:
        services.incident_lock(incident.pk, expected_version=1)
    assert excinfo.value.current.title == "Newer"
    assert services.incident_lock(incident.pk, expected_version=2).pk == incident.pk

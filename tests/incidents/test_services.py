"""Workflow services: draft -> in review -> published -> retracted, by the right roles."""

import pytest

from incidents import services
from incidents.models import Incident, Status
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(users):
    return IncidentFactory(created_by=users["editor"])


def test_an_editor_submits_and_a_reviewer_publishes(users, entry):
    services.incident_submit_for_review(entry.pk, user=users["editor"])
    services.incident_publish(entry.pk, user=users["reviewer"])
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED
    assert entry.published_by == users["reviewer"] and entry.published_at is not None


def test_reviewer_cannot_publish_own_incident(users):
    own = IncidentFactory(created_by=users["reviewer"], status=Status.IN_REVIEW)
    with pytest.raises(services.WorkflowError, match="own entry"):
        services.incident_publish(own.pk, user=users["reviewer"])
    assert Incident.objects.get(pk=own.pk).status == Status.IN_REVIEW


def test_editors_and_viewers_cannot_publish(users, entry):
    services.incident_submit_for_review(entry.pk, user=users["editor"])
    for role in ("editor", "viewer"):
        with pytest.raises(services.WorkflowError, match="Only reviewers"):
            services.incident_publish(entry.pk, user=users[role])


def test_a_draft_without_location_cannot_go_to_review(users):
    incomplete = IncidentFactory(location=None, created_by=users["editor"])
    with pytest.raises(services.WorkflowError, match="location"):
        services.incident_submit_for_review(incomplete.pk, user=users["editor"])


def test_retraction_needs_a_reason_and_keeps_the_record(users, entry):
    services.incident_submit_for_review(entry.pk, user=users["editor"])
    services.incident_publish(entry.pk, user=users["reviewer"])
    with pytest.raises(services.WorkflowError, match="why"):
        services.incident_retract(entry.pk, user=users["reviewer"], reason="  ")
    services.incident_retract(entry.pk, user=users["reviewer"], reason="Duplicate of #12")
    entry.refresh_from_db()
    assert entry.status == Status.RETRACTED and entry.retraction_reason == "Duplicate of #12"

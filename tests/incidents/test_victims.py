"""Victim rows are personal data: written only through the victim services, only by users with
the personal-data permission, validated, and attributed in the history; the form uses them."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.history import incident_history
from incidents.models import Victim
from tests.factories import HarmAssessmentFactory, UserFactory
from tests.incidents.test_forms import edit_data, incident_data, with_harm

pytestmark = pytest.mark.django_db


def test_an_editor_creates_changes_and_removes_a_victim_attributed_in_the_history(users):
    report = HarmAssessmentFactory()
    victim = services.victim_create(
        user=users["editor"], report_id=report.pk, name="Aminata T.", status="killed"
    )
    services.victim_update(victim.pk, user=users["editor"], age_years=34, age_group="adult")
    victim.refresh_from_db()
    assert (victim.name, victim.age_years, victim.age_group) == ("Aminata T.", 34, "adult")
    services.victim_delete(victim.pk, user=users["editor"])
    assert not Victim.objects.exists()
    entries = [c for c in incident_history(report.incident) if c.model == "incidents.Victim"]
    assert [(c.action, c.who) for c in entries] == [
        ("insert", "editor"),
        ("update", "editor"),
        ("delete", "editor"),
    ]


def test_without_the_personal_data_permission_victims_are_refused(users):
    report = HarmAssessmentFactory()
    victim = services.victim_create(user=users["editor"], report_id=report.pk, status="killed")
    coder = UserFactory(username="coder")
    coder.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_incident", "change_incident"])
    )
    message = "Only users allowed to see personal data may write victims."
    for attempt in (
        lambda: services.victim_create(user=coder, report_id=report.pk, status="killed"),
        lambda: services.victim_update(victim.pk, user=coder, name="X"),
        lambda: services.victim_delete(victim.pk, user=coder),
        lambda: services.victim_create(user=users["viewer"], report_id=report.pk, status="killed"),
    ):
        with pytest.raises(services.PersonalDataError, match=message):
            attempt()
    assert list(Victim.objects.values_list("name", flat=True)) == [""]


def test_a_victim_the_model_refuses_is_not_saved(users):
    report = HarmAssessmentFactory()
    with pytest.raises(ValidationError) as refused:
        services.victim_create(
            user=users["editor"],
            report_id=report.pk,
            status="killed",
            age_years=9,
            age_group="adult",
        )
    assert "The age group does not match the age" in str(refused.value)
    assert not Victim.objects.exists()


def test_the_form_writes_and_removes_victims_through_the_services(client, users):
    client.force_login(users["editor"])
    client.post(
        "/incidents/new/",
        {
            **with_harm(incident_data()),
            "victims-0-assessment_number": "1",
            "victims-0-name": "Aminata T.",
            "victims-0-status": "killed",
            "victims-0-age_group": "unknown",
            "victims-0-sex": "female",
            "victims-TOTAL_FORMS": "1",
        },
    )
    victim = Victim.objects.get()
    incident = victim.report.incident
    history = [c for c in incident_history(incident) if c.model == "incidents.Victim"]
    assert [(c.action, c.who) for c in history] == [("insert", "editor")]

    data = edit_data(client, incident)
    data["victims-0-name"] = "Aminata Traoré"
    client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert Victim.objects.get().name == "Aminata Traoré"

    data = edit_data(client, incident)
    data["victims-0-DELETE"] = "on"
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302
    assert not Victim.objects.exists()
    actions = [c.action for c in incident_history(incident) if c.model == "incidents.Victim"]
    assert actions == ["insert", "update", "delete"]

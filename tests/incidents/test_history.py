"""Every write is kept in history and attributed: to the user of a request, or to the command."""

import pytest
from django.urls import reverse

from incidents.models import Incident, Status
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def events_of(incident):
    return list(incident.events.order_by("pgh_id").select_related("pgh_context"))


def test_each_change_is_a_history_event_with_the_previous_values_kept(users):
    incident = IncidentFactory(title="First version")
    Incident.objects.filter(pk=incident.pk).update(title="Second version")
    Incident.objects.filter(pk=incident.pk).update(title="Second version")  # no real change
    titles = [(e.pgh_label, e.title) for e in events_of(incident)]
    assert titles == [("insert", "First version"), ("update", "Second version")]


def test_a_change_made_in_the_admin_is_attributed_to_its_user(client, users):
    incident = IncidentFactory(title="Before", status=Status.DRAFT)
    client.force_login(users["editor"])
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in {"tags", "location"}
    }
    data.update(
        {
            "title": "After",
            "tags": "",
            "location": incident.location.geojson,
            "date_start": "2024-03-01",
            "date_end": "2024-03-01",
            "participants-TOTAL_FORMS": 0,
            "participants-INITIAL_FORMS": 0,
            "claims-TOTAL_FORMS": 0,
            "claims-INITIAL_FORMS": 0,
            "harm_assessments-TOTAL_FORMS": 0,
            "harm_assessments-INITIAL_FORMS": 0,
            "acled_events-TOTAL_FORMS": 0,
            "acled_events-INITIAL_FORMS": 0,
            "ucdp_events-TOTAL_FORMS": 0,
            "ucdp_events-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    last = events_of(incident)[-1]
    assert last.title == "After"
    assert last.pgh_context.metadata["user"] == users["editor"].pk
    incident.refresh_from_db()
    assert incident.updated_by == users["editor"]


def test_a_command_write_is_attributed_to_the_command(db):
    from django.core.management import call_command

    from actors.services import actor_catalogue_load, read_catalogue

    actor_catalogue_load(read_catalogue())
    call_command("load_demo")
    incident = Incident.objects.filter(origin="demo").first()
    assert events_of(incident)[0].pgh_context.metadata["command"] == "load_demo"


def test_a_management_command_write_is_attributed_to_the_command(db):
    from django.core.management import call_command

    from actors.models import Actor

    call_command("load_actors")
    # Whatever loaded the catalogue before, this run has one thing to correct.
    Actor.objects.filter(slug="jnim").update(description="edited by hand")
    call_command("load_actors")
    last = Actor.objects.get(slug="jnim").events.order_by("pgh_id").last()
    assert last.pgh_label == "update" and last.description != "edited by hand"
    assert last.pgh_context.metadata["command"] == "load_actors"

"""The admin: every model registered, with map widgets, search and filters; personal data hidden
from roles without the permission; status changes only through the workflow."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from incidents.models import Incident, Status
from tests.factories import IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("actors", "incidents")


def domain_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in DOMAIN_APPS and not m.__name__.endswith("Event")
    ]


DERIVED = {
    "MapCell",
    "ApiRecord",
    "ActorGroup",
    "ActorGroupWindow",
    "ActorSummaryState",
    "ActorCell",
    "IncidentTombstone",
}


def test_every_domain_model_is_registered():
    missing = [m.__name__ for m in domain_models() if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", domain_models(), ids=lambda m: m.__name__)
def test_changelist_and_add_pages_render_for_an_admin(admin_client, model):
    opts = model._meta
    changelist = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "x"}
    )
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # Areas' parts and dataset records are written by the database and loaders only; raw
    # reports by ingestion only (they are evidence); extraction feedback by the review queue.
    # Idempotent requests by the write API.
    written_elsewhere = {
        "AdminAreaPart",
        "ReferenceDataset",
        "RawReport",
        "ExtractionFeedback",
        "IdempotentRequest",
    }
    read_only = model.__name__ in written_elsewhere | DERIVED
    assert add.status_code == (403 if read_only else 200)


def test_geometries_are_edited_on_a_leaflet_map(admin_client):
    page = admin_client.get(reverse("admin:incidents_incident_add")).content.decode()
    assert "leaflet" in page.lower()
    assert "incidents/basemap.js" in page


def test_incident_admin_has_search_and_filters():
    incident_admin = admin.site._registry[Incident]
    assert {"title", "narrative"} <= set(incident_admin.search_fields)
    assert {"status", "event_type", "country_code"} <= set(incident_admin.list_filter)


def test_informant_is_hidden_from_a_viewer_with_admin_access(client, users):
    source = SourceFactory(informant="Secret witness")
    viewer = users["viewer"]
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    page = client.get(reverse("admin:incidents_source_change", args=[source.pk])).content.decode()
    assert "Secret witness" not in page
    client.force_login(users["editor"])
    page = client.get(reverse("admin:incidents_source_change", args=[source.pk])).content.decode()
    assert "Secret witness" in page


def test_status_cannot_be_set_in_the_form_only_through_actions(client, users):
    incident = IncidentFactory(created_by=users["editor"], status=Status.IN_REVIEW)
    client.force_login(users["reviewer"])
    # The change form, posted with a status of "published", saves but leaves the status alone.
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    assert "status" not in form.fields
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in {"tags", "location"}
    }
    data.update(
        {
            "title": "Edited in the form",
            "status": Status.PUBLISHED,
            "tags": "",
            "location": incident.location.geojson,
            "date_start": "2024-03-01",
            "date_end": "2024-03-01",
        }
    )
    for prefix in ("participants", "claims", "harm_assessments", "acled_events", "ucdp_events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    assert client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.status) == ("Edited in the form", Status.IN_REVIEW)
    # The publish action is the way.
    changelist = reverse("admin:incidents_incident_changelist")
    response = client.post(
        changelist, {"action": "publish", "_selected_action": [incident.pk]}, follow=True
    )
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED
    own = IncidentFactory(created_by=users["reviewer"], status=Status.IN_REVIEW)
    response = client.post(
        changelist, {"action": "publish", "_selected_action": [own.pk]}, follow=True
    )
    assert "cannot publish their own entry" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Status.IN_REVIEW


def test_editors_are_not_offered_the_publish_action(client, users):
    client.force_login(users["editor"])
    page = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    assert 'value="submit_for_review"' in page
    assert 'value="publish"' not in page


def test_actor_search_matches_aliases_whatever_the_spelling_within_the_filters(admin_client):
    from actors.services import actor_catalogue_load, read_catalogue

    actor_catalogue_load(read_catalogue())
    url = reverse("admin:actors_actor_changelist")
    found = admin_client.get(url, {"q": "Jama’at Nusrat"}).context["cl"].result_list
    assert [a.slug for a in found] == ["jnim"]
    filtered = admin_client.get(url, {"q": "Jama’at Nusrat", "kind__exact": "state"})
    assert list(filtered.context["cl"].result_list) == []

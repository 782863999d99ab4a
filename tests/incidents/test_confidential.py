"""Confidential sources: editors, reviewers and admins see them; viewers and partners see
"confidential source" and its reliability grade only — on the incident page, in every API
format (JSON, GeoJSON, CSV), in the sources list and in the ACLED-compatible endpoint."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from incidents import services
from incidents.models import Status
from tests.factories import ClaimFactory, HarmAssessmentFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

SECRETS = (
    "Secret Informant Network",
    "https://secret.example.org/",
    "Hidden title",
    "Private notes",
)


@pytest.fixture
def incident():
    incident = IncidentFactory(
        title="Attack with a confidential source",
        status=Status.PUBLISHED,
        published_at=timezone.now(),
    )
    secret = SourceFactory(
        publisher="Secret Informant Network",
        url="https://secret.example.org/report",
        title="Hidden title",
        notes="Private notes",
        reliability="B",
        confidential=True,
    )
    ClaimFactory(incident=incident, source=secret, credibility=2, fatalities_best=4)
    ClaimFactory(incident=incident, source=SourceFactory(publisher="Studio Tamani"))
    HarmAssessmentFactory(incident=incident, source=secret)
    return incident


@pytest.fixture
def key():
    return services.api_key_create("Relief Partner")[1]


def text_of(response) -> str:
    assert response.status_code == 200, response
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def hidden(text: str) -> bool:
    return not any(secret in text for secret in SECRETS)


def as_role(client, users, role):
    client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ["viewer"])
def test_the_incident_page_hides_a_confidential_source_from_viewers(client, users, incident, role):
    page = text_of(as_role(client, users, role).get(f"/incidents/{incident.pk}/"))
    assert "confidential source" in page
    assert "B2" in page  # its grade (reliability and credibility) stays
    assert hidden(page)
    assert "Studio Tamani" in page


@pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
def test_editors_see_a_confidential_source_on_the_page(client, users, incident, role):
    page = text_of(as_role(client, users, role).get(f"/incidents/{incident.pk}/"))
    assert "Secret Informant Network" in page and "https://secret.example.org/report" in page
    assert "confidential" in page


def partner_get(client, key, path, **params):
    return client.get(path, params, HTTP_AUTHORIZATION=f"Api-Key {key}")


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
def test_partners_and_viewers_get_the_label_in_every_format(client, users, key, incident, fmt):
    for response in (
        partner_get(client, key, "/api/v1/incidents/", format=fmt),
        as_role(client, users, "viewer").get("/api/v1/incidents/", {"format": fmt}),
    ):
        text = text_of(response)
        assert "confidential source (B2)" in text
        assert "Studio Tamani" in text
        assert hidden(text)
    client.logout()
    one = text_of(partner_get(client, key, f"/api/v1/incidents/{incident.pk}/"))
    assert "confidential source (B2)" in one and hidden(one)


def test_csv_cell_names_the_label(client, key, incident):
    text = text_of(partner_get(client, key, "/api/v1/incidents/", format="csv"))
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["claims_summary"].startswith("confidential source (B2): 4")


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
def test_editors_get_the_publisher_in_every_format(client, users, incident, fmt):
    text = text_of(as_role(client, users, "editor").get("/api/v1/incidents/", {"format": fmt}))
    assert "Secret Informant Network (B2)" in text


def test_the_sources_list_gives_partners_the_grade_only(client, users, key, incident):
    rows = partner_get(client, key, "/api/v1/sources/").json()["results"]
    secret = next(r for r in rows if r["reliability"] == "B")
    assert secret["publisher"] == "confidential source"
    assert secret["url"] == "" and secret["title"] == "" and secret["incidents"] == [incident.pk]
    assert hidden(json.dumps(rows))
    csv_text = text_of(partner_get(client, key, "/api/v1/sources/", format="csv"))
    assert hidden(csv_text) and "confidential source" in csv_text
    editor_rows = as_role(client, users, "editor").get("/api/v1/sources/").json()["results"]
    assert "Secret Informant Network" in [r["publisher"] for r in editor_rows]


def test_the_acled_endpoint_source_field(client, users, key, incident):
    params = {"key": key, "email": "analyst@example.org"}
    (row,) = client.get("/api/acled/read", params).json()["data"]
    assert row["source"] == "Studio Tamani; confidential source"
    text = client.get("/api/acled/read", {**params, "_format": "csv"}).content.decode()
    assert hidden(text) and "confidential source" in text
    (row,) = as_role(client, users, "editor").get("/api/acled/read").json()["data"]
    assert row["source"] == "Secret Informant Network; Studio Tamani"

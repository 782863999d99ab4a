"""The write API (POST /api/v1/incidents/): a write-scoped key creates a draft with its
participants and claims through the services, all or nothing; errors name each field; a read
key is refused; drafts stay out of partners' reads; every record is attributed."""

import json
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from pghistory.models import Events

from incidents.models import (
    Claim,
    IdempotentRequest,
    Incident,
    IncidentActor,
    Organisation,
    Source,
    Status,
)
from incidents.services import api_key_create
from tests.factories import ActorFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def post(client, body, key=None, **headers):
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def write_key():
    return api_key_create("Field Network", scope="write")[1]


@pytest.fixture
def actors():
    return ActorFactory(slug="jnim", name="JNIM"), ActorFactory(slug="fama", name="FAMa")


def draft_body(**changes) -> dict:
    body = {
        "title": "Ambush near Boni",
        "date_start": "2024-05-02",
        "time_precision": 1,
        "longitude": -1.95,
        "latitude": 15.05,
        "location_name": "Boni",
        "geo_precision": 2,
        "event_type": "battles",
        "sub_event_type": "armed_clash",
        "narrative": "An army convoy was ambushed.",
        "tags": ["convoy"],
        "participants": [
            {"actor": "jnim", "acled_position": "actor1", "ucdp_side": "B", "initiator": True},
            {"actor": "fama", "acled_position": "actor2", "ucdp_side": "A"},
        ],
        "claims": [
            {
                "source": {
                    "kind": "news_report",
                    "publisher": "Studio Tamani",
                    "url": "https://news.example.org/boni-ambush",
                    "reliability": "B",
                },
                "summary": "Five soldiers killed.",
                "credibility": 2,
                "fatalities_low": 5,
                "fatalities_best": 5,
                "fatalities_high": 7,
            }
        ],
    }
    body.update(changes)
    return body


def test_a_write_key_creates_a_draft_with_participants_sources_and_claims(
    client, write_key, actors
):
    response = post(client, draft_body(), write_key)
    assert response.status_code == 201, response.content
    record = response.json()
    incident = Incident.objects.get(pk=record["id"])
    assert incident.status == Status.DRAFT and record["status"] == "draft"
    assert (incident.location.x, incident.location.y) == (-1.95, 15.05)
    assert incident.date_end == incident.date_start  # defaults to the start
    jnim, fama = actors
    assert record["actor1"] == jnim.name and record["actor2"] == fama.name
    assert record["initiators"] == jnim.name
    participants = IncidentActor.objects.filter(incident=incident).order_by("acled_position")
    assert [(p.actor.slug, p.ucdp_side) for p in participants] == [("jnim", "B"), ("fama", "A")]
    claim = Claim.objects.get(incident=incident)
    assert claim.source.publisher == "Studio Tamani" and claim.fatalities_high == 7
    # The incident's estimates follow its claims (the database's derivation, as for the forms).
    incident.refresh_from_db()
    assert (incident.fatalities_low, incident.fatalities_best) == (5, 5)


def test_the_records_are_attributed_to_the_organisations_service_account(client, write_key, actors):
    response = post(client, draft_body(), write_key)
    incident = Incident.objects.get(pk=response.json()["id"])
    organisation = Organisation.objects.get(name="Field Network")
    author = incident.created_by
    assert author.username == f"partner-{organisation.pk}"
    assert author.first_name == "Field Network"
    assert not author.is_active and not author.has_usable_password()
    assert not author.groups.exists()
    claim = Claim.objects.get(incident=incident)
    assert claim.created_by == author and claim.source.created_by == author
    # A second write reuses the account; the history context names the key.
    post(client, draft_body(title="Second", claims=[]), write_key)
    assert get_user_model().objects.filter(username=author.username).count() == 1
    event = Events.objects.filter(pgh_obj_model="incidents.Incident", pgh_obj_id=incident.pk)
    context = event.first().pgh_context
    assert context["api_organisation"] == "Field Network"
    assert write_key.startswith(context["api_key"])


def test_an_editor_signed_in_writes_as_themself(client, users, actors):
    client.force_login(users["editor"])
    response = post(client, draft_body())
    assert response.status_code == 201, response.content
    assert Incident.objects.get(pk=response.json()["id"]).created_by == users["editor"]


def test_a_read_key_a_viewer_and_nobody_may_not_write(client, users, actors):
    read_key = api_key_create("Readers Only")[1]
    refused = post(client, draft_body(), read_key)
    assert refused.status_code == 403
    assert "write scope" in refused.json()["detail"]
    assert post(client, draft_body()).status_code == 401
    client.force_login(users["viewer"])
    assert post(client, draft_body()).status_code == 403
    assert not Incident.objects.exists()


def test_errors_name_each_field_at_its_place_and_nothing_is_saved(client, write_key, actors):
    body = draft_body(
        date_start="2024-05-10",
        date_end="2024-05-02",  # before the start: a database rule
        geo_precision=9,
        colour="red",
    )
    body["participants"][1]["actor"] = "no-such-group"
    body["claims"][0]["fatalities_low"] = 9  # above best: low <= best <= high
    body["claims"][0]["source"]["language"] = "fr"
    before = (Incident.objects.count(), Source.objects.count(), IncidentActor.objects.count())
    response = post(client, body, write_key)
    assert response.status_code == 400
    errors = response.json()
    # Parsing errors first (types, choices, unknown fields, unknown actors).
    assert set(errors) == {"geo_precision", "colour", "participants"}
    assert errors["colour"] == ["Unknown field."]
    assert list(errors["participants"]) == ["1"]  # by index, only the faulty ones
    assert "actor" in errors["participants"]["1"]
    body = draft_body(date_start="2024-05-10", date_end="2024-05-02")
    body["claims"][0]["fatalities_low"] = 9
    body["claims"][0]["source"]["language"] = "fr"
    response = post(client, body, write_key)
    assert response.status_code == 400
    errors = response.json()
    # Then the rules of the data, all at once: the incident's, the claim's and its source's.
    assert "end date cannot be before" in " ".join(errors["non_field_errors"])
    claim_errors = errors["claims"]["0"]
    assert "low ≤ best ≤ high" in " ".join(claim_errors["non_field_errors"])
    assert "ISO 639-3" in " ".join(claim_errors["source"]["non_field_errors"])
    after = (Incident.objects.count(), Source.objects.count(), IncidentActor.objects.count())
    assert after == before


def test_a_rule_broken_by_a_later_part_rolls_back_the_earlier_ones(client, write_key, actors):
    body = draft_body()
    body["participants"][1]["acled_position"] = "actor1"  # two actor 1s
    response = post(client, body, write_key)
    assert response.status_code == 400
    assert list(response.json()["participants"]) == ["1"]
    assert "one ACLED actor 1" in json.dumps(response.json()["participants"]["1"])
    assert not Incident.objects.exists()
    assert not Source.objects.filter(url="https://news.example.org/boni-ambush").exists()


def test_a_status_cannot_be_chosen_and_a_known_source_url_is_cited_not_duplicated(
    client, write_key, actors
):
    assert post(client, draft_body(status="published"), write_key).json() == {
        "status": ["Unknown field."]
    }
    known = SourceFactory(url="https://news.example.org/boni-ambush", publisher="Known")
    response = post(client, draft_body(), write_key)
    assert response.status_code == 201
    assert Claim.objects.get(incident_id=response.json()["id"]).source == known
    assert Source.objects.filter(url=known.url).count() == 1


def test_a_draft_written_by_a_partner_never_appears_in_partner_reads(client, write_key, actors):
    made = post(client, draft_body(), write_key).json()["id"]
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {write_key}"}
    assert client.get(URL, **auth).json()["results"] == []
    assert client.get(f"{URL}{made}/", **auth).status_code == 404
    assert client.get(URL, {"format": "csv"}, **auth).getvalue().decode().count("\n") == 1


def test_the_schema_documents_the_request_body(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/incidents/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = body.rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert {"title", "participants", "claims", "longitude"} <= set(properties)
    assert "201" in operation["responses"] and "400" in operation["responses"]


# --- Idempotency-Key: a retry gets the first answer and never makes a second draft


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer_and_no_second_draft(
    client, write_key, actors
):
    first = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    # The same document again (its keys in another order): the same answer, nothing written.
    reordered = dict(reversed(list(draft_body().items())))
    again = post(client, reordered, write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Incident.objects.count() == 1 and Claim.objects.count() == 1
    # Another key is another request.
    other = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-43")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert Incident.objects.count() == 2


def test_an_idempotency_key_reused_with_another_body_is_a_422_naming_the_header(
    client, write_key, actors
):
    post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    reused = post(client, draft_body(title="Other"), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert reused.status_code == 422
    assert "another request body" in reused.json()["Idempotency-Key"][0]
    assert list(Incident.objects.values_list("title", flat=True)) == ["Ambush near Boni"]


def test_idempotency_keys_belong_to_one_api_key(client, write_key, actors):
    other_key = api_key_create("Field Network", scope="write", name="second")[1]
    first = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    second = post(client, draft_body(), other_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]


def test_a_refused_request_leaves_its_idempotency_key_free_for_the_corrected_body(
    client, write_key, actors
):
    bad = post(client, draft_body(geo_precision=9), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert bad.status_code == 400 and not IdempotentRequest.objects.exists()
    good = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert good.status_code == 201 and Incident.objects.count() == 1


def test_an_expired_idempotency_key_is_forgotten(client, write_key, actors, settings):
    first = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    IdempotentRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS, minutes=1)
    )
    again = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="draft-42")
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert IdempotentRequest.objects.count() == 1


@pytest.mark.parametrize("value", ["", "a b", "é", "x" * 256])
def test_a_malformed_idempotency_key_is_a_400_naming_the_header(client, write_key, actors, value):
    response = post(client, draft_body(), write_key, HTTP_IDEMPOTENCY_KEY=value)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_the_same_key_make_one_draft(write_key, actors):
    """Two threads, each its own database connection, post the same key at the same moment:
    one writes, the other waits on the claim and gets the same answer."""
    start = threading.Barrier(2)
    answers = []

    def send():
        try:
            start.wait()
            response = post(Client(), draft_body(), write_key, HTTP_IDEMPOTENCY_KEY="race-1")
            answers.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert sorted("Idempotent-Replayed" in r for r in answers) == [False, True]
    assert Incident.objects.count() == 1 and Claim.objects.count() == 1


def test_an_actor_slug_with_a_nul_character_is_a_400_not_a_server_error(client, write_key, actors):
    # Found by schemathesis: PostgreSQL cannot compare text holding NUL, so the lookup failed.
    body = draft_body()
    body["participants"][0]["actor"] = "jn\x00im"
    body["claims"][0]["claimed_perpetrator"] = "\x00"
    response = post(client, body, write_key)
    assert response.status_code == 400
    errors = response.json()
    assert errors["participants"]["0"]["actor"] == ["Null characters are not allowed."]
    assert errors["claims"]["0"]["claimed_perpetrator"] == ["Null characters are not allowed."]
    assert not Incident.objects.exists()

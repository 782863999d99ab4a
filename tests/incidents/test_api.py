"""The partner API (/api/v1/): keys and who sees what, filters and their 400s, formats (JSON
pages, GeoJSON, CSV with HXL, streamed downloads), coarsening, tombstones and sync, conditional
GET, rate limits, the schema and its docs."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.utils import timezone

from actors.models import Actor
from incidents.models import (
    CoordinatePolicy,
    Incident,
    IncidentTombstone,
    Organisation,
    OrganisationAPIKey,
    Status,
    Victim,
)
from incidents.services import api_key_create, incident_retract
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    ClaimFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    square,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def published(**fields) -> Incident:
    return IncidentFactory(status=Status.PUBLISHED, published_at=timezone.now(), **fields)


@pytest.fixture
def key():
    return api_key_create("Relief Partner")[1]


@pytest.fixture
def partner(client, key):
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


def body_of(response) -> str:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Who may call, and what they see


def test_a_partner_key_reads_published_incidents_only(partner):
    shown = published()
    draft = IncidentFactory()
    retracted = published()
    Incident.objects.filter(pk=retracted.pk).update(status=Status.RETRACTED, retraction_reason="x")
    assert ids(partner.get(URL)) == [shown.pk]
    assert partner.get(f"{URL}{shown.pk}/").json()["id"] == shown.pk
    assert partner.get(f"{URL}{draft.pk}/").status_code == 404
    assert partner.get(f"{URL}{retracted.pk}/").status_code == 404


def test_without_a_key_the_api_answers_401_unless_anonymous_reading_is_on(client, settings):
    shown = published()
    IncidentFactory()
    refused = client.get(URL)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Api-Key"
    settings.API_ANONYMOUS_READ = True
    assert ids(client.get(URL)) == [shown.pk]


def test_the_key_may_come_as_acled_clients_send_it_with_an_ignored_email(client, key):
    shown = published()
    response = client.get(URL, {"key": key, "email": "analyst@example.org"})
    assert ids(response) == [shown.pk]


def test_a_revoked_or_unknown_key_is_refused_not_read_as_anonymous(client, key, settings):
    settings.API_ANONYMOUS_READ = True
    OrganisationAPIKey.objects.update(revoked=True)
    response = client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert client.get(URL, {"key": "nope.nope"}).status_code == 401


def test_signed_in_users_read_with_their_roles_visibility(client, users):
    shown = published()
    draft = IncidentFactory()
    client.force_login(users["viewer"])
    assert ids(client.get(URL)) == [shown.pk]
    client.force_login(users["editor"])
    assert sorted(ids(client.get(URL))) == sorted([shown.pk, draft.pk])


def test_an_organisation_is_limited_per_key_with_429_and_retry_after(client):
    _, key = api_key_create("Small NGO")
    Organisation.objects.filter(name="Small NGO").update(rate_limit="2/minute")
    _, other_key = api_key_create("Small NGO")
    for _ in range(2):
        assert client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    limited = client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    # Another key of the same organisation has its own count.
    assert client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {other_key}").status_code == 200


def test_no_personal_data_leaks_in_any_format(partner):
    incident = published()
    source = SourceFactory(informant="Witness Moussa Secretname, +223 7000 0000")
    ClaimFactory(incident=incident, source=source, fatalities_best=3)
    report = HarmAssessmentFactory(incident=incident)
    Victim.objects.create(report=report, name="Aminata Hiddenname", status="killed")
    for fmt in ("json", "geojson", "csv"):
        body = body_of(partner.get(URL, {"format": fmt})) + body_of(
            partner.get(f"{URL}{incident.pk}/", {"format": fmt})
        )
        assert "Secretname" not in body and "Hiddenname" not in body, fmt
        assert "Publisher" in body  # the claim is there, summarised


# --- Filters and their errors


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"event_type": "picnic"}, "event_type"),
        ({"bbox": "1,2"}, "bbox"),
        ({"updated_since": "last week"}, "updated_since"),
        ({"ordering": "title"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"format": "xml"}, "format"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"hxl": "yes"}, "hxl"),
    ],
)
def test_an_unknown_parameter_or_a_malformed_value_is_a_400_naming_it(partner, query, parameter):
    published()
    response = partner.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [parameter]


def test_the_dashboards_filters_select_the_same_incidents(partner):
    battle = published(date_start=timezone.datetime(2024, 3, 1).date(), fatalities_best=12)
    later = published(
        date_start=timezone.datetime(2024, 6, 1).date(),
        event_type="violence_against_civilians",
        sub_event_type="attack",
        location=Point(1.0, 13.5, srid=4326),
    )
    assert ids(partner.get(URL, {"date_from": "2024-05-01"})) == [later.pk]
    assert ids(partner.get(URL, {"event_type": "battles"})) == [battle.pk]
    assert ids(partner.get(URL, {"bbox": "0,13,2,14"})) == [later.pk]
    assert ids(partner.get(URL, {"fatalities_min": "10"})) == [battle.pk]


# Each statement commits on its own here, so that times move as they do between requests (in one
# test transaction now() never moves).
@pytest.mark.django_db(transaction=True)
def test_updated_since_and_ordering(partner):
    old = published()
    new = published()
    Incident.objects.filter(pk=old.pk).update(title="Changed")  # touches updated_at
    since = Incident.objects.get(pk=old.pk).updated_at
    assert ids(partner.get(URL, {"updated_since": since.isoformat()})) == [old.pk]
    assert ids(partner.get(URL, {"ordering": "updated_at"})) == [new.pk, old.pk]
    assert ids(partner.get(URL, {"ordering": "-id"})) == [new.pk, old.pk]


def test_the_cursor_walks_every_page_once_in_order(partner):
    made = [published(date_start=timezone.datetime(2024, 1, 1 + n % 3).date()) for n in range(7)]
    seen, url, pages = [], URL + "?page_size=3", 0
    while url:
        page = partner.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    assert pages == 3
    expected = sorted(made, key=lambda i: (i.date_start, i.pk), reverse=True)
    assert seen == [i.pk for i in expected]


def test_a_cursor_of_another_ordering_is_refused(partner):
    for _ in range(3):
        published()
    following = partner.get(URL, {"page_size": 1}).json()["next"]
    cursor = following.split("cursor=")[1].split("&")[0]
    response = partner.get(URL, {"page_size": 1, "cursor": cursor, "ordering": "id"})
    assert response.status_code == 400 and list(response.json()) == ["cursor"]


def test_the_query_count_of_a_page_does_not_grow_with_its_size(partner, django_assert_num_queries):
    for n in range(12):
        incident = published()
        IncidentActorFactory(incident=incident)
        ClaimFactory(incident=incident, fatalities_best=n)
    # Authenticating the key, the validators (the change markers), the page.
    with django_assert_num_queries(3):
        assert len(partner.get(URL, {"page_size": 2}).json()["results"]) == 2
    with django_assert_num_queries(3):
        assert len(partner.get(URL, {"page_size": 12}).json()["results"]) == 12


# --- Formats


def test_related_data_is_flattened_into_readable_columns(partner):
    incident = published(fatalities_override=True, killed_civilians_best=4)
    jnim = ActorFactory(name="Test JNIM", kind="jihadist")
    fama = ActorFactory(name="Test FAMa", kind="state")
    IncidentActorFactory(incident=incident, actor=jnim, ucdp_side="B", claimed_responsibility=True)
    IncidentActorFactory(incident=incident, actor=fama, acled_position="actor2", ucdp_side="A")
    ClaimFactory(
        incident=incident,
        source=SourceFactory(publisher="RFI"),
        fatalities_low=5,
        fatalities_high=9,
    )
    row = partner.get(f"{URL}{incident.pk}/").json()
    assert (row["actor1"], row["actor2"], row["side_a"], row["side_b"]) == (
        "Test JNIM",
        "Test FAMa",
        "Test FAMa",
        "Test JNIM",
    )
    assert row["claimed_by"] == "Test JNIM"
    assert row["claims_summary"] == "RFI (C6): 5-9"
    assert (row["claims_count"], row["source_count"]) == (1, 1)
    assert row["killed_civilians_best"] == 4
    assert {a["name"]: a["inter"] for a in row["actors"]} == {"Test JNIM": 2, "Test FAMa": 1}


def test_geojson_is_a_feature_collection(partner):
    incident = published(location=Point(-1.5, 12.25, srid=4326))
    body = json.loads(b"".join(partner.get(URL, {"format": "geojson"}).streaming_content))
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["type"] == "Feature" and feature["id"] == incident.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [-1.5, 12.25]}
    assert feature["properties"]["title"] == incident.title
    by_accept = partner.get(f"{URL}{incident.pk}/", HTTP_ACCEPT="application/geo+json")
    assert by_accept["Content-Type"] == "application/geo+json"
    assert by_accept.json()["type"] == "Feature"


def test_csv_round_trips_with_an_optional_hxl_row_and_neutralised_formulas(partner):
    incident = published(
        title='=HYPERLINK("http://evil.example")', location=Point(-3.85, 14.44, srid=4326)
    )
    response = partner.get(URL, {"format": "csv", "hxl": "1"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    header, hxl, row = list(csv.reader(io.StringIO(text)))
    assert "actors" not in header  # flattened into actor1, side_a, ...
    record = dict(zip(header, row, strict=True))
    assert hxl[header.index("latitude")] == "#geo+lat"
    assert record["id"] == str(incident.pk)
    assert record["title"] == '\'=HYPERLINK("http://evil.example")'
    assert record["longitude"] == "-3.85"  # a number, not neutralised
    plain = b"".join(partner.get(URL, HTTP_ACCEPT="text/csv").streaming_content).decode()
    assert not plain.splitlines()[1].startswith("#")


def test_csv_and_geojson_pages_on_request(partner):
    for _ in range(3):
        published()
    response = partner.get(URL, {"format": "csv", "page_size": 2})
    assert len(response.content.decode().splitlines()) == 3
    assert 'rel="next"' in response["Link"]
    page = partner.get(URL, {"format": "geojson", "page_size": 2}).json()
    assert len(page["features"]) == 2 and page["next"]


@pytest.fixture
def areas():
    """Areas of their own, away from the built-in boundaries (which may be loaded)."""
    country = AdminAreaFactory(
        level=0, code="ZZ-T", name_en="Testland", geom=square(-32, 10, -24, 20)
    )
    region = AdminAreaFactory(
        code="ZZ-R", name_en="Region", parent=country, geom=square(-32, 10, -24, 20)
    )
    cercle = AdminAreaFactory(
        level=2, code="ZZ-R-C", name_en="Cercle", parent=region, geom=square(-29, 14, -27, 16)
    )
    return region, cercle


def test_a_coarsening_policy_gives_the_admin2_centroid_in_every_format(client, areas):
    incident = published(location=Point(-28.7, 14.2, srid=4326), location_name="Village")
    _, key = api_key_create("Careful NGO")
    Organisation.objects.filter(name="Careful NGO").update(
        coordinate_policy=CoordinatePolicy.ADMIN2
    )
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    row = client.get(f"{URL}{incident.pk}/").json()
    assert (row["longitude"], row["latitude"]) == (-28.0, 15.0)
    assert (row["location_name"], row["geo_precision"], row["ucdp_where_prec"]) == ("Cercle", 3, 3)
    assert row["coordinates_coarsened"] is True
    feature = json.loads(b"".join(client.get(URL, {"format": "geojson"}).streaming_content))
    assert feature["features"][0]["geometry"]["coordinates"] == [-28.0, 15.0]
    text = b"".join(client.get(URL, {"format": "csv"}).streaming_content).decode()
    assert "-28.7" not in text and "14.2" not in text and "Village" not in text
    page = client.get(URL).json()["results"][0]
    assert (page["longitude"], page["latitude"]) == (-28.0, 15.0)


def test_an_exact_policy_gives_the_point(partner, areas):
    incident = published(location=Point(-28.7, 14.2, srid=4326))
    row = partner.get(f"{URL}{incident.pk}/").json()
    assert (row["longitude"], row["latitude"], row["admin2_name"]) == (-28.7, 14.2, "Cercle")


# --- Sync: tombstones, updated_since, conditional GET


# Each statement commits on its own here, so that times move as they do between requests (in one
# test transaction now() never moves).
@pytest.mark.django_db(transaction=True)
def test_a_retracted_incident_becomes_a_tombstone_and_leaves_it_when_published_again(
    partner, users
):
    incident = published()
    before = timezone.now()
    incident_retract(incident.pk, user=users["reviewer"], reason="Duplicate.")
    rows = partner.get("/api/v1/deleted/").json()["results"]
    assert [(r["incident_id"], r["reason"], r["merged_into"]) for r in rows] == [
        (incident.pk, "retracted", None)
    ]
    assert partner.get("/api/v1/deleted/", {"deleted_since": before.isoformat()}).json()["results"]
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert partner.get("/api/v1/deleted/", {"deleted_since": later}).json()["results"] == []
    Incident.objects.filter(pk=incident.pk).update(status=Status.PUBLISHED)
    assert not IncidentTombstone.objects.filter(incident_id=incident.pk).exists()


def test_deleting_a_published_incident_leaves_a_tombstone_a_draft_none(partner):
    gone, draft = published(), IncidentFactory()
    gone_id = gone.pk
    gone.delete()
    draft.delete()
    assert list(IncidentTombstone.objects.values_list("incident_id", "reason")) == [
        (gone_id, "deleted")
    ]
    csv_rows = partner.get("/api/v1/deleted/", {"format": "csv"}).content.decode().splitlines()
    assert csv_rows[0] == "incident_id,reason,deleted_at,merged_into"
    assert csv_rows[1].startswith(f"{gone_id},deleted,")


# Each statement commits on its own here, so that times move as they do between requests (in one
# test transaction now() never moves).
@pytest.mark.django_db(transaction=True)
def test_changing_participants_or_claims_moves_the_incidents_updated_at():
    incident = published()
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now() - timedelta(days=1))
    stale = Incident.objects.get(pk=incident.pk).updated_at
    IncidentActorFactory(incident=incident)
    assert Incident.objects.get(pk=incident.pk).updated_at > stale


# Each statement commits on its own here, so that times move as they do between requests (in one
# test transaction now() never moves).
@pytest.mark.django_db(transaction=True)
def test_a_partner_mirrors_the_published_data_with_updated_since_and_deleted(partner, users):
    def pull(since=None):
        query = {"ordering": "updated_at", "page_size": 2}
        if since:
            query["updated_since"] = since.isoformat()
        url, rows = URL, []
        while url:
            page = partner.get(url, query if url == URL else None).json()
            rows += page["results"]
            url = page["next"]
        return rows

    def tombstones(since):
        return partner.get("/api/v1/deleted/", {"deleted_since": since.isoformat()}).json()

    first = [published(title=f"I{n}") for n in range(5)]
    IncidentFactory(title="never published")
    started = timezone.now()
    copy = {row["id"]: row for row in pull()}
    # Meanwhile: an edit, a new participant, a retraction, a new incident, a deletion.
    Incident.objects.filter(pk=first[0].pk).update(title="I0 corrected")
    IncidentActorFactory(incident=first[1])
    incident_retract(first[2].pk, user=users["reviewer"], reason="Not an incident.")
    added = published(title="I5")
    first[3].delete()
    # The next sync, from when the last one started.
    for row in pull(started):
        copy[row["id"]] = row
    for gone in tombstones(started)["results"]:
        copy.pop(gone["incident_id"], None)
    current = {row["id"]: row for row in pull()}
    assert set(copy) == set(current) == {first[0].pk, first[1].pk, first[4].pk, added.pk}
    assert copy == current


def test_an_unchanged_query_is_answered_304_and_a_change_ends_that(partner):
    incident = published()
    first = partner.get(URL, {"event_type": "battles"})
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = partner.get(URL, {"event_type": "battles"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    since = partner.get(
        URL, {"event_type": "battles"}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert since.status_code == 304
    other_query = partner.get(URL, {"event_type": "riots"}, HTTP_IF_NONE_MATCH=etag)
    assert other_query.status_code == 200
    Incident.objects.filter(pk=incident.pk).update(title="Changed")
    assert partner.get(URL, {"event_type": "battles"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    detail = partner.get(f"{URL}{incident.pk}/")
    assert partner.get(f"{URL}{incident.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304
    deleted = partner.get("/api/v1/deleted/")
    assert partner.get("/api/v1/deleted/", HTTP_IF_NONE_MATCH=deleted["ETag"]).status_code == 304


def test_a_retraction_changes_the_validators_of_the_set_it_left(partner, users):
    incident = published()
    first = partner.get(URL)
    incident_retract(incident.pk, user=users["reviewer"], reason="Duplicate.")
    assert partner.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_renamed_actor_or_a_new_participant_changes_the_validators(partner):
    """The rows show actors' names and the participants: a change to either is a new answer,
    though no incident row was written."""
    incident = published()
    first = partner.get(URL)
    actor = ActorFactory(name="Katiba Test")
    IncidentActorFactory(incident=incident, actor=actor, acled_position="actor1")
    second = partner.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert partner.get(URL, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304
    Actor.objects.filter(pk=actor.pk).update(name="Katiba Renamed")
    third = partner.get(URL, HTTP_IF_NONE_MATCH=second["ETag"])
    assert third.status_code == 200 and "Katiba Renamed" in third.content.decode()


# --- Keys, schema and docs


def test_create_api_key_prints_a_new_key_once_and_creates_the_organisation(capsys, client):
    call_command("create_api_key", "UN Cell", "--scope", "write")
    key = capsys.readouterr().out.strip()
    api_key = OrganisationAPIKey.objects.get(organisation__name="UN Cell")
    assert api_key.scope == "write"
    assert key.startswith(api_key.prefix + ".") and key not in api_key.hashed_key
    call_command("create_api_key", "UN Cell")
    assert OrganisationAPIKey.objects.filter(organisation__name="UN Cell").count() == 2
    assert Organisation.objects.filter(name="UN Cell").count() == 1
    assert client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200


def test_the_schema_and_docs_are_public_and_served_locally(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = json.loads(schema.content)
    assert {"/api/v1/incidents/", "/api/v1/incidents/{id}/", "/api/v1/deleted/"} <= set(
        document["paths"]
    )
    parameters = {p["name"] for p in document["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"updated_since", "ordering", "bbox", "cursor", "format", "key"} <= parameters
    assert "updated_since" in document["info"]["description"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page


# --- Statistics and reference lists


def test_stats_group_any_filtered_set(partner):
    jnim = ActorFactory(slug="stats-jnim", name="Stats JNIM")
    first = published(fatalities_override=True, fatalities_best=5, killed_civilians_best=2)
    second = published(
        fatalities_override=True,
        fatalities_best=7,
        date_start=timezone.datetime(2024, 4, 2).date(),
    )
    published(event_type="riots", sub_event_type="mob_violence")  # no toll: unknown
    IncidentFactory(fatalities_override=True, fatalities_best=100)  # a draft: not counted
    # One actor in two roles in one incident counts that incident once.
    IncidentActorFactory(incident=first, actor=jnim, acled_position="actor1", ucdp_side="")
    IncidentActorFactory(incident=first, actor=jnim, acled_position="", ucdp_side="A")
    IncidentActorFactory(incident=second, actor=jnim)
    months = partner.get("/api/v1/stats/", {"group_by": "month"}).json()["results"]
    assert [(r["key"], r["incidents"], r["fatalities_best"]) for r in months] == [
        ("2024-03", 2, 5),
        ("2024-04", 1, 7),
    ]
    assert months[0]["fatalities_unknown"] == 1
    actors = partner.get("/api/v1/stats/", {"group_by": "actor"}).json()["results"]
    assert [(r["key"], r["incidents"], r["fatalities_best"]) for r in actors] == [
        ("stats-jnim", 2, 12)
    ]
    battles = partner.get("/api/v1/stats/", {"group_by": "event_type", "event_type": "battles"})
    assert [(r["key"], r["label"], r["incidents"]) for r in battles.json()["results"]] == [
        ("battles", "Battles", 2)
    ]
    text = partner.get("/api/v1/stats/", {"group_by": "month", "format": "csv"}).content
    assert text.decode().splitlines()[1].startswith("2024-03,,2,")
    refused = partner.get("/api/v1/stats/", {"group_by": "weekday"})
    assert refused.status_code == 400 and list(refused.json()) == ["group_by"]


def test_actors_and_admin_areas_are_listed_with_their_codes(partner, areas):
    actor = ActorFactory(slug="listed-group", name="Listed Group", kind="jihadist")
    actor.aliases.create(name="LG")
    actors = {a["slug"]: a for a in partner.get("/api/v1/actors/").json()["results"]}
    assert actors["listed-group"]["aliases"] == ["LG"]
    assert actors["listed-group"]["acled_inter"] == 2
    region, cercle = areas
    level2 = partner.get("/api/v1/admin-areas/", {"level": 2}).json()["results"]
    assert {"id": cercle.pk, "code": "ZZ-R-C", "parent_id": region.pk}.items() <= next(
        a for a in level2 if a["id"] == cercle.pk
    ).items()
    again = partner.get("/api/v1/admin-areas/", {"level": 2})
    repeat = partner.get("/api/v1/admin-areas/", {"level": 2}, HTTP_IF_NONE_MATCH=again["ETag"])
    assert repeat.status_code == 304
    assert partner.get("/api/v1/admin-areas/", {"level": 3}).status_code == 400


def test_sources_and_civilian_harm_of_the_callers_incidents_without_personal_data(partner, users):
    shown, draft = published(), IncidentFactory()
    cited = SourceFactory(publisher="Cited", informant="Witness Secretname")
    ClaimFactory(incident=shown, source=cited)
    ClaimFactory(incident=draft, source=SourceFactory(publisher="Draft only"))
    report = HarmAssessmentFactory(incident=shown, killed_children=2)
    Victim.objects.create(report=report, name="Aminata Hiddenname", status="killed", sex="female")
    HarmAssessmentFactory(incident=draft)
    sources = partner.get("/api/v1/sources/").json()["results"]
    assert [(s["publisher"], s["incidents"]) for s in sources] == [("Cited", [shown.pk])]
    assert "informant" not in sources[0]
    harm = partner.get("/api/v1/civilian-harm/").json()["results"]
    assert [(h["incident_id"], h["killed_children"]) for h in harm] == [(shown.pk, 2)]
    assert harm[0]["victims"][0]["sex"] == "female" and "name" not in harm[0]["victims"][0]
    text = partner.get("/api/v1/civilian-harm/", {"format": "csv"}).content.decode()
    assert "1 killed" in text and "Hiddenname" not in text
    # Editors, signed in (no key), see every status and the personal data they enter.
    client = partner
    client.defaults.pop("HTTP_AUTHORIZATION")
    client.force_login(users["editor"])
    harm = client.get("/api/v1/civilian-harm/", {"incident": shown.pk}).json()["results"]
    assert harm[0]["victims"][0]["name"] == "Aminata Hiddenname"
    sources = client.get("/api/v1/sources/").json()["results"]
    assert {s["publisher"] for s in sources} == {"Cited", "Draft only"}
    assert next(s for s in sources if s["publisher"] == "Cited")["informant"] == (
        "Witness Secretname"
    )


def test_sources_are_paged_by_cursor(partner):
    incident = published()
    for n in range(3):
        ClaimFactory(incident=incident, source=SourceFactory(publisher=f"P{n}"))
    first = partner.get("/api/v1/sources/", {"page_size": 2}).json()
    second = partner.get(first["next"]).json()
    assert [s["publisher"] for s in first["results"] + second["results"]] == ["P0", "P1", "P2"]
    assert second["next"] is None


def test_the_geocoder_resolves_a_place_expression_and_lists_the_matches(partner, reference_data):
    found = partner.get("/api/v1/geocode/", {"q": "near Tombouctou", "limit": 3}).json()
    result = found["result"]
    assert result["found"] and result["kind"] == "near"
    assert (result["geo_precision"], result["ucdp_where_prec"]) == (2, 2)
    assert abs(result["lon"] - -3.0) < 0.1 and abs(result["lat"] - 16.77) < 0.1
    assert 1 <= len(found["matches"]) <= 3
    assert found["matches"][0]["country_code"] == "ML"
    # Only Burkina Faso: no Timbuktu there.
    elsewhere = partner.get("/api/v1/geocode/", {"q": "Tombouctou", "country": "BF"}).json()
    assert all(m["country_code"] == "BF" for m in elsewhere["matches"])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "..."}, "q"),
        ({"q": "Gao", "limit": "0"}, "limit"),
        ({"q": "Gao", "limit": "many"}, "limit"),
        ({"q": "Gao", "country": "FR"}, "country"),
        ({"q": "Gao", "radius": "5"}, "radius"),
    ],
)
def test_the_geocoder_names_the_parameter_it_cannot_use(partner, reference_data, query, parameter):
    response = partner.get("/api/v1/geocode/", query)
    assert response.status_code == 400
    assert parameter in response.json()


def test_participants_and_claims_are_listed_in_a_stable_order(partner):
    """Each list by the participants' sequence (then id), `actors` by position then sequence,
    the claims by the source's reliability then the claim's credibility: in JSON and CSV."""
    incident = published()
    made = {}
    for name, position, sequence, side, initiator in (
        ("Alpha", "actor1", 0, "A", True),
        ("Bravo", "assoc_actor_1", 1, "A", True),
        ("Charlie", "assoc_actor_1", 0, "B", False),
        ("Delta", "actor2", 0, "B", True),
    ):
        made[name] = IncidentActorFactory(
            incident=incident,
            actor=ActorFactory(name=name),
            acled_position=position,
            sequence=sequence,
            ucdp_side=side,
            initiator=initiator,
        )
    for publisher, reliability, credibility in (
        ("Late", "B", 3),
        ("First", "A", 5),
        ("Mid", "B", 2),
    ):
        ClaimFactory(
            incident=incident,
            source=SourceFactory(publisher=publisher, reliability=reliability),
            credibility=credibility,
            fatalities_best=1,
            fatalities_low=1,
            fatalities_high=1,
        )
    expected = {
        "assoc_actor_1": "Charlie; Bravo",
        "side_a": "Alpha; Bravo",
        "side_b": "Charlie; Delta",
        "initiators": "Alpha; Delta; Bravo",
        "claims_summary": "First (A5): 1; Mid (B2): 1; Late (B3): 1",
    }
    row = partner.get(f"{URL}{incident.pk}/").json()
    assert {name: row[name] for name in expected} == expected
    assert [a["name"] for a in row["actors"]] == ["Alpha", "Delta", "Charlie", "Bravo"]
    assert (row["claims_count"], row["source_count"]) == (3, 3)
    text = body_of(partner.get(URL, {"format": "csv"}))
    [csv_row] = list(csv.DictReader(io.StringIO(text)))
    assert {name: csv_row[name] for name in expected} == expected

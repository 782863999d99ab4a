"""The ACLED-compatible read API (/api/acled/read, /api/deleted/read): ACLED's envelope, its
parameters, fields and value types (against our own fixtures of ACLED's documented response
shape, tests/fixtures/acled_api/), paging, CSV, the 400s, who sees what, coarsening, deletions,
and an analyst's ACLED script pointed at this server."""

import csv
import io
import json
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.interchange.acled import COLUMNS
from incidents.models import AcledEvent, CoordinatePolicy, Incident, Organisation, Status
from incidents.services import api_key_create, incident_retract
from tests.conftest import FIXTURES
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    ClaimFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    square,
)

# The built-in boundaries give each point its country (Mali by default in the factory).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

BURKINA, NIGER = Point(-1.52, 12.37, srid=4326), Point(2.11, 13.51, srid=4326)
URL = "/api/acled/read"
DELETED = "/api/deleted/read"
SHAPE = json.loads((FIXTURES / "acled_api" / "read.json").read_text())
DELETED_SHAPE = json.loads((FIXTURES / "acled_api" / "deleted.json").read_text())
ERROR_SHAPE = json.loads((FIXTURES / "acled_api" / "error.json").read_text())


def published(**fields) -> Incident:
    return IncidentFactory(status=Status.PUBLISHED, published_at=timezone.now(), **fields)


@pytest.fixture
def key():
    return api_key_create("Relief Partner")[1]


@pytest.fixture
def acled(client, key):
    """A client that sends the key as ACLED scripts do, with each request's parameters."""

    def get(path=URL, **params):
        return client.get(path, {"key": key, "email": "analyst@example.org", **params})

    return get


def data(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["data"]


def ids_of(response) -> list[str]:
    return [row["event_id_cnty"] for row in data(response)]


def sim(incident) -> str:
    return f"SIM{incident.pk}"


@pytest.fixture
def coded():
    """A published incident imported from ACLED (its record keeps ACLED's own columns), with
    two actors, an ACLED claim and another source's."""
    incident = published(
        date_start=date(2024, 5, 10),
        location=Point(-3.8512, 14.4406, srid=4326),
        location_name="Boni",
        civilian_targeting=True,
        event_type="violence_against_civilians",
        sub_event_type="attack",
    )
    IncidentActorFactory(
        incident=incident,
        actor=ActorFactory(name="Armed Group Example"),
        acled_position="actor1",
        acled_inter=2,
    )
    IncidentActorFactory(
        incident=incident,
        actor=ActorFactory(name="Civilians (Mali)"),
        acled_position="actor2",
        acled_inter=7,
        ucdp_side="B",
    )
    ClaimFactory(
        incident=incident,
        source=SourceFactory(publisher="ACLED", kind="dataset", url=""),
        fatalities_low=4,
        fatalities_best=4,
    )
    AcledEvent.objects.create(
        incident=incident,
        event_id_cnty="MLI90001",
        event_date=date(2024, 5, 10),
        admin1="Mopti",
        admin2="Douentza",
        admin3="Haire",
        sources="Local Radio; Example Press",
        source_scale="Local partner-National",
        tags="women targeted: girls",
        timestamp=1715000000,
    )
    return Incident.objects.get(pk=incident.pk)


# --- The envelope and the fields, against ACLED's documented shape


def test_the_envelope_is_acleds(acled, coded):
    body = acled().json()
    assert set(body) == set(SHAPE)
    assert (body["status"], body["success"], body["messages"], body["count"]) == (200, True, [], 1)
    assert body["last_update"] == int(Incident.objects.get(pk=coded.pk).updated_at.timestamp())
    assert body["filename"].startswith("acled-read-")


def test_each_field_has_acleds_name_order_and_type(acled, coded):
    row = data(acled())[0]
    assert list(row) == list(SHAPE["data"][0]) == list(COLUMNS)
    for name, example in SHAPE["data"][0].items():
        assert type(row[name]) is type(example), name
    assert row == {
        "event_id_cnty": "MLI90001",
        "event_date": "2024-05-10",
        "year": "2024",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "actor1": "Armed Group Example",
        "assoc_actor_1": "",
        "inter1": "Rebel group",
        "actor2": "Civilians (Mali)",
        "assoc_actor_2": "",
        "inter2": "Civilians",
        "interaction": "Rebel group-Civilians",
        "civilian_targeting": "Civilian targeting",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": "Mopti",
        "admin2": "Douentza",
        "admin3": "Haire",
        "location": "Boni",
        "latitude": "14.4406",
        "longitude": "-3.8512",
        "geo_precision": "1",
        "source": "Local Radio; Example Press",
        "source_scale": "Local partner-National",
        "notes": coded.narrative,
        "fatalities": "4",
        "tags": "women targeted: girls",
        "timestamp": str(int(coded.updated_at.timestamp())),
    }


def test_inter_num_gives_numeric_actor_types(acled, coded):
    row = data(acled(inter_num=1))[0]
    assert (row["inter1"], row["inter2"], row["interaction"]) == ("2", "7", "27")


def test_an_incident_without_an_acled_record_gets_our_own_stable_id(acled):
    incident = published(location=BURKINA)
    assert ids_of(acled()) == [sim(incident)] == ids_of(acled())
    row = data(acled())[0]
    assert (row["iso"], row["country"], row["timestamp"]) == (
        "854",
        "Burkina Faso",
        str(int(incident.updated_at.timestamp())),
    )


def test_fields_limits_the_columns_in_acleds_order(acled, coded):
    row = data(acled(fields="fatalities|event_date|country"))[0]
    assert list(row) == ["event_date", "country", "fatalities"]


def test_an_unknown_field_is_a_400_naming_it(acled, coded):
    response = acled(fields="country|population_best")
    assert response.status_code == 400
    assert "population_best" in response.json()["error"][0]["message"]


# --- Parameters


def test_unknown_parameters_are_a_400_in_acleds_error_envelope(acled):
    response = acled(export_type="monadic", colour="red")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == set(ERROR_SHAPE)
    assert (body["status"], body["success"]) == (400, False)
    assert set(body["error"][0]) == set(ERROR_SHAPE["error"][0])
    assert "colour, export_type" in body["error"][0]["message"]
    assert "format" in acled(format="csv").json()["error"][0]["message"]
    assert acled(actor1="JNIM\x00").status_code == 400


def test_country_by_name_and_iso_by_number(acled):
    mali, niger = published(), published(location=NIGER)
    published(location=BURKINA)
    assert ids_of(acled(country="Mali")) == [sim(mali)]
    assert set(ids_of(acled(country="Mali|Niger"))) == {sim(mali), sim(niger)}
    assert ids_of(acled(iso="562")) == [sim(niger)]
    assert set(ids_of(acled(iso="466|562"))) == {sim(mali), sim(niger)}
    assert acled(country="Narnia").status_code == 400
    assert acled(iso="ML").status_code == 400


def test_event_date_with_each_operator(acled):
    early = published(date_start=date(2024, 1, 5))
    middle = published(date_start=date(2024, 6, 1))
    late = published(date_start=date(2025, 2, 1))
    assert ids_of(acled(event_date="2024-06-01")) == [sim(middle)]
    assert ids_of(acled(event_date="2024-06-01", event_date_where=">")) == [sim(late)]
    assert ids_of(acled(event_date="2024-06-01", event_date_where="<")) == [sim(early)]
    assert ids_of(acled(event_date="2024-01-01|2024-12-31", event_date_where="BETWEEN")) == [
        sim(middle),
        sim(early),
    ]
    assert ids_of(acled(year="2025")) == [sim(late)]
    assert acled(event_date="01/06/2024").status_code == 400
    assert acled(event_date="2024-01-01", event_date_where="BETWEEN").status_code == 400
    assert acled(event_date="2024-01-01", event_date_where="NEAR").status_code == 400


def test_event_date_is_acleds_single_date_of_a_range(acled):
    week = published(date_start=date(2024, 3, 4), date_end=date(2024, 3, 10), time_precision=2)
    row = data(acled())[0]
    assert (row["event_date"], row["time_precision"]) == ("2024-03-07", "2")
    assert ids_of(acled(event_date="2024-03-07")) == [sim(week)]


def test_event_and_sub_event_type_by_acleds_labels(acled):
    clash = published()
    strike = published(event_type="explosions_remote_violence", sub_event_type="air_drone_strike")
    assert ids_of(acled(event_type="Battles")) == [sim(clash)]
    assert ids_of(acled(sub_event_type="Air/drone strike")) == [sim(strike)]
    assert acled(event_type="battles_and_more").status_code == 400


def test_actors_by_name_exact_or_like(acled, coded):
    published()
    assert ids_of(acled(actor1="Armed Group Example")) == ["MLI90001"]
    assert ids_of(acled(actor1="Armed Group", actor1_where="LIKE")) == ["MLI90001"]
    assert ids_of(acled(actor1="Armed Group")) == []
    assert ids_of(acled(actor2="Civilians (Mali)")) == ["MLI90001"]
    assert ids_of(acled(actor2="Armed Group Example")) == []


def test_admin_areas_as_acled_coded_them_else_ours(acled, coded):
    region = AdminAreaFactory(code="ZZ-A", name_en="Testregion", geom=square(-32, 10, -24, 20))
    ours = published(location=Point(-28, 15, srid=4326))
    assert Incident.objects.get(pk=ours.pk).admin1_id == region.pk
    assert ids_of(acled(admin1="Mopti")) == ["MLI90001"]
    assert ids_of(acled(admin2="douentza")) == ["MLI90001"]
    assert ids_of(acled(admin1="Testregion")) == [sim(ours)]


def test_fatalities_with_each_operator(acled, coded):
    none_known = published()
    ClaimFactory(incident=published(), fatalities_low=12, fatalities_best=15)
    twelve = Incident.objects.filter(fatalities_low=12).get()
    # No ACLED claim: the incident's lowest figure, and 0 when none is known (as ACLED writes).
    by_id = {r["event_id_cnty"]: r["fatalities"] for r in data(acled())}
    assert (by_id[sim(twelve)], by_id[sim(none_known)]) == ("12", "0")
    assert ids_of(acled(fatalities="4")) == ["MLI90001"]
    assert ids_of(acled(fatalities="10", fatalities_where=">")) == [sim(twelve)]
    assert set(ids_of(acled(fatalities="4", fatalities_where="<"))) == {sim(none_known)}
    assert set(ids_of(acled(fatalities="1|12", fatalities_where="BETWEEN"))) == {
        "MLI90001",
        sim(twelve),
    }
    assert acled(fatalities="many").status_code == 400


def test_timestamp_gives_rows_changed_at_or_after_it(acled, coded):
    stamp = int(coded.updated_at.timestamp())
    assert ids_of(acled(timestamp=str(stamp))) == ["MLI90001"]
    assert ids_of(acled(timestamp=str(stamp + 2))) == []
    assert ids_of(acled(timestamp=str(stamp + 2), timestamp_where="<")) == ["MLI90001"]
    assert acled(timestamp="2024-01-01").status_code == 400


# --- Paging and formats


def test_limit_and_page_walk_the_rows_once(acled):
    made = {sim(published(date_start=date(2024, 1, 1) + timedelta(days=n))) for n in range(5)}
    pages = [ids_of(acled(limit=2, page=page)) for page in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert {i for p in pages for i in p} == made
    assert len(ids_of(acled())) == 5
    assert acled(limit="many").status_code == 400
    assert acled(page="0").status_code == 400


def test_limit_zero_or_above_the_default_streams_the_rows(acled):
    made = {sim(published()) for _ in range(3)}
    response = acled(limit=0)
    body = json.loads(b"".join(response.streaming_content))
    assert body["count"] == 3 and {r["event_id_cnty"] for r in body["data"]} == made
    assert set(body) == set(SHAPE)
    # Above ACLED's default page, a page is streamed too.
    first = json.loads(b"".join(acled(limit=6000, page=1).streaming_content))
    second = json.loads(b"".join(acled(limit=6000, page=2).streaming_content))
    assert (first["count"], second["count"], second["data"]) == (3, 0, [])


def test_csv_has_acleds_columns_and_neutralises_formulas(acled, coded):
    Incident.objects.filter(pk=coded.pk).update(narrative="=HYPERLINK(1)")
    response = acled(_format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == list(COLUMNS)
    assert (rows[0]["longitude"], rows[0]["fatalities"]) == ("-3.8512", "4")
    assert rows[0]["notes"] == "'=HYPERLINK(1)"
    partial = acled(_format="csv", fields="event_id_cnty|country").content.decode()
    assert partial.splitlines() == ["event_id_cnty,country", "MLI90001,Mali"]
    assert acled(_format="xml").status_code == 400


def test_a_page_costs_the_same_queries_whatever_its_size(acled):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert acled().status_code == 200
        return len(captured)

    for _ in range(2):
        incident = published()
        IncidentActorFactory(incident=incident)
        ClaimFactory(incident=incident)
    small = queries()
    for _ in range(6):
        incident = published()
        IncidentActorFactory(incident=incident)
        ClaimFactory(incident=incident)
    assert queries() == small


def test_a_page_issues_a_fixed_number_of_queries(acled, coded, django_assert_num_queries):
    published()
    # The key (1), the set's last change (1), the page (1), then its records, participants
    # with actors and claims with sources (3).
    with django_assert_num_queries(6):
        assert len(data(acled())) == 2


# --- Who sees what


def test_drafts_and_retracted_incidents_never_reach_a_partner(acled, users):
    shown = published()
    IncidentFactory()
    IncidentFactory(status=Status.IN_REVIEW)
    gone = published()
    incident_retract(gone.pk, user=users["reviewer"], reason="Duplicate.")
    assert ids_of(acled()) == [sim(shown)]
    streamed = json.loads(b"".join(acled(limit=0).streaming_content))
    assert [r["event_id_cnty"] for r in streamed["data"]] == [sim(shown)]


def test_without_a_key_the_answer_is_401_in_acleds_envelope(client):
    published()
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.json()["error"][0]["status"] == 401
    assert client.get(URL, {"key": "nope.nope", "email": "x@example.org"}).status_code == 401


def test_editors_signed_in_see_every_status(client, users):
    shown, draft = published(), IncidentFactory()
    client.force_login(users["editor"])
    assert set(ids_of(client.get(URL))) == {sim(shown), sim(draft)}


def test_a_coarsening_policy_holds_here_too(client, coded):
    country = AdminAreaFactory(
        level=0, code="ZZ-T", name_en="Testland", geom=square(-32, 10, -24, 20)
    )
    region = AdminAreaFactory(
        code="ZZ-R", name_en="Region", parent=country, geom=square(-32, 10, -24, 20)
    )
    AdminAreaFactory(
        level=2, code="ZZ-R-C", name_en="Cercle", parent=region, geom=square(-29, 14, -27, 16)
    )
    incident = published(location=Point(-28.7, 14.2, srid=4326), location_name="Village")
    _, key = api_key_create("Careful NGO")
    Organisation.objects.filter(name="Careful NGO").update(
        coordinate_policy=CoordinatePolicy.ADMIN2
    )
    rows = data(client.get(URL, {"key": key, "email": "a@example.org"}))
    row = next(r for r in rows if r["event_id_cnty"] == sim(incident))
    assert (row["latitude"], row["longitude"], row["location"], row["geo_precision"]) == (
        "15.0000",
        "-28.0000",
        "Cercle",
        "3",
    )
    acled_row = next(r for r in rows if r["event_id_cnty"] == "MLI90001")
    assert acled_row["admin3"] == "" and acled_row["location"] != "Boni"
    text = client.get(URL, {"key": key, "_format": "csv"}).content.decode()
    assert "-28.7" not in text and "14.2" not in text and "Village" not in text
    assert "Haire" not in text and "14.4406" not in text


# --- Deletions


def test_deleted_read_lists_a_retracted_event_by_the_id_it_was_read_with(acled, coded, users):
    other = published()
    before = int(timezone.now().timestamp())
    incident_retract(coded.pk, user=users["reviewer"], reason="Duplicate.")
    incident_retract(other.pk, user=users["reviewer"], reason="Not an incident.")
    body = acled(DELETED).json()
    assert set(body) == set(DELETED_SHAPE)
    rows = body["data"]
    assert {r["event_id_cnty"] for r in rows} == {"MLI90001", sim(other)}
    for row in rows:
        assert list(row) == list(DELETED_SHAPE["data"][0])
        assert type(row["deleted_timestamp"]) is str and int(row["deleted_timestamp"]) >= before - 1
    later = str(int(timezone.now().timestamp()) + 60)
    assert data(acled(DELETED, deleted_timestamp=later)) == []
    assert len(data(acled(DELETED, deleted_timestamp=str(before - 1)))) == 2
    assert len(data(acled(DELETED, deleted_timestamp=later, deleted_timestamp_where="<"))) == 2
    assert len(data(acled(DELETED, limit=1, page=2))) == 1
    text = acled(DELETED, _format="csv", fields="event_id_cnty").content.decode()
    assert sorted(text.splitlines()) == sorted(["event_id_cnty", "MLI90001", sim(other)])
    assert acled(DELETED, country="Mali").status_code == 400


# --- An analyst's ACLED script, pointed at this server


def test_an_acled_script_reads_every_published_incident_once(client, key):
    """Written the way analysts write ACLED scripts (requests-style: a base URL, a dict of
    parameters with key and email, page after page until one comes back empty)."""
    made = {sim(published(date_start=date(2024, 1, 1) + timedelta(days=n % 4))) for n in range(7)}
    IncidentFactory()  # a draft

    host = "http://testserver/api"  # only the host changes from ACLED's
    params = {"key": key, "email": "analyst@example.org", "limit": 3, "country": "Mali"}
    events, page = [], 1
    while True:
        url = f"{host}/acled/read?{urlencode({**params, 'page': page})}"
        response = client.get(url)
        assert response.status_code == 200
        payload = response.json()
        assert payload["success"] is True
        if payload["count"] == 0:
            break
        events.extend(payload["data"])
        page += 1
    ids = [e["event_id_cnty"] for e in events]
    assert len(ids) == len(set(ids)) == 7
    assert set(ids) == made

"""The number of queries of an incident page does not grow with its size: the records are built
by PostgreSQL in one query (incidents/api/records.py), whatever the participants and claims.
Pinned for JSON, GeoJSON and CSV pages of 10 and 100 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Status
from incidents.services import api_key_create
from tests.factories import ActorFactory, ClaimFactory, IncidentActorFactory, IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
# The key with its organisation; the change markers (ETag, Last-Modified); the page's records.
QUERIES_PER_PAGE = 3


@pytest.fixture
def incidents():
    """120 published incidents, each with two participants and two claims."""
    first, second = ActorFactory(), ActorFactory()
    for n in range(120):
        incident = IncidentFactory(
            status=Status.PUBLISHED, published_at=timezone.now(), title=f"Incident {n}"
        )
        IncidentActorFactory(incident=incident, actor=first, acled_position="actor1")
        IncidentActorFactory(
            incident=incident, actor=second, acled_position="actor2", ucdp_side="B"
        )
        ClaimFactory(incident=incident, fatalities_best=n % 7)
        ClaimFactory(incident=incident, fatalities_best=n % 5)


def queries_of(client, key: str, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query, HTTP_AUTHORIZATION=f"Api-Key {key}")
        assert response.status_code == 200, response.content
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
def test_a_page_costs_the_same_queries_at_10_and_100_rows(client, incidents, fmt):
    _, key = api_key_create("Counting Partner")
    small = queries_of(client, key, format=fmt, page_size="10")
    large = queries_of(client, key, format=fmt, page_size="100")
    assert small == large == QUERIES_PER_PAGE


def test_the_next_page_by_cursor_costs_the_same(client, incidents):
    _, key = api_key_create("Counting Partner")
    first = client.get(URL, {"page_size": "100"}, HTTP_AUTHORIZATION=f"Api-Key {key}").json()
    with CaptureQueriesContext(connection) as captured:
        page = client.get(first["next"], HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert len(page.json()["results"]) == 20
    assert len(captured) == QUERIES_PER_PAGE

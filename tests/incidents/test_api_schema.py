"""Schemathesis against /api/schema/: every documented operation, with generated parameters,
answers no 5xx and only what the schema documents (status codes, content types, bodies)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from incidents.models import Status
from incidents.services import api_key_create
from tests.factories import ActorFactory, ClaimFactory, HarmAssessmentFactory, IncidentFactory

# Requests the schema allows (a request it forbids reaches Django's own 404 for a path that is
# no route, say, which is not the API's answer).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    application,
    config=SchemathesisConfig.from_dict({"generation": {"mode": "positive"}}),
)


@pytest.fixture
def keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (Django's test client
    does not): that would end the test's transaction. Kept open, as the test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(db, keep_the_test_connection):
    incident = IncidentFactory(status=Status.PUBLISHED, published_at="2024-03-02T00:00:00Z")
    ClaimFactory(incident=incident, fatalities_best=3)
    HarmAssessmentFactory(incident=incident)
    return api_key_create("Schema tester")[1]


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_schema_says(case, api_key):
    if case.query and "key" in case.query:
        del case.query["key"]  # the generated key would be refused (401, documented)
    # A well-formed value may still be refused for what it names (an actor that does not
    # exist: 400 naming it); every other check runs.
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {api_key}"}, excluded_checks=[positive_data_acceptance]
    )


# The write path with a write-scoped key: generated drafts are created or refused with a 400
# naming their faults (an actor slug that does not exist, dates out of order...), never a 5xx,
# and every answer is the one the schema documents.
write_operations = schema.include(method="POST", path="/api/v1/incidents/")


@pytest.fixture
def write_key(db, keep_the_test_connection):
    ActorFactory(slug="jnim")
    ActorFactory(slug="fama")
    return api_key_create("Schema writer", scope="write")[1]


@write_operations.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_write_api_answers_as_its_schema_says(case, write_key):
    if case.query and "key" in case.query:
        del case.query["key"]
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {write_key}"},
        excluded_checks=[positive_data_acceptance],
    )

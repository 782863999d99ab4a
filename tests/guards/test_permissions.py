"""The permission matrix: every URL pattern of the site, requested with GET by every role, answers
what tests/guards/access_table.py says; a URL pattern or an admin model without an entry there
fails. The last tests show that the guard fails when it should, using the same functions."""

import dataclasses
import logging

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.examples import ACLED_ROW, UCDP_ROW
from tests.factories import UserFactory
from tests.guards import access_table as table
from tests.guards.matrix import (
    Mismatch,
    check_access,
    coverage_problems,
    expected_cases,
    url_patterns,
)

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
SIGNED_IN_ROLES = (table.VIEWER, table.EDITOR, table.REVIEWER, table.ADMIN)


def make_site_objects() -> tuple[dict, dict]:
    """The users of each role and at least one object of every admin model: the demo set, an
    ACLED and a UCDP import, a retracted incident, accounts, a partner organisation and its key.
    Returns (users, samples): users[PARTNER] is the partner's API key; samples holds every value
    the table's parameters name (access_table.SAMPLES, admin_object)."""
    from incidents.ingest.models import ExtractionFeedback
    from incidents.ingest.pipeline import text_ingest
    from incidents.interchange.acled import acled_row_import
    from incidents.interchange.ucdp import ucdp_row_import
    from incidents.models import IdempotentRequest, Incident, Origin
    from incidents.sampledata.demo import demo_load
    from incidents.services import api_key_create, incident_retract

    users = {role: UserFactory(username=role, role=role) for role in SIGNED_IN_ROLES}
    never_signs_in = UserFactory(username="never-signs-in")
    demo_load()
    acled_row_import(ACLED_ROW)
    draft = ucdp_row_import(UCDP_ROW)
    published, retracted = Incident.objects.filter(origin=Origin.DEMO).order_by("pk")[:2]
    incident_retract(retracted.pk, user=users[table.REVIEWER], reason="Duplicate of another.")
    _, users[table.PARTNER] = api_key_create("Guard partner")
    # A pasted report: an ingestion source and a raw report (incidents/ingest/).
    report, _ = text_ingest("Guard report: nothing happened.")
    # A review decision on it (incidents/review/): the extraction feedback's admin rows.
    ExtractionFeedback.objects.create(
        report=report, event_index=0, decision="discarded", user=users[table.EDITOR]
    )
    # A write the API remembered for its Idempotency-Key (incidents/api/idempotency.py).
    IdempotentRequest.objects.create(
        owner="guard", key="guard-key", request_hash="0" * 64, status=201, response_body="{}"
    )
    # A failed and a successful sign-in: the throttle's attempt, failure and access records.
    sign_in = Client()
    sign_in.post("/accounts/login/", {"username": "never-signs-in", "password": "wrong"})
    sign_in.post("/accounts/login/", {"username": table.VIEWER, "password": PASSWORD})
    samples = {
        "published incident": published.pk,
        "retracted incident": retracted.pk,
        "draft incident": draft.pk,
        "incident content type": ContentType.objects.get_for_model(Incident).pk,
        "reset uidb64": urlsafe_base64_encode(force_bytes(never_signs_in.pk)),
        "reset token": default_token_generator.make_token(never_signs_in),
    }
    for model in admin.site._registry:
        # `objects`: pghistory's event models have an empty default manager (no_objects).
        first = getattr(model, "objects", model._default_manager).first()
        if first is not None:
            samples[table.admin_object(model._meta.label_lower).name] = quote(first.pk)
    return users, samples


@pytest.fixture(scope="module")
def site_objects(django_db_setup, django_db_blocker):
    """The built-in reference data and make_site_objects, once for the module, in a transaction
    rolled back at its end (each test runs in a savepoint inside it). Not the session's committed
    `builtin_reference`: modules that run later may expect an empty database."""
    from incidents.services import reference_data_setup

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            reference_data_setup(reference_dir="", log=lambda _: None)
            made = make_site_objects()
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)  # rolls back
            raise
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def healthy_probes(monkeypatch):
    """/healthz answers as if the database, Redis and a worker were up: who may call it is the
    question here (tests/config/test_healthz.py checks the probes themselves)."""
    monkeypatch.setattr(
        "config.health.system_health", lambda: {"status": "ok", "checks": {}, "failing": []}
    )


@pytest.fixture
def quiet_request_log(caplog):
    """Keeps Django's warning (with a traceback) for each expected 403 and 404 out of the report;
    errors (500) are still logged."""
    caplog.set_level(logging.ERROR, logger="django.request")


def role_clients(users) -> dict[str, Client]:
    """A test client per role, signed in as that role's user (the anonymous visitor's is not)."""
    clients = {table.ANONYMOUS: Client()}
    for role in SIGNED_IN_ROLES:
        clients[role] = Client()
        clients[role].force_login(users[role])
    clients[table.PARTNER] = Client(HTTP_AUTHORIZATION=f"Api-Key {users[table.PARTNER]}")
    return clients


def test_every_url_pattern_and_admin_model_has_an_entry_in_the_access_table():
    problems = coverage_problems(url_patterns())
    assert problems == [], "the access table is incomplete:\n" + "\n".join(problems)


def test_the_table_fills_route_parameters_only_with_documented_samples():
    documented = set(table.SAMPLES) | {
        table.admin_object(model._meta.label_lower).name for model in admin.site._registry
    }
    named = {
        value.name
        for cases in expected_cases().values()
        for case in cases
        for value in case.params.values()
        if isinstance(value, table.Sample)
    }
    assert named - documented == set()


@pytest.mark.django_db
def test_every_role_gets_what_the_access_table_says_from_every_url(
    site_objects, healthy_probes, quiet_request_log
):
    users, samples = site_objects
    mismatches = check_access(url_patterns(), expected_cases(), role_clients(users), samples)
    report = "\n".join(str(m) for m in mismatches)
    assert mismatches == [], f"{len(mismatches)} answers differ from the access table:\n{report}"


# --- The guard can fail.


def test_the_coverage_check_reports_a_url_whose_entry_was_removed():
    urls = {key: entry for key, entry in table.URLS.items() if key != "incidents:about"}
    problems = coverage_problems(url_patterns(), urls=urls)
    missing = "URL pattern 'about/' (name incidents:about) has no entry in the access table"
    assert missing in problems


def test_the_coverage_check_reports_an_admin_model_without_a_row():
    rows = {k: v for k, v in table.ADMIN_MODELS.items() if k != "incidents.source"}
    problems = coverage_problems(url_patterns(), admin_models=rows)
    assert "admin model incidents.source is registered but has no row in ADMIN_MODELS" in problems
    missing = [p for p in problems if "admin/incidents/source/" in p]
    assert len(missing) == 6  # changelist, add, change, history, delete, and the redirect


def test_the_coverage_check_reports_a_url_added_to_the_configuration(settings):
    assert not any("guard-extra-page" in p for p in coverage_problems(url_patterns()))
    settings.ROOT_URLCONF = "tests.guards.urls_with_extra_page"
    problems = coverage_problems(url_patterns())
    assert (
        "URL pattern 'guard-extra-page/' (name guard-extra-page) has no entry in the access table"
        in problems
    )


@pytest.mark.django_db
def test_a_wrong_expectation_is_reported_as_a_mismatch(site_objects, quiet_request_log):
    users, samples = site_objects
    about = table.URLS["incidents:about"]
    wrong = dataclasses.replace(about, expect={**about.expect, table.VIEWER: table.FORBIDDEN})
    cases = expected_cases(urls={**table.URLS, "incidents:about": wrong})
    patterns = [p for p in url_patterns() if p.key == "incidents:about"]
    mismatches = check_access(patterns, cases, role_clients(users), samples)
    assert mismatches == [
        Mismatch("incidents:about", "/about/", table.VIEWER, table.FORBIDDEN, table.OK)
    ]


@pytest.mark.django_db
def test_a_wrong_admin_row_is_reported_for_each_url_it_expands_to(site_objects, quiet_request_log):
    users, samples = site_objects
    rows = dict(table.ADMIN_MODELS)
    # Wrong on purpose: editors do see and add sources.
    rows["incidents.source"] = table.rights(
        view=table.ADMIN_ONLY,
        add=table.ADMIN_ONLY,
        change=table.ADMIN_ONLY,
        delete=table.ADMIN_ONLY,
    )
    cases = expected_cases(admin_models=rows)
    patterns = [p for p in url_patterns() if "admin/incidents/source/" in p.route]
    mismatches = check_access(patterns, cases, role_clients(users), samples)
    got = {(m.entry, m.role, m.expected, m.got) for m in mismatches}
    for view in ("changelist", "add", "change", "history"):
        for role in (table.EDITOR, table.REVIEWER):
            assert (f"admin:incidents_source_{view}", role, "403", "200") in got
    assert len(mismatches) == 8

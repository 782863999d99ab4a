"""/healthz: 200 when the database, Redis and a worker answer; 503 naming what is down. Beat's
heartbeat is reported, but a late beat alone does not make the site unhealthy."""

import json
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache

from config.celery import BEAT_HEARTBEAT_KEY, BEAT_HEARTBEAT_SECONDS, app, beat_heartbeat
from config.health import check_database
from tests.conftest import celery_worker_name, free_port


@pytest.mark.celery_worker
@pytest.mark.django_db
def test_healthz_is_200_when_database_redis_and_workers_are_up(client, celery_worker, users):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["workers"]["ok"] and body["checks"]["workers"]["count"] >= 1
    assert "workers" not in body["checks"]["workers"]  # no host names for the public

    client.force_login(users["admin"])
    details = client.get("/healthz").json()["checks"]
    assert details["database"]["postgis"]
    # This run's own worker, not merely a worker of some checkout on the same Redis.
    assert celery_worker_name() in details["workers"]["workers"]


@pytest.mark.django_db
def test_healthz_is_503_and_names_redis_when_redis_is_stopped(client, settings, private_redis):
    url, process = private_redis
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    process.terminate()
    process.wait(timeout=10)

    started = time.monotonic()
    response = client.get("/healthz")
    body = response.json()

    assert response.status_code == 503
    assert body["status"] == "fail"
    assert "redis" in body["failing"]
    assert body["checks"]["redis"] == {"ok": False}  # the error text is for staff only
    assert body["checks"]["database"]["ok"] is True
    assert time.monotonic() - started < 10, "a down Redis must not hang the health check"


@pytest.mark.django_db
def test_healthz_is_503_and_names_workers_when_no_worker_listens(
    client, settings, private_redis, users
):
    url, _ = private_redis  # a Redis no worker is attached to
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    client.force_login(users["admin"])  # staff see each check's error

    response = client.get("/healthz")
    body = response.json()

    assert response.status_code == 503
    assert body["failing"] == ["workers"]
    assert body["checks"]["workers"] == {
        "ok": False,
        "error": "no Celery worker answered",
        "count": 0,
        "workers": [],
    }
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": True}


@contextmanager
def unreachable_database():
    """The default connection pointed at a port nothing listens on; restored afterwards."""
    from django.db import connections

    connection = connections["default"]
    original_port = connection.settings_dict["PORT"]
    port = free_port()
    connection.close()
    connection.settings_dict["PORT"] = port
    try:
        yield port
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port


# Transactional: the connection is closed and reopened, which a test's enclosing transaction
# would not survive.
@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_and_names_the_database_when_it_is_unreachable(client, users):
    with unreachable_database() as port:
        direct = check_database()
        response = client.get("/healthz")

    # The failure is the unreachable port, not pytest-django's "Database access not allowed".
    assert direct["ok"] is False
    error = direct["error"]
    assert error.startswith("OperationalError: ") and "connection" in error, error
    assert str(port) in error, error  # "port N failed" over TCP, ".s.PGSQL.N" over a socket
    assert "Database access not allowed" not in error
    body = response.json()
    assert response.status_code == 503, body
    assert "database" in body["failing"]
    assert body["checks"]["database"] == {"ok": False}
    assert body["checks"]["redis"] == {"ok": True}
    # The connection works again for the tests that follow.
    assert check_database()["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_healthz_view_answers_a_logged_in_caller_as_the_public_when_the_database_is_down(
    client, users
):
    """Who is asking is in the database (session, user): when it is down the view answers 503
    like to the public rather than failing. (Called without the middleware: pghistory's
    HistoryMiddleware reads request.user on GET itself and still turns this into a 500.)"""
    from django.contrib.auth import get_user
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory
    from django.utils.functional import SimpleLazyObject

    from config.health import healthz

    client.force_login(users["admin"])  # while the database still answers
    request = RequestFactory().get("/healthz")
    request.session = SessionStore(client.session.session_key)
    request.user = SimpleLazyObject(lambda: get_user(request))
    with unreachable_database():
        response = healthz(request)

    body = json.loads(response.content)
    assert response.status_code == 503, body
    assert "database" in body["failing"]
    assert body["checks"]["database"] == {"ok": False}  # the public view: no error text


@pytest.fixture
def no_heartbeat():
    """No heartbeat recorded for this run (the test cache is this run's own), before and after."""
    cache.delete(BEAT_HEARTBEAT_KEY)
    yield
    cache.delete(BEAT_HEARTBEAT_KEY)


def test_beat_schedules_the_heartbeat_every_interval():
    entry = app.conf.beat_schedule["beat-heartbeat"]
    assert entry["task"] == beat_heartbeat.name == "config.beat_heartbeat"
    assert entry["schedule"] == BEAT_HEARTBEAT_SECONDS


@pytest.mark.celery_worker
@pytest.mark.django_db
def test_healthz_reports_beat_heartbeat_after_the_task_ran_in_the_worker(
    client, celery_worker, users, no_heartbeat
):
    client.force_login(users["admin"])
    before = client.get("/healthz").json()["checks"]["beat"]
    assert before == {"ok": False, "error": "no heartbeat from beat yet"}

    # The task ignores its result; ask for it here so that get() waits until the worker ran it
    # (with the result ignored, delay().get() returns None at once).
    beat_heartbeat.apply_async(ignore_result=False).get(timeout=30)

    staff = client.get("/healthz")
    assert staff.status_code == 200, staff.json()
    beat = staff.json()["checks"]["beat"]
    assert beat["ok"] is True, beat
    assert 0 <= beat["last_heartbeat_seconds_ago"] < 30
    client.logout()
    public = client.get("/healthz").json()["checks"]["beat"]
    assert public["ok"] is True and "last_heartbeat_seconds_ago" in public


@pytest.mark.celery_worker
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("age", "ok"),
    [(3 * BEAT_HEARTBEAT_SECONDS, True), (4 * BEAT_HEARTBEAT_SECONDS + 5, False)],
)
def test_heartbeat_older_than_four_intervals_is_not_ok_but_not_failing(
    client, celery_worker, no_heartbeat, age, ok
):
    cache.set(BEAT_HEARTBEAT_KEY, time.time() - age, timeout=None)

    response = client.get("/healthz")
    body = response.json()

    assert body["checks"]["beat"]["ok"] is ok
    assert body["checks"]["beat"]["last_heartbeat_seconds_ago"] >= age
    # A late beat is reported, but alone it does not make the site unhealthy.
    assert response.status_code == 200, body
    assert body["failing"] == []

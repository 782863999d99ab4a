"""/healthz: 200 when the database, Redis and a worker answer; 503 naming what is down."""

import socket
import subprocess
import time

import pytest
import redis

from tests.conftest import redis_server_binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_redis():
    """A real redis-server of our own, so the test can stop it."""
    port = free_port()
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield url, process
    if process.poll() is None:
        process.kill()
    process.wait()


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
    assert any(name.startswith("tests-") for name in details["workers"]["workers"])


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
def test_healthz_is_503_and_names_workers_when_no_worker_listens(client, settings, private_redis):
    url, _ = private_redis  # a Redis no worker is attached to
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["workers"]
    assert body["checks"]["redis"]["ok"] is True


def test_healthz_is_503_and_names_the_database_when_it_is_unreachable(client):
    from django.db import connections

    connection = connections["default"]
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert response.status_code == 503
    assert "database" in response.json()["failing"]

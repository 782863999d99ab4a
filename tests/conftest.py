"""Shared fixtures: real PostgreSQL/PostGIS (pytest-django's test database), real Redis, a real
Celery worker process, and reference data loaded once per session."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def database_url() -> str:
    """DATABASE_URL of the test database (for processes the tests start)."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database; before it is dropped, end the sessions that the live
    server's threads may still hold, so the drop succeeds and no stale database is left."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def builtin_reference(django_db_setup, django_db_blocker):
    """The actor catalogue and the built-in boundaries and gazetteer, committed once."""
    from incidents.services import reference_data_setup

    with django_db_blocker.unblock():
        reference_data_setup(reference_dir="", log=lambda _: None)


@pytest.fixture
def reference_data(db, builtin_reference):
    """For ordinary (rolled-back) tests that need actors, boundaries and places."""


@pytest.fixture
def committed_reference_data(transactional_db):
    """For transactional tests (they empty the database afterwards): load the built-in set."""
    from incidents.services import reference_data_setup

    reference_data_setup(reference_dir="", log=lambda _: None)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the test queue, against the test database and Redis."""
    from config.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    name = f"{queue}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
    }
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "test-worker.log", "w")  # noqa: SIM115 (open while the worker runs)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-n",
            name,
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the Celery worker exited with {process.returncode}; see var/test-worker.log"
            )
        if app.control.ping(destination=[name], timeout=0.5):
            break
    else:
        process.kill()
        pytest.fail("the Celery worker did not answer within 60 s; see var/test-worker.log")
    yield process
    log.close()
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def users(db):
    """One user per role."""
    return {
        role: factories.UserFactory(username=role, role=role)
        for role in ("viewer", "editor", "reviewer", "admin")
    }


def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/test installs it)")
    return binary

"""Shared fixtures: real PostgreSQL/PostGIS (pytest-django's test database), real Redis, a real
Celery worker process, and reference data loaded once per session.

Programs only some tests need (Chromium, docker-compose, redis-server) go through
`require_tool`: when one is missing those tests skip on a developer's machine, saying what to
install, but fail under CI (the environment variable CI set, as in `CI=true bash .ci/run`), so a
CI run never passes by skipping them."""

import importlib.util
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
import redis
from django.conf import settings
from django.utils import translation

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


@pytest.fixture(autouse=True)
def gazetteer_cache_empty():
    """Each test starts with the geocoder's per-process cache empty: its gazetteer is not the
    previous test's (rolled back or emptied)."""
    from incidents.geo.geocoder import GAZETTEER_CACHE

    GAZETTEER_CACHE.clear()


@pytest.fixture(autouse=True)
def english_unless_asked():
    """Each test starts in the default language: a page requested in French (LocaleMiddleware
    activates it for the thread) must not leave later tests reading French messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


def celery_worker_name() -> str:
    """The node name of the worker that the `celery_worker` fixture starts (this run's only)."""
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}@{socket.gethostname()}"


def celery_worker_start(
    name: str, queues: list[str], log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Starts a real `celery worker` process (concurrency 1, its own process group) consuming
    `queues`, against the test database and Redis, and waits until it answers a ping."""
    from config.celery import app

    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        **(env or {}),
    }
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                ",".join(queues),
                "-n",
                name,
                "--concurrency=1",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}; see {log_path}")
        if app.control.ping(destination=[name], timeout=0.5):
            return process
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"the Celery worker did not answer within 60 s; see {log_path}")


def celery_worker_stop(process: subprocess.Popen) -> None:
    """Stops a worker started by celery_worker_start (warm shutdown, then SIGKILL)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def worker_log_path(stem: str = "test-worker") -> Path:
    """var/<stem>[-<TEST_RUN_ID>].log: a run with its own TEST_RUN_ID has its own worker log."""
    run_id = getattr(settings, "RUN_ID", "")
    return ROOT / "var" / (f"{stem}-{run_id}.log" if run_id else f"{stem}.log")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the test queue, against the test database and Redis."""
    from incidents.ingest.tasks import ingest_queues

    log_path = worker_log_path()
    log_path.parent.mkdir(exist_ok=True)
    log_path.write_text("")
    process = celery_worker_start(
        celery_worker_name(), [settings.CELERY_TASK_DEFAULT_QUEUE, *ingest_queues()], log_path
    )
    yield process
    celery_worker_stop(process)


@pytest.fixture
def users(db):
    """One user per role."""
    return {
        role: factories.UserFactory(username=role, role=role)
        for role in ("viewer", "editor", "reviewer", "admin")
    }


def running_in_ci() -> bool:
    """True when the environment variable CI is set (CI=true, CI=1, ...; not empty, 0 or false)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


def require_tool(tool: str, install_hint: str, what: str | None = None) -> str:
    """The path of a program some tests need (a name looked up in PATH, or a path).

    When it is missing, the tests that need it skip on a developer's machine, saying what to
    install; under CI they fail instead (pytest.fail), so CI never passes by skipping them."""
    what = what or Path(tool).name
    path = tool if os.sep in tool else shutil.which(tool)
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    message = f"{what} is missing: {install_hint}"
    if running_in_ci():
        pytest.fail(f"{message} (CI is set: the tests that need it fail, not skip)", pytrace=False)
    pytest.skip(f"{message} (scripts/test installs it where it can)")


def require_module(module: str, package: str) -> None:
    """A Python library some tests need (declared by the project, e.g. feedparser): like
    require_tool, those tests skip on a developer's machine where it is not installed and fail
    under CI."""
    if importlib.util.find_spec(module) is not None:
        return
    message = f"the Python package {package} is missing: pip install {package}"
    if running_in_ci():
        pytest.fail(f"{message} (CI is set: the tests that need it fail, not skip)", pytrace=False)
    pytest.skip(message)


CHROMIUM_INSTALL_HINT = "install Debian's chromium package (apt-get install chromium)"


def chromium_path() -> str:
    """Where Chromium is: Debian's `chromium` in PATH (the name itself when it is not there)."""
    return shutil.which("chromium") or "chromium"


def require_chromium() -> str:
    """Chromium's path for the browser tests; skips locally, fails under CI when missing."""
    return require_tool(chromium_path(), CHROMIUM_INSTALL_HINT, "Chromium")


def redis_server_binary() -> str:
    return require_tool(
        "redis-server", "install Debian's redis-server package (apt-get install redis-server)"
    )


def docker_compose_binary() -> str:
    return require_tool(
        "docker-compose",
        "install Debian's docker-compose package (apt-get install docker-compose)",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    """A real redis-server of our own, so the test can stop it."""
    port = free_port()
    log_path = tmp_path / "redis-server.log"
    with log_path.open("w") as log:
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
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    if process.poll() is None:
                        process.kill()
                    process.wait()
                    pytest.fail(
                        f"redis-server on port {port} never answered PING "
                        f"(exit code {process.returncode}); its output:\n{log_path.read_text()}"
                    )
                time.sleep(0.1)
    finally:
        client.close()
    yield url, process
    if process.poll() is None:
        process.kill()
    process.wait()

"""The production settings (DEBUG off) as the README describes them: HTTP is redirected to HTTPS,
except /healthz, which load balancers and container health checks call over plain HTTP."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter, so that config.settings.base is read with DEBUG=0 as in production.
REQUESTS = """
import json

import django

django.setup()
from django.conf import settings
from django.test import Client

client = Client()
answers = {"exempt": settings.SECURE_REDIRECT_EXEMPT, "redirect": settings.SECURE_SSL_REDIRECT}
for path in ("/", "/admin/login/", "/healthz"):
    response = client.get(path)
    answers[path] = {
        "status": response.status_code,
        "location": response.get("Location"),
        "json": response.json() if response["Content-Type"] == "application/json" else None,
    }
print(json.dumps(answers))
"""


@pytest.fixture
def production_answers(django_db_setup):
    """/, /admin/login/ and /healthz over plain HTTP with DEBUG off, against the test database
    and Redis (so /healthz really runs its checks)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SECURE_") and k not in {"DEBUG", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-production-secret-for-the-redirect-test-0123456789",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
    )
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_http_is_redirected_to_https_but_healthz_is_exempt(production_answers):
    assert production_answers["redirect"] is True  # the default with DEBUG off
    assert production_answers["exempt"] == [r"^healthz$"]
    assert production_answers["/"]["status"] == 301
    assert production_answers["/"]["location"] == "https://testserver/"
    assert production_answers["/admin/login/"]["status"] == 301
    assert production_answers["/admin/login/"]["location"] == "https://testserver/admin/login/"

    healthz = production_answers["/healthz"]
    assert healthz["location"] is None
    assert healthz["status"] in {200, 503}  # answered by the health check itself
    assert healthz["json"]["checks"]["database"]["ok"] is True
    assert healthz["json"]["checks"]["redis"]["ok"] is True

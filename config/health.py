"""The health check behind /healthz: database (with PostGIS), Redis, Celery workers, and beat.

The answer is 200 when the database, Redis and at least one worker answer; otherwise 503 with the
failing parts named. Beat is reported too, but a late beat alone does not make the site unhealthy.
The endpoint is public (load balancers and container health checks call it); only staff see the
details (versions, worker names, error messages), which would tell an outsider about the setup.
"""

import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import BEAT_HEARTBEAT_KEY, BEAT_HEARTBEAT_SECONDS
from config.celery import app as celery_app

REQUIRED = ("database", "redis", "workers")
TIMEOUT_SECONDS = 1.0


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            (postgis,) = cursor.fetchone()
    except Exception as exc:  # any failure to reach or query the database is "down"
        return {"ok": False, "error": _describe(exc)}
    return {"ok": True, "postgis": postgis}


def check_redis() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": _describe(exc)}
    finally:
        client.close()
    return {"ok": True}


def check_workers(broker_ok: bool) -> dict:
    if not broker_ok:
        return {"ok": False, "error": "cannot ask the workers: the broker (Redis) is down"}
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
            replies = celery_app.control.ping(timeout=TIMEOUT_SECONDS, connection=conn)
    except Exception as exc:  # kombu raises a variety of transport errors
        return {"ok": False, "error": _describe(exc)}
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return {"ok": False, "error": "no Celery worker answered", "count": 0, "workers": []}
    return {"ok": True, "count": len(names), "workers": names}


def check_beat(redis_ok: bool) -> dict:
    if not redis_ok:
        return {"ok": False, "error": "unknown: Redis is down"}
    try:
        last = cache.get(BEAT_HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": _describe(exc)}
    if last is None:
        return {"ok": False, "error": "no heartbeat from beat yet"}
    age = time.time() - last
    return {"ok": age < 4 * BEAT_HEARTBEAT_SECONDS, "last_heartbeat_seconds_ago": round(age, 1)}


def system_health() -> dict:
    """Checks every part and returns {"status", "checks", "failing"}."""
    checks = {"database": check_database(), "redis": check_redis()}
    checks["workers"] = check_workers(checks["redis"]["ok"])
    checks["beat"] = check_beat(checks["redis"]["ok"])
    failing = [name for name in REQUIRED if not checks[name]["ok"]]
    return {"status": "fail" if failing else "ok", "checks": checks, "failing": failing}


PUBLIC_KEYS = {"ok", "count", "last_heartbeat_seconds_ago"}


def public_view(report: dict) -> dict:
    """The report without details: each part's state (and worker count) only."""
    checks = {
        name: {k: v for k, v in check.items() if k in PUBLIC_KEYS}
        for name, check in report["checks"].items()
    }
    return {**report, "checks": checks}


@never_cache
@require_GET
def healthz(request):
    report = system_health()
    if _is_staff(request):
        report["ingest"] = ingest_detail()
    else:
        report = public_view(report)
    return JsonResponse(report, status=503 if report["failing"] else 200)


def ingest_detail() -> dict:
    """Ingestion's worker state for staff: queue lengths, each source's last poll and error,
    reports by status (incidents/ingest/tasks.py). A failure to read it is reported, not
    raised: the health answer must not fail because of it."""
    from incidents.ingest.tasks import worker_state

    try:
        return worker_state()
    except Exception as exc:  # the database or Redis may be down: the checks say which
        return {"error": _describe(exc)}


def _is_staff(request) -> bool:
    """Whether the caller is staff. Sessions and users live in the database: when it is down, a
    logged-in caller is answered as the public is (503 naming the database), not with a 500."""
    try:
        return request.user.is_authenticated and request.user.is_staff
    except DatabaseError:
        return False


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]

"""Settings for the test suite: the base settings, isolated from a running dashboard.

Each checkout gets its own test database, Redis database and Celery queue, so a test run never
collides with `scripts/run` or with another checkout's tests on the same servers.
"""

import hashlib
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CACHES,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASES,
    REDIS_URL,
    env_int,
    env_str,
)

CHECKOUT_ID = hashlib.sha1(str(BASE_DIR).encode(), usedforsecurity=False).hexdigest()[:8]
# Two runs in one checkout at once (a developer's and a helper's) need their own database and
# queue too: TEST_RUN_ID names one.
RUN_ID = "".join(ch for ch in env_str("TEST_RUN_ID", "").lower() if ch.isalnum())[:20]
if RUN_ID:
    CHECKOUT_ID = f"{CHECKOUT_ID}_{RUN_ID}"


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": f"test_sahel_{CHECKOUT_ID}"}

REDIS_URL = env_str("TEST_REDIS_URL", _redis_db(REDIS_URL, 15))
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = f"tests-{CHECKOUT_ID}"
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = f"sahel-tests-{CHECKOUT_ID}"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# This run's own ingestion queues, and retries quick enough for a test to watch them.
# A test that starts a worker of its own gives it queues of its own (TEST_INGEST_QUEUE_PREFIX).
INGEST_QUEUE_PREFIX = env_str("TEST_INGEST_QUEUE_PREFIX", "") or f"{CELERY_TASK_DEFAULT_QUEUE}-"
# A worker killed mid-task leaves its message unacknowledged in Redis; the broker gives it back
# once it is older than the visibility timeout. The bookkeeping keys are this run's own (another
# run's worker never restores our messages, nor ours theirs), and a test that kills a worker
# starts the next one with a short timeout (TEST_BROKER_VISIBILITY_TIMEOUT, in seconds) and
# sweeps every second, so the message comes back within the test.
_UNACKED = env_str("TEST_BROKER_UNACKED_KEY", "") or f"unacked-{CHECKOUT_ID}"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_key": _UNACKED,
    "unacked_index_key": f"{_UNACKED}-index",
    "unacked_mutex_key": f"{_UNACKED}-mutex",
}
if env_int("TEST_BROKER_VISIBILITY_TIMEOUT", 0):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        visibility_timeout=env_int("TEST_BROKER_VISIBILITY_TIMEOUT", 0),
        unacked_restore_interval=1,
        unacked_restore_throttle=1,
    )
INGEST_MAX_RETRIES = 2
INGEST_RETRY_BACKOFF_SECONDS = 1

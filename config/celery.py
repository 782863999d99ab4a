"""The Celery app: Redis as broker, tasks discovered in each app's tasks.py, the beat schedule."""

import os
import time

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Every task attributes its writes to itself in the history tables (config/history.py).
app = Celery("sahel", task_cls="config.history:AttributedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Ingestion is a package of the incidents app with tasks of its own.
app.autodiscover_tasks(["incidents.ingest"])

BEAT_HEARTBEAT_KEY = "beat:heartbeat"
BEAT_HEARTBEAT_SECONDS = 30

app.conf.beat_schedule = {
    "beat-heartbeat": {"task": "config.beat_heartbeat", "schedule": BEAT_HEARTBEAT_SECONDS},
    # The map's per-actor summary follows relations edited anywhere (the admin, SQL).
    "actor-summary-refresh": {"task": "incidents.actor_summary_refresh", "schedule": 300},
    # Polls the feeds that are due (each on its own interval) and re-enqueues stalled reports.
    "ingest-poll-due-sources": {"task": "incidents.ingest.poll_due_sources", "schedule": 60},
}


@app.task(name="config.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Records that beat is scheduling and a worker is running what it schedules (for /healthz)."""
    from django.core.cache import cache

    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)

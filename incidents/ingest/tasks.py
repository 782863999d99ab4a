"""Ingestion's Celery tasks: thin wrappers around pipeline.py that take ids, acknowledge late (a
worker killed mid-task leaves the message to be delivered again; every step is idempotent),
record each failure, retry with exponential backoff, and stop at a dead-letter state keeping
the error. Each kind of work has its own queue (feeds, extraction, imports) so that a burst of
one cannot starve the others: `route` sends each task to its queue."""

import logging
from dataclasses import asdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from incidents.ingest import pipeline
from incidents.ingest.fetch import FetchError
from incidents.ingest.models import RawReport, ReportStatus

log = logging.getLogger(__name__)

FEEDS, EXTRACTION, IMPORTS = "feeds", "extraction", "imports"
QUEUE_OF_TASK = {
    "incidents.ingest.poll_due_sources": FEEDS,
    "incidents.ingest.poll_source": FEEDS,
    "incidents.ingest.process_report": EXTRACTION,
    "incidents.ingest.import_dataset": IMPORTS,
    "incidents.ingest.import_report": IMPORTS,
}
# A report left in progress this long lost its task message: enqueue it again.
STALLED_AFTER = timedelta(minutes=30)


def queue_name(kind: str) -> str:
    """The queue of a kind of work (settings.INGEST_QUEUE_PREFIX isolates test runs)."""
    return f"{settings.INGEST_QUEUE_PREFIX}{kind}"


def ingest_queues() -> list[str]:
    """Every ingestion queue: a worker must consume these besides the default queue."""
    return [queue_name(kind) for kind in (FEEDS, EXTRACTION, IMPORTS)]


def route(name, args, kwargs, options, task=None, **kw):
    """Celery router (settings.CELERY_TASK_ROUTES): ingestion tasks to their queue."""
    kind = QUEUE_OF_TASK.get(name)
    return {"queue": queue_name(kind)} if kind else None


def backoff_seconds(attempt: int) -> int:
    """Exponential backoff: the base, doubled at each attempt, capped at an hour."""
    return min(settings.INGEST_RETRY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0), 3600)


@shared_task(name="incidents.ingest.poll_due_sources")
def poll_due_sources() -> int:
    """Run by beat every minute: polls the feeds that are due, and enqueues again reports whose
    task message was lost. Returns how many polls it started."""
    started = 0
    for source_id in pipeline.sources_due():
        if pipeline.source_mark_polling(source_id):
            poll_source.delay(source_id)
            started += 1
    for report_id in pipeline.reports_stalled(STALLED_AFTER):
        report_enqueue(report_id)
    return started


@shared_task(
    bind=True,
    name="incidents.ingest.poll_source",
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def poll_source(self, source_id: int) -> dict:
    """Fetches one feed and stores its new entries, then enqueues their processing. A network
    error, a server error or a malformed feed is recorded on the source and retried with
    backoff; after INGEST_MAX_RETRIES retries the poll is given up (the source shows it)."""
    try:
        result = pipeline.source_poll(source_id)
    except FetchError as exc:
        final = self.request.retries >= settings.INGEST_MAX_RETRIES
        pipeline.source_failed(source_id, exc, final=final)
        if final:
            log.warning("poll of source %s given up: %s", source_id, exc)
            return {"failed": str(exc)}
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries + 1)) from exc
    for report_id in result.new_report_ids:
        process_report.delay(report_id)
    return {"not_modified": result.not_modified, "new": result.new_report_ids}


@shared_task(
    bind=True,
    name="incidents.ingest.process_report",
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def process_report(self, report_id: int) -> str:
    """Extracts, geocodes and matches one report and drafts or attaches its incidents. Any
    failure is recorded on the report and retried with backoff; after INGEST_MAX_RETRIES
    retries the report is dead (kept with its error, re-run from the admin)."""
    return _report_step(self, report_id, pipeline.report_process)


@shared_task(
    name="incidents.ingest.import_dataset",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_dataset(kind: str, path: str, version: str = "") -> dict:
    """Imports an ACLED or UCDP GED CSV export (a path the worker can read) on the imports
    queue. Safe to repeat: known events are updated, not duplicated."""
    return asdict(pipeline.dataset_import(kind, path, version=version))


@shared_task(
    bind=True,
    name="incidents.ingest.import_report",
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def import_report(self, report_id: int) -> str:
    """Imports an uploaded ACLED or UCDP export (a raw report's bytes) on the imports queue, in
    one transaction: a worker killed mid-import leaves nothing half-imported and the message to
    be delivered again. Failures are recorded and retried like a report's."""
    return _report_step(self, report_id, pipeline.dataset_report_import)


def _report_step(task, report_id: int, step) -> str:
    """Runs `step` on one report and returns its status. Any failure is recorded on the report
    and retried with backoff; once the retries are spent the report is dead (its error kept)."""
    try:
        return step(report_id).status
    except Exception as exc:  # every failure is recorded, whatever it is
        status = pipeline.report_failed(report_id, exc)
        if status != ReportStatus.FAILED:
            log.warning("report %s is %s: %s", report_id, status, exc)
            return status
        raise task.retry(exc=exc, countdown=backoff_seconds(task.request.retries + 1)) from exc


def report_enqueue(report_id: int) -> None:
    """Queues a stored report: a dataset export to the imports queue, any other report to the
    extraction queue."""
    report = RawReport.objects.select_related("source").get(pk=report_id)
    if pipeline.report_dataset(report):
        import_report.delay(report_id)
    else:
        process_report.delay(report_id)


def reports_rerun(report_ids) -> list[int]:
    """Puts failed and dead reports back and enqueues them (the admin action calls this)."""
    ids = pipeline.reports_rerun(report_ids)
    for report_id in ids:
        report_enqueue(report_id)
    return ids


def sources_poll_now(source_ids) -> int:
    """Polls these feeds now (the admin action)."""
    pipeline.source_repoll(source_ids)
    count = 0
    for source_id in source_ids:
        if pipeline.source_mark_polling(source_id):
            poll_source.delay(source_id)
            count += 1
    return count


# --- Worker state (the admin's source list and /healthz for staff) ----------------------------


def queue_lengths() -> dict[str, int | None]:
    """Messages waiting in each ingestion queue (Redis LLEN of the queue's list); None for a
    queue that could not be read."""
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )
    lengths: dict[str, int | None] = {}
    try:
        for kind in (FEEDS, EXTRACTION, IMPORTS):
            try:
                lengths[kind] = int(client.llen(queue_name(kind)))
            except redis.RedisError:
                lengths[kind] = None
    finally:
        client.close()
    return lengths


def worker_state() -> dict:
    """Queue lengths, each source's last poll, success and error, and reports by status."""
    return {
        "queues": queue_lengths(),
        "sources": pipeline.sources_state(),
        "reports": pipeline.report_counts(),
    }

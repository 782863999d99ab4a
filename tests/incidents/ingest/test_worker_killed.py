"""A worker killed mid-task loses no report and duplicates none after a restart.

A real Celery worker (its own process group, its own queues) takes the first of several reports
and blocks, mid-transaction, on the PostgreSQL advisory lock that every report's write-up takes
(pipeline.report_apply), because the test holds that lock. The test then kills the whole worker
with SIGKILL, as a crashed machine would, releases the lock and starts a new worker. The
message of the killed task was never acknowledged (acks_late), so Redis gives it back after the
visibility timeout; every report must then reach a done status once, and each event become
exactly one incident with one claim per report."""

import os
import signal
import socket
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from incidents.ingest import pipeline, tasks
from incidents.ingest.models import DONE_STATUSES, RawReport, ReportStatus
from incidents.models import Claim, Incident, Origin, Source
from tests.conftest import celery_worker_start, celery_worker_stop, worker_log_path
from tests.incidents.ingest.test_feeds import require_libraries, wait_for
from tests.incidents.ingest.test_pipeline import AMBUSH, AMBUSH_AGAIN, ELSEWHERE

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

VISIBILITY_SECONDS = 8
APPLY_LOCK = "SELECT {}(hashtext('incidents_ingest_apply'))"


def waiting_on_the_apply_lock() -> int:
    """Backends of this database waiting for an advisory lock (the worker, blocked)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def own_queues(settings):
    """Queues and unacknowledged-message bookkeeping of this test's own workers, so that no
    other worker of the run takes (or restores) its messages."""
    prefix = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-killed-"
    settings.INGEST_QUEUE_PREFIX = prefix
    env = {
        "TEST_INGEST_QUEUE_PREFIX": prefix,
        "TEST_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        "TEST_BROKER_UNACKED_KEY": f"unacked-{prefix}",
    }
    return tasks.ingest_queues(), env


def test_a_worker_killed_mid_task_loses_no_report_and_duplicates_none(
    committed_reference_data, own_queues
):
    require_libraries(feeds=False)
    queues, env = own_queues
    log_path = worker_log_path("test-worker-killed")
    log_path.parent.mkdir(exist_ok=True)
    log_path.write_text("")
    name = f"killed-{settings.CELERY_TASK_DEFAULT_QUEUE}@{socket.gethostname()}"
    reports = [
        pipeline.text_ingest(text, published=day)[0]
        for text, day in (
            (AMBUSH, date(2024, 6, 20)),
            (AMBUSH_AGAIN, date(2024, 6, 21)),  # the same ambush: attaches
            (ELSEWHERE, date(2024, 6, 24)),
        )
    ]
    first = reports[0]

    with connection.cursor() as cursor:
        cursor.execute(APPLY_LOCK.format("pg_advisory_lock"))
    worker = celery_worker_start(name, queues, log_path, env)
    try:
        messages = [tasks.process_report.delay(report.pk) for report in reports]
        # The worker extracted the first report and now waits, mid-write, for the lock.
        wait_for(waiting_on_the_apply_lock, "the worker to block on the apply lock")
        assert RawReport.objects.get(pk=first.pk).status == ReportStatus.EXTRACTED

        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(APPLY_LOCK.format("pg_advisory_unlock"))
        celery_worker_stop(worker)

    # Nothing of the killed task's write-up was kept; the other reports were never started.
    assert not Incident.objects.filter(origin=Origin.INGESTED).exists()
    assert set(RawReport.objects.values_list("status", flat=True)) <= {
        ReportStatus.RECEIVED,
        ReportStatus.EXTRACTED,
    }

    restarted = celery_worker_start(name, queues, log_path, env)
    try:
        wait_for(
            lambda: RawReport.objects.filter(status__in=DONE_STATUSES).count() == 3,
            "every report to be done after the restart",
            timeout=120,
        )
    finally:
        celery_worker_stop(restarted)

    done = {r.pk: r for r in RawReport.objects.all()}
    assert len(done) == 3
    # The killed report came back after the others: the ambush is drafted from whichever of its
    # two reports was written up first, and the other attaches to it.
    assert sorted(done[r.pk].status for r in reports[:2]) == [
        ReportStatus.ATTACHED,
        ReportStatus.DRAFTED,
    ]
    assert done[reports[2].pk].status == ReportStatus.DRAFTED
    assert all(r.attempts == 0 and r.last_error == "" for r in done.values())
    # One incident per event: the ambush (two reports) and the strike.
    incidents = Incident.objects.filter(origin=Origin.INGESTED)
    assert incidents.count() == 2
    ambush = done[first.pk].incident
    assert done[reports[1].pk].incident == ambush
    # One source per report, one claim per report and incident.
    assert Source.objects.filter(raw_reports__isnull=False).count() == 3
    assert Claim.objects.filter(incident__in=incidents).count() == 3
    assert Claim.objects.filter(incident=ambush).count() == 2
    # The killed task's message came back (it was never acknowledged) and was run again.
    log = log_path.read_text()
    assert log.count(f"process_report[{messages[0].id}] received") == 2

"""Large downloads prepared in the background. A CSV or GeoJSON download of more incidents than
settings.API_EXPORT_BACKGROUND_ROWS is not streamed while the caller waits: a Celery task
(incidents/api/tasks.py) writes it to a file under settings.API_EXPORT_DIR, and the API answers
202 with the job's URL, which gives its status and, when it is ready, the download link.

A job remembers what the request asked (its filters, ordering, format, HXL row, language) and
what the caller may see (published only, coordinates coarsened): the file holds exactly what the
streamed download would have. Only the caller's organisation (any of its keys) or the same
signed-in user reads the job and its file; anyone else gets 404, as for an unknown job. The file
is named by the job's token (32 random bytes), never by anything guessable.

Jobs are kept in the cache (Redis) for settings.API_EXPORT_KEEP_HOURS, their files as long: a
job or file past that is gone (404), and the next export removes stale files. The same request
by the same caller while the data has not changed finds the job already made, so a client that
polls by repeating its request starts one job, not many.
"""

import csv
import hashlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.utils import translation

from incidents import selectors
from incidents.api import formats, records
from incidents.filters import IncidentFilterSet
from incidents.models import OrganisationAPIKey

# A job's token as secrets.token_urlsafe(32) makes it; anything else is no job (404).
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
PENDING, RUNNING, READY, FAILED = "pending", "running", "ready", "failed"
# Parameters that do not change the rows of a download.
NOT_FILTERS = ("key", "email", "format", "hxl", "cursor", "page_size")
SUFFIX = {"csv": "csv", "geojson": "geojson"}
CONTENT_TYPE = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


@dataclass
class ExportJob:
    token: str
    owner: str
    format: str
    hxl: bool
    query: str  # the filters, url-encoded
    published_only: bool
    coarse: bool
    language: str
    rows_expected: int
    created_at: str
    status: str = PENDING
    rows: int | None = None
    bytes: int | None = None
    finished_at: str | None = None
    error: str = ""

    @property
    def path(self) -> Path:
        return export_dir() / f"{self.token}.{SUFFIX[self.format]}"

    @property
    def expires_at(self) -> datetime:
        return datetime.fromisoformat(self.created_at) + keep_for()

    @property
    def filename(self) -> str:
        return f"incidents-{self.created_at[:10]}.{SUFFIX[self.format]}"


def export_dir() -> Path:
    path = Path(settings.API_EXPORT_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def keep_for() -> timedelta:
    return timedelta(hours=settings.API_EXPORT_KEEP_HOURS)


def owner_of(request) -> str:
    """Who may read a job: the key's organisation (any of its keys), or the signed-in user, or
    nobody in particular (anonymous reading) — then only the holder of the token."""
    if isinstance(request.auth, OrganisationAPIKey):
        return f"organisation:{request.auth.organisation_id}"
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return "anonymous"


def _job_key(token: str) -> str:
    return f"api-export:{token}"


def _request_key(fingerprint: str) -> str:
    return f"api-export-request:{fingerprint}"


def _store(job: ExportJob) -> None:
    cache.set(_job_key(job.token), asdict(job), timeout=int(keep_for().total_seconds()))


def export_job(token: str, owner: str | None = None) -> ExportJob | None:
    """The job of this token, if it exists and (with `owner`) belongs to that caller."""
    stored = cache.get(_job_key(token))
    if stored is None:
        return None
    job = ExportJob(**stored)
    if owner is not None and not secrets.compare_digest(job.owner, owner):
        return None
    return job


def export_start(
    request, *, fmt: str, hxl: bool, published_only: bool, coarse: bool, rows: int, version: str
) -> ExportJob:
    """The background job of this download: the one already made for the same request, caller
    and data (`version`: the answer's ETag), else a new one, queued once the request commits."""
    from incidents.api.tasks import api_export_write

    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name not in NOT_FILTERS:
            query.setlist(name, values)
    owner = owner_of(request)
    language = translation.get_language() or settings.LANGUAGE_CODE
    fingerprint = hashlib.sha256(
        "|".join(
            [
                *(owner, fmt, str(hxl), query.urlencode()),
                *(str(published_only), str(coarse), language, version),
            ]
        ).encode()
    ).hexdigest()
    token = cache.get(_request_key(fingerprint))
    found = export_job(token, owner) if token else None
    if found is not None and found.status != FAILED:
        return found
    job = ExportJob(
        token=secrets.token_urlsafe(32),
        owner=owner,
        format=fmt,
        hxl=hxl,
        query=query.urlencode(),
        published_only=published_only,
        coarse=coarse,
        language=language,
        rows_expected=rows,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _store(job)
    cache.set(_request_key(fingerprint), job.token, timeout=int(keep_for().total_seconds()))
    transaction.on_commit(lambda: api_export_write.delay(job.token))
    return job


def _query(job: ExportJob):
    filterset = IncidentFilterSet(
        QueryDict(job.query),
        queryset=selectors.incidents_for_api(published_only=job.published_only),
    )
    if not filterset.is_valid():  # it was valid when the job was made
        raise ValueError(f"the export's filters are no longer valid: {dict(filterset.errors)}")
    fields = filterset.ordering_fields
    return filterset.qs.order_by(*fields), fields, records.Shape(coarse=job.coarse)


def _pieces(job: ExportJob, counted: list[int]) -> Iterator[bytes]:
    """The file's content, piece by piece, as the streamed download would give it; counts the
    GeoJSON features in `counted` (CSV rows are counted in the file: PostgreSQL writes them)."""
    queryset, fields, shape = _query(job)
    if job.format == "csv":
        return formats.incident_csv_download(
            records.csv_copy_blocks(queryset, fields, shape), hxl=job.hxl
        )

    def counting(rows: Iterator[str]) -> Iterator[str]:
        for row in rows:
            counted[0] += 1
            yield row

    rows = counting(records.stream_rows(queryset, fields, shape, geojson=True))
    return (piece.encode() for piece in formats.feature_collection(rows))


def _csv_rows_in(job: ExportJob) -> int:
    """The records of a written CSV file (read as a stream): its rows but the header rows."""
    with job.path.open(newline="", encoding="utf-8") as file:
        return sum(1 for _ in csv.reader(file)) - (2 if job.hxl else 1)


def export_write(token: str) -> ExportJob | None:
    """Writes a job's file (the Celery task's service): the rows the caller would have
    downloaded, written beside the final name and renamed when complete, so a half-written file
    is never served. Safe to repeat: a job already written is left as it is."""
    job = export_job(token)
    if job is None or (job.status == READY and job.path.exists()):
        return job
    exports_purge()
    job.status = RUNNING
    _store(job)
    partial = job.path.with_suffix(".part")
    counted = [0]
    try:
        with translation.override(job.language), partial.open("wb") as out:
            for piece in _pieces(job, counted):
                out.write(piece)
        os.replace(partial, job.path)
    except Exception as error:
        partial.unlink(missing_ok=True)
        job.status, job.error = FAILED, str(error)[:500]
        _store(job)
        raise
    rows = _csv_rows_in(job) if job.format == "csv" else counted[0]
    job.status, job.rows, job.bytes = READY, rows, job.path.stat().st_size
    job.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    _store(job)
    return job


def exports_purge() -> int:
    """Removes export files older than API_EXPORT_KEEP_HOURS (their jobs have expired)."""
    limit = time.time() - keep_for().total_seconds()
    removed = 0
    for path in export_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def job_status(job: ExportJob, download_url: str | None) -> dict:
    """What the job's URL answers."""
    return {
        "status": job.status,
        "format": job.format,
        "rows_expected": job.rows_expected,
        "rows": job.rows,
        "bytes": job.bytes,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at.isoformat(timespec="seconds"),
        "download": download_url if job.status == READY else None,
        "error": job.error or None,
    }

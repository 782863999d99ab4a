"""Large downloads in the background (incidents/api/exports.py), with the real Celery worker:
above API_EXPORT_BACKGROUND_ROWS a CSV or GeoJSON download answers 202 and a job URL; the
worker writes the file with the caller's visibility (published only, coarsening); only the same
organisation reads the job and its file; below the threshold the download stays streamed."""

import csv
import io
import json
import time

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from incidents.api import exports
from incidents.models import CoordinatePolicy, Organisation, Status
from incidents.services import api_key_create
from tests.factories import IncidentFactory

URL = "/api/v1/incidents/"


def published(**fields):
    return IncidentFactory(status=Status.PUBLISHED, published_at=timezone.now(), **fields)


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


def ready(client, url: str, key: str, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(url, **auth(key)).json()
        if status["status"] in (exports.READY, exports.FAILED):
            return status
        time.sleep(0.3)
    raise AssertionError(f"the export did not finish within {seconds} s: {status}")


@pytest.fixture
def made_files():
    before = set(exports.export_dir().iterdir())
    yield
    for path in set(exports.export_dir().iterdir()) - before:
        path.unlink(missing_ok=True)


@pytest.mark.django_db(transaction=True)
def test_a_large_download_is_prepared_by_the_worker_for_its_organisation_only(
    client, settings, celery_worker, made_files
):
    settings.API_EXPORT_BACKGROUND_ROWS = 2
    shown = sorted(published().pk for _ in range(3))
    draft = IncidentFactory()
    _, key = api_key_create("Big Puller")
    _, same_organisation = api_key_create("Big Puller")
    _, stranger = api_key_create("Someone Else")

    started = client.get(URL, {"format": "csv", "hxl": "1"}, **auth(key))
    assert started.status_code == 202, started.content
    job_url = started["Location"]
    assert started.json()["job"] == job_url
    assert started.json()["rows_expected"] == 3
    token = job_url.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 40  # 32 random bytes
    # Asking again while the data is unchanged finds the same job.
    assert client.get(URL, {"format": "csv", "hxl": "1"}, **auth(key))["Location"] == job_url

    status = ready(client, job_url, key)
    assert status["status"] == "ready", status
    assert status["rows"] == 3
    download = client.get(status["download"], **auth(same_organisation))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[1][0] == "#event+id"  # the HXL row was asked for
    assert sorted(int(r[0]) for r in rows[2:]) == shown  # published only: no draft
    assert str(draft.pk) not in {r[0] for r in rows[2:]}
    # Another organisation, or nobody, finds neither the job nor the file.
    assert client.get(job_url, **auth(stranger)).status_code == 404
    assert client.get(status["download"], **auth(stranger)).status_code == 404
    assert client.get(status["download"]).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_background_geojson_keeps_the_organisations_coarsening(
    client, settings, celery_worker, made_files
):
    settings.API_EXPORT_BACKGROUND_ROWS = 1
    published(), published()
    _, key = api_key_create("Careful NGO")
    Organisation.objects.filter(name="Careful NGO").update(
        coordinate_policy=CoordinatePolicy.ADMIN2
    )
    started = client.get(URL, {"format": "geojson"}, **auth(key))
    assert started.status_code == 202
    status = ready(client, started["Location"], key)
    assert status["status"] == "ready", status
    body = b"".join(client.get(status["download"], **auth(key)).streaming_content)
    collection = json.loads(body)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 2
    assert all(f["properties"]["coordinates_coarsened"] for f in collection["features"])


@pytest.mark.django_db
def test_below_the_threshold_the_download_is_streamed_and_json_pages_never_wait(client, settings):
    settings.API_EXPORT_BACKGROUND_ROWS = 2
    published(), published()
    _, key = api_key_create("Small Puller")
    streamed = client.get(URL, {"format": "csv"}, **auth(key))
    assert streamed.status_code == 200
    assert isinstance(streamed, StreamingHttpResponse)
    published()
    assert client.get(URL, **auth(key)).status_code == 200  # JSON pages: always direct
    assert client.get(URL, {"format": "csv", "page_size": "10"}, **auth(key)).status_code == 200
    assert client.get(URL, {"format": "csv"}, **auth(key)).status_code == 202


@pytest.mark.django_db
def test_an_unknown_job_is_404(client):
    _, key = api_key_create("Curious")
    assert client.get("/api/v1/exports/not-a-job/", **auth(key)).status_code == 404
    assert client.get("/api/v1/exports/not-a-job/download/", **auth(key)).status_code == 404


@pytest.mark.django_db
def test_the_full_csv_download_written_by_postgresql_has_the_cells_of_a_page(client):
    """The full download (COPY) and a page (records as JSON, written by Python) agree cell for
    cell: booleans, times, lists, numbers, empty values, neutralised formulas, actors, claims."""
    from django.contrib.gis.geos import Point

    from tests.factories import ActorFactory, ClaimFactory, IncidentActorFactory

    tricky = published(
        title="=cmd|' /C calc'!A0",
        narrative="-2 dead, @someone said",
        tags=["convoy", "+ambush"],
        civilian_targeting=True,
        location=Point(-3.85, 14.44, srid=4326),
        ucdp_violence_type=1,
    )
    IncidentActorFactory(incident=tricky, actor=ActorFactory(name="JNIM"))
    ClaimFactory(incident=tricky, fatalities_low=2, fatalities_high=4)
    published(geo_precision=3)  # no actors, no claims: empty cells
    _, key = api_key_create("Comparing")
    full = b"".join(client.get(URL, {"format": "csv", "hxl": "1"}, **auth(key)).streaming_content)
    page = client.get(URL, {"format": "csv", "hxl": "1", "page_size": "10"}, **auth(key)).content
    full_rows = list(csv.reader(io.StringIO(full.decode())))
    page_rows = list(csv.reader(io.StringIO(page.decode())))
    assert len(full_rows) == 4
    assert full_rows == page_rows
    by_id = {row[0]: dict(zip(full_rows[0], row, strict=True)) for row in full_rows[2:]}
    record = by_id[str(tricky.pk)]
    assert record["title"].startswith("'=") and record["narrative"].startswith("'-2")
    assert record["tags"] == "convoy; +ambush"  # the cell does not start with "+"
    assert record["civilian_targeting"] == "true" and record["longitude"] == "-3.85"
    assert record["actor1"] == "JNIM" and record["claims_count"] == "1"

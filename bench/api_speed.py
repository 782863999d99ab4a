"""Benchmark: the partner API's speed at 1,000,000 incidents (issue 15, point 10).

    .venv/bin/python bench/api_speed.py [--requests N] [--naive-requests N] [--note TEXT] [--cold]

On the shared benchmark database (bench/common.py: 1,000,000 generated incidents, made once and
reused), as a partner with a key, with a filter matching about 50,000 incidents:
- a 500-row JSON page and a 500-feature GeoJSON page of /api/v1/incidents/ (the first pages,
  followed by cursor, each request through Django in process): server time p50 / p95 over
  `--requests` requests each; budget: p95 <= 80 ms and <= 2x PostgreSQL alone;
- beside them, in the same run, PostgreSQL alone building the same JSON document over the same
  rows (the same SQL, aggregated into one document, no Django), and a lower bound: json_agg /
  ST_AsGeoJSON of the incidents' own columns only (no actors, claims, areas);
- a naive baseline written the way tutorials do (a ModelViewSet, nested ModelSerializers,
  PageNumberPagination, DjangoFilterBackend; GeoJSON by djangorestframework-gis's
  GeoFeatureModelSerializer), defined here and mounted only in this process, on the same rows;
- a full CSV download of about 100,000 rows (streamed): rows per second (budget >= 50,000/s),
  and its memory (tracemalloc's peak of the Python heap while it streams) beside a download of
  about 10,000 rows: flat means the same peak; the background export's writer (exports.py, the
  Celery task's service) on the same 100,000 rows;
- with --cold (root, a local Debian cluster), first the same download from disk: PostgreSQL
  restarted and the operating system's page cache dropped just before it.
Results go to bench/results/api_speed.json.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import types
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, SHARED_COUNT, machine, now, shared_database, sql_rows

PAGE = 500
BUDGET_MS, BUDGET_RATIO, BUDGET_ROWS_PER_S = 80, 2.0, 50_000
COUNTRIES = ("ML", "BF", "NE")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def summary(times: list[float]) -> dict:
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
    }


def published_count(filters: dict) -> int:
    from incidents import selectors
    from incidents.filters import IncidentFilterSet

    filterset = IncidentFilterSet(
        filters, queryset=selectors.incidents_for_api(published_only=True)
    )
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def filter_matching(target: int) -> tuple[dict, int]:
    """A country and a span of whole years whose published incidents are nearest `target`."""
    [(first, last)] = sql_rows(
        "SELECT extract(year FROM min(date_start))::int, extract(year FROM max(date_start))::int "
        "FROM incidents_incident"
    )
    counts = {
        (code, year): n
        for code, year, n in sql_rows(
            "SELECT country_code, extract(year FROM date_start)::int, count(*) "
            "FROM incidents_incident WHERE status = 'published' GROUP BY 1, 2"
        )
    }
    best, best_n = None, None
    for code in COUNTRIES:
        for start in range(first, last + 1):
            for end in range(start, last + 1):
                n = sum(counts.get((code, y), 0) for y in range(start, end + 1))
                if best_n is None or abs(n - target) < abs(best_n - target):
                    best, best_n = (code, start, end), n
    code, start, end = best
    filters = {"country": code, "date_from": f"{start}-01-01", "date_to": f"{end}-12-31"}
    return filters, published_count(filters)  # the API's own count (overlapping ranges)


def partner_client():
    from django.test import Client

    from incidents.models import Organisation
    from incidents.services import api_key_create

    _, key = api_key_create("Benchmark partner", name="api_speed")
    # The benchmark is not what the rate limit is for.
    Organisation.objects.filter(name="Benchmark partner").update(rate_limit="1000000/hour")
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def timed(client, url: str) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {body[:300]!r}")
    return ms, response


# --- PostgreSQL alone


def page_querysets(filters: dict, pages: int) -> list:
    """The querysets of the first `pages` pages (by cursor, as the API walks them)."""
    from incidents import selectors
    from incidents.api.views import after
    from incidents.filters import IncidentFilterSet

    filterset = IncidentFilterSet(
        filters, queryset=selectors.incidents_for_api(published_only=True)
    )
    assert filterset.is_valid()
    fields = filterset.ordering_fields
    queryset = filterset.qs.order_by(*fields)
    found, last = [], None
    for _ in range(pages):
        page = queryset if last is None else after(queryset, fields, last)
        found.append(page[:PAGE])
        final = page.values_list(*[f.lstrip("-") for f in fields])[PAGE - 1 : PAGE]
        last = list(final[0])
    return found, fields


def postgres_same_document_ms(queryset, fields, *, geojson: bool) -> float:
    """PostgreSQL alone building the very document the API sends, in one query."""
    from django.db import connection

    from incidents.api import records

    select = (
        records.feature_sql()
        if geojson
        else f"(SELECT row_to_json(r) FROM (SELECT {records._record_sql()}) r)::text"
    )
    sql, params = records._page_sql(queryset, records.order_sql(fields), select)
    if geojson:
        outer = (
            'SELECT \'{"type":"FeatureCollection","features":[\' || string_agg(j, \',\') '
            f"|| ']}}' FROM ({sql}) t(j)"
        )
    else:
        outer = f"SELECT '{{\"results\":[' || string_agg(j, ',') || ']}}' FROM ({sql}) t(j)"
    shape = records.Shape(coarse=False)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(outer, {**params, **shape.params()})
        cursor.fetchone()
    return (time.perf_counter() - started) * 1000


def postgres_own_columns_ms(queryset, *, geojson: bool) -> float:
    """A lower bound: json_agg of the incidents' own columns (no actors, claims or areas)."""
    from django.db import connection

    ids_sql, params = queryset.values("id").query.sql_with_params()
    if geojson:
        sql = (
            "SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg("
            "json_build_object('type', 'Feature', 'id', i.id, 'geometry', "
            "ST_AsGeoJSON(i.location, 6)::json, 'properties', to_jsonb(i) - 'location' "
            "- 'search')))::text "
            f"FROM incidents_incident i WHERE i.id IN ({ids_sql})"
        )
    else:
        sql = (
            "SELECT json_build_object('results', json_agg(to_jsonb(i) - 'location' - 'search'))"
            f"::text FROM incidents_incident i WHERE i.id IN ({ids_sql})"
        )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchone()
    return (time.perf_counter() - started) * 1000


def validators_ms(filters: dict, requests: int) -> dict:
    """What every answer pays before its rows: the change markers its ETag and Last-Modified are
    made of (incidents.api.views.CHANGE_MARKERS, read off indexes, whatever the filters)."""
    from django.db import connection

    from incidents.api.views import CHANGE_MARKERS

    times = []
    for _ in range(requests):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(CHANGE_MARKERS)
            cursor.fetchone()
        times.append((time.perf_counter() - started) * 1000)
    return summary(times)


# --- The pages through the API


def api_pages(client, filters: dict, requests: int, *, geojson: bool) -> dict:
    """`requests` page requests: the first five pages by cursor, over and over."""
    fmt = "geojson" if geojson else "json"
    first = "/api/v1/incidents/?" + urlencode({**filters, "page_size": PAGE, "format": fmt})
    urls = [first]
    while len(urls) < 5:
        _, response = timed(client, urls[-1])
        following = json.loads(response.content)["next"]
        if not following:
            break
        urls.append(following.replace("http://testserver", ""))
    for url in urls:
        timed(client, url)  # warm: the percentiles are of repeated requests
    times, sizes = [], []
    for n in range(requests):
        ms, response = timed(client, urls[n % len(urls)])
        times.append(ms)
        sizes.append(len(response.content))
        rows = json.loads(response.content)["features" if geojson else "results"]
        assert len(rows) == PAGE, len(rows)
    return {**summary(times), "pages_walked": len(urls), "kb": round(max(sizes) / 1024, 1)}


def postgres_pages(filters: dict, requests: int, *, geojson: bool) -> dict:
    querysets, fields = page_querysets(filters, 5)
    for queryset in querysets:
        postgres_same_document_ms(queryset, fields, geojson=geojson)  # warm
    same = [
        postgres_same_document_ms(querysets[n % 5], fields, geojson=geojson)
        for n in range(requests)
    ]
    own = [postgres_own_columns_ms(querysets[n % 5], geojson=geojson) for n in range(requests)]
    return {
        "same_document": summary(same),
        "own_columns_only": summary(own),
    }


# --- The naive baseline (tutorial style), mounted in this process only


def naive_urlconf() -> str:
    """A ModelViewSet with nested serializers and page-number pagination, the way tutorials
    write one, added in front of the product's URLs under /naive/."""
    from django.urls import include, path
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework import pagination, routers, serializers, viewsets
    from rest_framework_gis.serializers import GeoFeatureModelSerializer

    import config.urls
    from actors.models import Actor
    from incidents.filters import IncidentFilterSet
    from incidents.models import AdminArea, Claim, Incident, IncidentActor, Source, Status

    class ActorSerializer(serializers.ModelSerializer):
        class Meta:
            model = Actor
            fields = ["id", "slug", "name", "acronym", "kind"]

    class ParticipantSerializer(serializers.ModelSerializer):
        actor = ActorSerializer()

        class Meta:
            model = IncidentActor
            fields = ["actor", "acled_position", "ucdp_side", "acled_inter", "initiator"]

    class SourceSerializer(serializers.ModelSerializer):
        class Meta:
            model = Source
            fields = ["id", "publisher", "reliability", "kind"]

    class ClaimSerializer(serializers.ModelSerializer):
        source = SourceSerializer()

        class Meta:
            model = Claim
            fields = ["source", "credibility", "fatalities_low", "fatalities_best"]

    class AreaSerializer(serializers.ModelSerializer):
        class Meta:
            model = AdminArea
            fields = ["id", "code", "name_en", "name_fr"]

    nested = {
        "participants": ParticipantSerializer(many=True),
        "claims": ClaimSerializer(many=True),
        "admin1": AreaSerializer(),
        "admin2": AreaSerializer(),
    }
    excluded = ["search", "created_by", "updated_by", "published_by", "place"]

    class IncidentSerializer(serializers.ModelSerializer):
        participants = nested["participants"]
        claims = nested["claims"]
        admin1 = nested["admin1"]
        admin2 = nested["admin2"]

        class Meta:
            model = Incident
            exclude = excluded

    class IncidentFeatureSerializer(GeoFeatureModelSerializer):
        participants = ParticipantSerializer(many=True)
        claims = ClaimSerializer(many=True)
        admin1 = AreaSerializer()
        admin2 = AreaSerializer()

        class Meta:
            model = Incident
            geo_field = "location"
            exclude = excluded

    class Pages(pagination.PageNumberPagination):
        page_size = PAGE

    class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
        queryset = Incident.objects.filter(status=Status.PUBLISHED).order_by("-date_start", "-id")
        serializer_class = IncidentSerializer
        pagination_class = Pages
        filter_backends = [DjangoFilterBackend]
        filterset_class = IncidentFilterSet

    class IncidentFeatureViewSet(IncidentViewSet):
        serializer_class = IncidentFeatureSerializer

    router = routers.DefaultRouter()
    router.register("incidents", IncidentViewSet, basename="naive-incident")
    router.register("features", IncidentFeatureViewSet, basename="naive-feature")
    module = types.ModuleType("bench_naive_urls")
    module.urlpatterns = [path("naive/", include(router.urls)), *config.urls.urlpatterns]
    sys.modules[module.__name__] = module
    return module.__name__


def naive_pages(filters: dict, requests: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = naive_urlconf()
    clear_url_caches()
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(user)
    found = {}
    for name, path in (("json", "incidents"), ("geojson", "features")):
        url = f"/naive/{path}/?" + urlencode(filters)
        timed(client, url)  # warm
        times = []
        for n in range(requests):
            ms, _ = timed(client, url + f"&page={1 + n % 5}")
            times.append(ms)
        settings.DEBUG = True
        reset_queries()
        timed(client, url)
        queries = len(connection.queries)
        settings.DEBUG = False
        found[name] = {**summary(times), "queries_per_page": queries}
    return found


# --- Full downloads


def download(client, filters: dict, *, trace: bool) -> dict:
    import gc

    url = "/api/v1/incidents/?" + urlencode({**filters, "format": "csv"})
    gc.collect()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, response.status_code
    lines, size = 0, 0
    for piece in response.streaming_content:
        lines += piece.count(b"\n")
        size += len(piece)
    seconds = time.perf_counter() - started
    found = {
        "rows": lines - 1,
        "seconds": round(seconds, 2),
        "rows_per_s": round((lines - 1) / seconds),
        "mb": round(size / 2**20, 1),
    }
    if trace:
        found["python_heap_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        tracemalloc.stop()
    return found


def caches_dropped() -> str:
    """Restarts the local PostgreSQL cluster (its shared buffers emptied) and drops the
    operating system's page cache, so that the next read comes from disk; what was done, or why
    it could not be."""
    from django.db import connections

    [(cluster,)] = sql_rows("SHOW cluster_name")  # Debian's clusters: "15/main"
    connections.close_all()
    if os.geteuid() != 0:
        return "not done: dropping the page cache needs root"
    version, _, name = cluster.partition("/")
    if not name:
        return f"not done: {cluster!r} is not a Debian cluster name (version/name)"
    subprocess.run(["pg_ctlcluster", version, name, "restart"], check=True)
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")
    return f"PostgreSQL {cluster} restarted, page cache dropped"


def background_writer(filters: dict) -> dict:
    """The export task's service (exports.export_write) on the same rows, in process."""
    import secrets
    from datetime import UTC, datetime

    from django.http import QueryDict

    from incidents.api import exports

    query = QueryDict(mutable=True)
    query.update(filters)
    job = exports.ExportJob(
        token=secrets.token_urlsafe(32),
        owner="bench",
        format="csv",
        hxl=False,
        query=query.urlencode(),
        published_only=True,
        coarse=False,
        language="en",
        rows_expected=0,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    exports._store(job)
    started = time.perf_counter()
    done = exports.export_write(job.token)
    seconds = time.perf_counter() - started
    done.path.unlink(missing_ok=True)
    return {
        "rows": done.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(done.rows / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--naive-requests", type=int, default=3)
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="also download from disk: restart PostgreSQL, drop the page cache (root)",
    )
    parser.add_argument(
        "--count", type=int, default=SHARED_COUNT, help="a smaller database, to try the script"
    )
    parser.add_argument("--output", default=str(RESULTS / "api_speed.json"))
    args = parser.parse_args()
    state = shared_database(args.count)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    settings.DEBUG = False
    [(incidents,)] = sql_rows("SELECT count(*) FROM incidents_incident")
    page_filter, page_rows = filter_matching(50_000)
    export_filter, export_rows = filter_matching(100_000)
    small_filter, _ = filter_matching(10_000)
    print(f"{incidents:,} incidents; pages over {page_filter} ({page_rows:,})", flush=True)
    client = partner_client()

    pages = {}
    for name, geojson in (("json", False), ("geojson", True)):
        api = api_pages(client, page_filter, args.requests, geojson=geojson)
        postgres = postgres_pages(page_filter, args.requests, geojson=geojson)
        reference = postgres["same_document"]["p95_ms"]
        pages[name] = {
            "api": api,
            "of_which_etag_validators": validators_ms(page_filter, args.requests),
            "postgres_alone": postgres,
            "ratio_p95_to_postgres_same_document": round(api["p95_ms"] / reference, 2),
            "ratio_p50_to_postgres_same_document": round(
                api["p50_ms"] / postgres["same_document"]["p50_ms"], 2
            ),
            "within_budget": api["p95_ms"] <= BUDGET_MS
            and api["p95_ms"] <= BUDGET_RATIO * reference,
        }
        print(f"  {name} page: {pages[name]}", flush=True)

    print("naive baseline", flush=True)
    naive = naive_pages(page_filter, args.naive_requests)
    for name in ("json", "geojson"):
        naive[name]["ratio_p50_to_api"] = round(
            naive[name]["p50_ms"] / pages[name]["api"]["p50_ms"], 1
        )
    print(f"  {naive}", flush=True)
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "config.urls"
    clear_url_caches()

    print(f"downloads over {export_filter} ({export_rows:,})", flush=True)
    cold = None
    if args.cold:
        how = caches_dropped()
        cold = {"how": how}
        if how.startswith("PostgreSQL"):
            cold.update(download(client, export_filter, trace=False))
        print(f"  from disk: {cold}", flush=True)
    full = download(client, export_filter, trace=False)
    memory = {
        "small": {"filter": small_filter, **download(client, small_filter, trace=True)},
        "large": {"filter": export_filter, **download(client, export_filter, trace=True)},
    }
    memory["peak_ratio_large_to_small"] = round(
        memory["large"]["python_heap_peak_mb"] / memory["small"]["python_heap_peak_mb"], 2
    )
    writer = background_writer(export_filter)
    print(f"  {full}; memory {memory}; background writer {writer}", flush=True)

    result = {
        "benchmark": "api_speed",
        "date": now(),
        "machine": machine(),
        "notes": args.note,
        "database": {
            "incidents": incidents,
            "reused": state.get("reused"),
            "made": state.get("made"),
        },
        "page_filter": {"filters": page_filter, "published_incidents": page_rows},
        "page_size": PAGE,
        "budget": (
            f"page p95 <= {BUDGET_MS} ms and <= {BUDGET_RATIO}x PostgreSQL alone building the "
            f"same document; CSV >= {BUDGET_ROWS_PER_S:,} rows/s at flat memory"
        ),
        "pages": pages,
        "naive_baseline": {
            "how": "ReadOnlyModelViewSet, nested ModelSerializers (participants with actors, "
            "claims with sources, admin areas), PageNumberPagination (500), DjangoFilterBackend "
            "with the same FilterSet; GeoJSON by GeoFeatureModelSerializer; signed-in viewer",
            **naive,
        },
        "csv_download": {
            "filter": export_filter,
            "published_incidents": export_rows,
            **full,
            "within_budget": full["rows_per_s"] >= BUDGET_ROWS_PER_S,
            "memory": memory,
            "memory_note": "tracemalloc slows Python: rows/s is from the untraced download",
            "background_export_writer": writer,
            "from_disk": cold or "not measured (--cold)",
        },
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("pages", "csv_download")}, indent=1))


if __name__ == "__main__":
    main()

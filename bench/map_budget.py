"""Benchmark: the map's budgets at 1,000,000 incidents (issue "The monitoring dashboard").

    .venv/bin/python bench/map_budget.py [--rounds N] [--no-browser]

On the shared benchmark database (bench/common.py: 1,000,000 generated incidents, made once and
reused), for viewports from the whole Sahel to a street, unfiltered and with selective filters:
- the server time of every map data request (/map/data.json, through Django, in process) and
  its size compressed as sent; budget: 95th percentile <= 100 ms, at most 150 KB;
- beside it, the time PostgreSQL alone takes for the same aggregate counted on the fly (a
  GROUP BY over the matching incidents), in the same run: what the summary saves;
- a repeated view: the answer to a request with the ETag of the previous one (304);
- the timeline and the choropleth data;
- the map page's weight on a first visit (HTML, CSS, JS, icons, base layer; gzip as served);
  budget <= 400 KB;
- with --browser (the default), the time to a drawn map in headless Chromium over a simulated
  256 kbit/s link with 400 ms of latency, against a production-like server (gunicorn, DEBUG
  off, static files compressed by WhiteNoise).
Results go to bench/results/map_budget.json.
"""

import argparse
import gzip
import json
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    RESULTS,
    ROOT,
    SHARED_DATABASE_URL,
    machine,
    now,
    shared_database,
    sql_rows,
)

# Where the map is looked at: hotspots of the generated data, and a quiet place.
CENTRES = {
    "Bandiagara": (-3.61, 14.35),
    "Ménaka": (2.40, 15.92),
    "Djibo": (-1.63, 14.10),
    "Tillabéri": (1.45, 14.21),
    "Diffa": (12.61, 13.32),
    "Bamako": (-8.00, 12.65),
}
ZOOMS = (5, 7, 9, 11, 13, 16)
VIEWPORT = (1280, 800)  # pixels
FILTERS = {
    "unfiltered": {},
    "last year": {"date_from": "2024-01-01", "date_to": "2024-12-31"},
    "ISSP with its earlier names": {"actor": "issp"},
    "violence against civilians in Burkina Faso, 2023": {
        "event_type": "violence_against_civilians",
        "country": "BF",
        "date_from": "2023-01-01",
        "date_to": "2023-12-31",
    },
    "civilian harm, 30 days": {"civilian_harm": "true", "date_from": "2025-06-01"},
}
BUDGET_MS, BUDGET_KB, PAGE_BUDGET_KB = 100, 150, 400


def bbox_of(centre: tuple[float, float], zoom: int) -> str:
    lon, lat = centre
    per_pixel = 360 / (256 * 2**zoom)
    half_w, half_h = VIEWPORT[0] / 2 * per_pixel, VIEWPORT[1] / 2 * per_pixel
    west, east = max(lon - half_w, -180), min(lon + half_w, 180)
    south, north = max(lat - half_h, -85), min(lat + half_h, 85)
    return f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"


def clients():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    made = {}
    for role in ("viewer", "editor"):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-{role}")
        user.groups.add(Group.objects.get(name=role))
        client = Client(HTTP_ACCEPT_ENCODING="gzip")
        client.force_login(user)
        made[role] = client
    return made


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def timed_get(client, url: str, **headers) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = client.get(url, **headers)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 304):
        raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    return ms, len(response.content), response.status_code


def postgres_alone_ms(zoom: int, bbox: str, filters: dict) -> float:
    """The same aggregate counted on the fly from the incidents (no summary), in SQL."""
    from django.db import connection

    from incidents.filters import IncidentFilterSet
    from incidents.mapdata import CELL_SIZES, LEVEL_FOR_ZOOM
    from incidents.models import Incident

    queryset = IncidentFilterSet(
        {**filters, "bbox": bbox}, queryset=Incident.objects.filter(status="published")
    ).qs
    sql, params = queryset.values("location").query.sql_with_params()
    if zoom >= 13:
        query = f"SELECT ST_X(d.location), ST_Y(d.location), count(*) FROM ({sql}) d GROUP BY 1, 2"
    else:
        size = CELL_SIZES[LEVEL_FOR_ZOOM[zoom]]
        query = (
            f"SELECT floor((ST_X(d.location) + 180) / {size}), floor((ST_Y(d.location) + 90) / "
            f"{size}), count(*) FROM ({sql}) d GROUP BY 1, 2"
        )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def data_requests(rounds: int) -> dict:
    from urllib.parse import urlencode

    viewer = clients()["viewer"]
    by_zoom: dict[str, dict] = {}
    worst_kb, samples_all = 0.0, []
    for zoom in ZOOMS:
        for filter_name, filters in FILTERS.items():
            times, sizes, reference, first = [], [], [], []
            for name, centre in CENTRES.items():
                if zoom == 5 and name != "Bandiagara":
                    continue  # the whole Sahel: one viewport
                bbox = bbox_of(centre, zoom)
                url = "/map/data.json?" + urlencode({"z": zoom, "bbox": bbox, **filters})
                # The first request of a view reads from disk what later ones find in memory:
                # reported apart, the percentiles are of the requests that follow.
                first.append(timed_get(viewer, url)[0])
                for _ in range(rounds):
                    ms, size, _status = timed_get(viewer, url)
                    times.append(ms)
                    sizes.append(size)
                reference.append(postgres_alone_ms(zoom, bbox, filters))
            key = f"z{zoom} {filter_name}"
            by_zoom[key] = {
                "requests": len(times),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "max_ms": round(max(times), 1),
                "max_kb": round(max(sizes) / 1024, 1),
                "first_request_max_ms": round(max(first), 1),
                "postgres_alone_on_the_fly_median_ms": round(statistics.median(reference), 1),
                "postgres_alone_on_the_fly_max_ms": round(max(reference), 1),
            }
            print(f"  {key}: {by_zoom[key]}", flush=True)
            samples_all.extend(times)
            worst_kb = max(worst_kb, max(sizes) / 1024)
    p95 = percentile(samples_all, 0.95)
    return {
        "per_zoom_and_filter": by_zoom,
        "all_requests": len(samples_all),
        "p95_ms": round(p95, 1),
        "max_kb": round(worst_kb, 1),
        "budget": f"p95 <= {BUDGET_MS} ms and <= {BUDGET_KB} KB per request",
        "within_budget": {
            "time": all(v["p95_ms"] <= BUDGET_MS for v in by_zoom.values()),
            "size": worst_kb <= BUDGET_KB,
        },
        "over_budget": {k: v["p95_ms"] for k, v in by_zoom.items() if v["p95_ms"] > BUDGET_MS},
    }


def repeated_view() -> dict:
    viewer = clients()["viewer"]
    url = f"/map/data.json?z=7&bbox={bbox_of(CENTRES['Bandiagara'], 7)}"
    first = viewer.get(url)
    times = [timed_get(viewer, url, HTTP_IF_NONE_MATCH=first["ETag"])[0] for _ in range(20)]
    status = viewer.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code
    return {"status": status, "median_ms": round(statistics.median(times), 1)}


def timeline_and_areas(rounds: int) -> dict:
    from urllib.parse import urlencode

    viewer = clients()["viewer"]
    found = {}
    for name, filters in FILTERS.items():
        for path, extra in (("timeline", {}), ("areas", {"level": "1"}), ("areas", {"level": "2"})):
            url = f"/map/{path}.json?" + urlencode({**filters, **extra})
            times = [timed_get(viewer, url)[0] for _ in range(rounds)]
            size = timed_get(viewer, url)[1]
            found[f"{path}{extra.get('level', '')} {name}"] = {
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "kb": round(size / 1024, 1),
            }
    return found


def page_weight() -> dict:
    """A first visit: the page and what it loads, gzip-compressed as WhiteNoise serves them."""
    from django.contrib.staticfiles import finders

    viewer = clients()["viewer"]
    html = viewer.get("/", HTTP_ACCEPT_ENCODING="identity").content
    assets = sorted(set(re.findall(rb'(?:src|href)="(/static/[^"?#]+)', html)))
    parts = {"page (HTML)": len(gzip.compress(html))}
    for asset in assets:
        path = finders.find(asset.decode()[len("/static/") :])
        if path:
            parts[asset.decode()] = len(gzip.compress(Path(path).read_bytes()))
    # What the page asks for next, from the server.
    first = {
        "base layer": "/map/basemap.geojson",
        "first map data": f"/map/data.json?z=5&bbox={bbox_of(CENTRES['Bandiagara'], 5)}",
        "timeline": "/map/timeline.json?bucket=month",
    }
    for name, url in first.items():
        parts[name] = len(viewer.get(url, HTTP_ACCEPT_ENCODING="gzip").content)
    # Leaflet's marker icons and the CSS images it names.
    leaflet_images = finders.find("leaflet/images/layers.png")
    if leaflet_images:
        parts["leaflet layer icons"] = len(Path(leaflet_images).read_bytes())
    total = sum(parts.values())
    return {
        "kb": round(total / 1024, 1),
        "budget_kb": PAGE_BUDGET_KB,
        "within_budget": total / 1024 <= PAGE_BUDGET_KB,
        "parts_kb": {k: round(v / 1024, 1) for k, v in parts.items()},
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drawn_map_on_a_slow_link() -> dict:
    """Time to a drawn map in Chromium over 256 kbit/s with 400 ms latency, against gunicorn with
    DEBUG off and compressed static files."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": SHARED_DATABASE_URL,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username="bench-viewer")
        password = secrets.token_urlsafe(16)
        user.set_password(password)
        user.save()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
            page.goto(f"http://127.0.0.1:{port}/accounts/login/")
            page.fill("#id_username", "bench-viewer")
            page.fill("#id_password", password)
            page.click("main form button[type=submit]")
            page.wait_for_url(f"http://127.0.0.1:{port}/")
            session = page.context.new_cdp_session(page)
            session.send("Network.enable")
            session.send("Network.clearBrowserCache")
            session.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": 400,
                    "downloadThroughput": 256 * 1000 / 8,
                    "uploadThroughput": 128 * 1000 / 8,
                },
            )
            received = []
            page.on("response", lambda r: received.append(r.url))
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function(
                "document.body.dataset.incidentsLoaded && "
                "document.querySelectorAll('.leaflet-basemap-pane path').length > 3",
                timeout=180000,
            )
            seconds = time.perf_counter() - started
            browser.close()
        return {
            "link": "256 kbit/s down, 128 kbit/s up, 400 ms latency (Chromium's emulation)",
            "seconds_to_drawn_map": round(seconds, 1),
            "requests": len(received),
            "server": "gunicorn, 2 workers, DEBUG off, WhiteNoise compressed static files",
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    state = shared_database()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    [(incidents,)] = sql_rows("SELECT count(*) FROM incidents_incident")
    [(cells,)] = sql_rows("SELECT count(*) FROM incidents_mapcell")
    print(f"{incidents:,} incidents, {cells:,} summary rows", flush=True)
    print("map data requests", flush=True)
    data = data_requests(args.rounds)
    result = {
        "benchmark": "map_budget",
        "date": now(),
        "machine": machine(),
        "database": {
            "incidents": incidents,
            "summary_rows": cells,
            "reused": state.get("reused"),
            "made": state.get("made"),
        },
        "viewport_pixels": list(VIEWPORT),
        "map_data": data,
        "repeated_view": repeated_view(),
        "timeline_and_areas": timeline_and_areas(args.rounds),
        "page_weight": page_weight(),
    }
    if not args.no_browser:
        print("drawn map over a slow link", flush=True)
        result["slow_link"] = drawn_map_on_a_slow_link()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "map_budget.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps({k: result[k] for k in ("page_weight", "repeated_view")}, indent=1))
    print(f"p95 {data['p95_ms']} ms, max {data['max_kb']} KB; over budget: {data['over_budget']}")


if __name__ == "__main__":
    main()

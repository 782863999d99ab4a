"""Benchmark: ingestion's accuracy and speed on labelled sets and the real gazetteer (issue 16,
points 9 and 10).

    .venv/bin/python bench/ingest_accuracy.py [--database-url URL] [--ucdp-events N]

Uses its own database (default postgres://postgres@127.0.0.1:5432/sahel_bench_ingest), made once
(migrated, the actor catalogue, the Who's On First boundaries and the three GeoNames dumps of
REFERENCE_DATA_DIR) and reused while the code's migrations and the files are the same. Without
REFERENCE_DATA_DIR it says so and skips.

The labels are ours (bench/labels/, written by the team, not drawn from the gazetteer): a truth
names a GeoNames id (its coordinates are read from the dump at run time: the dumps are never
copied into the project), two ids ("between X and Y": the midpoint), an id with an offset
("30 km north of X") or, for a place GeoNames lacks, coordinates with a note.

- places.jsonl: place mentions as reports write them, each geocoded with `geocode(mention,
  context=...)` (the other places and areas the report names). Scored as published geoparsers
  are: the share within 10, 50 and 161 km (100 miles) of the truth, and within the label's own
  tolerance. "High confidence" is the geocoder's own flag: an answer with `unsure=False`.
  "Confidently wrong" is such an answer farther than the label's tolerance (10 km for a named
  locality).
- reports.jsonl: whole reports (English and French) run through extract -> geocode (as the
  pipeline does it: incidents.ingest.pipeline.geocode_events). Each true incident is paired with
  the nearest extracted event; scored: its point within tolerance, the extracted toll (the dead
  in all, as the draft's claim would get it: pipeline.claim_figures) in the label's range, the
  named actors found, and the number of incidents exactly right.

Speed, in the same run, on one process: reports per second through extract + geocode + match
(no writes; matching runs against the UCDP events imported just before, so it has candidates
to score), over and over as a worker does (its gazetteer cache warm after the first pass), and
the first pass alone with the cache emptied; one geocode's p50/p95 with the cache emptied first
(each mention looked up anew; the context names reports repeat hit the cache) beside the plain
trigram query alone, and a UCDP GED import of
10,000 generated events in UCDP's real column layout through `pipeline.dataset_import` (the
imported events are deleted afterwards, so the database stays as made). Results go to
bench/results/ingest_accuracy.json, with every miss listed by label id.
"""

import argparse
import csv
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, machine, now, reference_database

RESULT = RESULTS / "ingest_accuracy.json"
LABELS = Path(__file__).resolve().parent / "labels"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sahel_bench_ingest"
COUNTRIES = ("ML", "BF", "NE")
SEED = 16
BEARINGS = {"N": 0, "NE": 45, "E": 90, "SE": 135, "S": 180, "SW": 225, "W": 270, "NW": 315}
LOCALITY_KM = 10.0
TARGETS = {
    "named_locality_within_10km": 0.95,
    "confidently_wrong_at_most": 0.02,
    "report_point_within_tolerance": 0.90,
    "report_toll_in_range": 0.90,
    "report_actors_found": 0.90,
    "reports_per_second": 100,
    "geocode_p95_ms": 5.0,
    "ucdp_import_10000_seconds": 30.0,
}
MORDECAI_3 = {
    "end_to_end_exact_raw_english_news": 0.59,
    "resolution_with_place_name_given": 0.93,
    "note": "Halterman (2023), Mordecai 3: published figures, on its own English news corpus",
}
GOVERNMENTS = {
    "ML": "Government of Mali",
    "BF": "Government of Burkina Faso",
    "NE": "Government of Niger",
}
COUNTRY_NAMES = {"ML": "Mali", "BF": "Burkina Faso", "NE": "Niger"}
GW_CODES = {"ML": 432, "BF": 439, "NE": 436}
REBELS = ["JNIM", "IS Sahel", "Ansarul Islam", "FLA"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 2)


def share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# --- Labels and their truth ---------------------------------------------------------------------


def read_labels(name: str) -> list[dict]:
    with open(LABELS / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def truth_ids(labels: list[dict]) -> set[int]:
    ids = set()
    for label in labels:
        for truth in [label.get("truth")] + [i["truth"] for i in label.get("incidents", [])]:
            if truth:
                ids.update(truth.get("between_geonameids", []))
                if "geonameid" in truth:
                    ids.add(truth["geonameid"])
    return ids


def coordinates_from_dumps(base: Path, wanted: set[int]) -> dict[int, tuple[float, float]]:
    """(lon, lat) of the GeoNames features the labels name, read from the dumps at run time."""
    found = {}
    for country in COUNTRIES:
        with open(base / "geonames" / f"{country}.txt", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split("\t", 6)
                gid = int(fields[0])
                if gid in wanted:
                    found[gid] = (float(fields[5]), float(fields[4]))
    missing = wanted - set(found)
    if missing:
        sys.exit(f"labels name GeoNames ids the dumps do not hold: {sorted(missing)}")
    return found


def truth_point(
    truth: dict, points: dict, offset: dict | None = None
) -> tuple[float, float, float]:
    """(lon, lat, half-length of a "between" segment or 0)."""
    from incidents.geo.geocoder import destination, distance_km, midpoint

    if "between_geonameids" in truth:
        a, b = (points[g] for g in truth["between_geonameids"])
        lon, lat = midpoint(*a, *b)
        return lon, lat, distance_km(*a, *b) / 2
    lon, lat = points[truth["geonameid"]] if "geonameid" in truth else (truth["lon"], truth["lat"])
    if offset:
        lon, lat = destination(lon, lat, BEARINGS[offset["bearing"]], offset["km"])
    return lon, lat, 0.0


def tolerance(label: dict, half: float) -> float:
    return label["tolerance_km"] if label.get("tolerance_km") else max(15.0, half + 10.0)


# --- Place mentions -------------------------------------------------------------------------------


def place_mentions(labels: list[dict], points: dict) -> dict:
    from incidents.geo.geocoder import distance_km, geocode

    by_class: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    by_tag: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    misses, wrong = [], []
    for label in labels:
        lon, lat, half = truth_point(label["truth"], points, label.get("offset"))
        limit = tolerance(label, half)
        result = geocode(label["mention"], context=label.get("context") or None)
        km = distance_km(result.lon, result.lat, lon, lat) if result.found else math.inf
        sure = result.found and not result.unsure
        for tally in [by_class[label["class"]], by_class["all"]] + [
            by_tag[t] for t in label.get("tags", [])
        ]:
            tally["n"] += 1
            tally["within_10km"] += km <= 10
            tally["within_50km"] += km <= 50
            tally["within_161km"] += km <= 161
            tally["within_tolerance"] += km <= limit
            tally["not_placed"] += not result.found
            tally["unsure"] += result.found and result.unsure
            tally["confidently_wrong"] += sure and km > limit
        if label.get("expect_unsure"):
            by_class[label["class"]]["said_unsure_as_expected"] += bool(result.unsure)
        if km > limit:
            miss = {
                "id": label["id"],
                "mention": label["mention"],
                "km": None if km == math.inf else round(km, 1),
                "tolerance_km": round(limit),
                "got": result.places[0].preferred_name if result.places else result.kind,
                "kind": result.kind,
                "unsure": result.unsure,
            }
            (wrong if sure else misses).append(miss)
    figures = {}
    for name, t in [*by_class.items(), *((f"tag:{k}", v) for k, v in by_tag.items())]:
        n = t["n"]
        figures[name] = {"mentions": n} | {
            key: share(t[key], n)
            for key in (
                "within_10km",
                "within_50km",
                "within_161km",
                "within_tolerance",
                "not_placed",
                "unsure",
                "confidently_wrong",
            )
        }
        if "said_unsure_as_expected" in t:
            figures[name]["said_unsure_as_expected"] = share(t["said_unsure_as_expected"], n)
    return {"figures": figures, "confidently_wrong": wrong, "misses": misses}


# --- Whole reports --------------------------------------------------------------------------------


def report_events(text: str, published: date) -> list[dict]:
    """What the pipeline extracts and geocodes for one report (as report_extract does, without
    saving): each event with its chosen point, toll and actor slugs."""
    from incidents.ingest.extract import extract_report
    from incidents.ingest.pipeline import _jsonable, claim_figures, geocode_events

    extraction = extract_report(text, published=published)
    events = [_jsonable(event.as_dict()) for event in extraction.events]
    geocoding = geocode_events(events, published=published)
    out = []
    for event, geo in zip(events, geocoding, strict=True):
        chosen = geo["places"][geo["chosen"]] if geo["chosen"] is not None else None
        out.append(
            {
                "event": event,
                "geo": geo,
                "lon": chosen["lon"] if chosen else None,
                "lat": chosen["lat"] if chosen else None,
                "place": chosen["expression"] if chosen else None,
                "unsure": chosen["unsure"] if chosen else None,
                "toll": claim_figures(event.get("casualties", [])).get("fatalities_best") or 0,
                "actors": sorted({a.get("slug") for a in event.get("actors", []) if a.get("slug")}),
            }
        )
    return out


def pair(truths: list[tuple], events: list[dict]) -> list[tuple]:
    """Each true incident with the nearest extracted event not taken yet (or None)."""
    from incidents.geo.geocoder import distance_km

    options = []
    for ti, (lon, lat) in enumerate(truths):
        for ei, event in enumerate(events):
            km = (
                distance_km(event["lon"], event["lat"], lon, lat)
                if event["lon"] is not None
                else 1e9
            )
            options.append((km, ti, ei))
    taken_t, taken_e, pairs = set(), set(), {}
    for km, ti, ei in sorted(options):
        if ti not in taken_t and ei not in taken_e:
            taken_t.add(ti)
            taken_e.add(ei)
            pairs[ti] = (ei, km)
    return [pairs.get(ti, (None, math.inf)) for ti in range(len(truths))]


def whole_reports(labels: list[dict], points: dict) -> dict:
    t = defaultdict(int)
    misses = []
    for label in labels:
        published = date.fromisoformat(label["published"])
        events = report_events(label["text"], published)
        truths = [truth_point(i["truth"], points)[:2] for i in label["incidents"]]
        t["reports"] += 1
        right_count = len(events) == len(label["incidents"])
        t["right_number_of_incidents"] += right_count
        problems = [] if right_count else [f"{len(events)} incidents extracted"]
        for number, (incident, (ei, km)) in enumerate(
            zip(label["incidents"], pair(truths, events), strict=True), start=1
        ):
            t["incidents"] += 1
            event = events[ei] if ei is not None else None
            point_ok = km <= incident["tolerance_km"]
            low, high = incident["toll"]
            toll = event["toll"] if event else None
            toll_ok = toll is not None and low <= toll <= high
            found = set(event["actors"]) if event else set()
            wanted = set(incident["actors"])
            t["point_within_tolerance"] += point_ok
            t["point_confidently_wrong"] += (
                bool(event) and not point_ok and event["unsure"] is False
            )
            t["toll_in_range"] += toll_ok
            t["actors_named"] += len(wanted)
            t["actors_found"] += len(wanted & found)
            t["all_actors_found"] += wanted <= found
            t["extra_actors"] += len(found - wanted)
            if not point_ok:
                problems.append(
                    f"#{number} point {'none' if km == math.inf or km >= 1e9 else f'{km:.0f} km'}"
                    f" off (tolerance {incident['tolerance_km']} km; placed by "
                    f"{event['place'] if event else None!r}"
                    f"{', flagged unsure' if event and event['unsure'] else ''})"
                )
            if not toll_ok:
                problems.append(f"#{number} toll {toll} not in {low}..{high}")
            if wanted - found:
                problems.append(f"#{number} actors missing {sorted(wanted - found)}")
        if problems:
            misses.append({"id": label["id"], "language": label["language"], "problems": problems})
    n, i = t["reports"], t["incidents"]
    return {
        "figures": {
            "reports": n,
            "incidents": i,
            "point_within_tolerance": share(t["point_within_tolerance"], i),
            "point_confidently_wrong": share(t["point_confidently_wrong"], i),
            "toll_in_range": share(t["toll_in_range"], i),
            "actors_found": share(t["actors_found"], t["actors_named"]),
            "incidents_with_all_actors_found": share(t["all_actors_found"], i),
            "actors_named": t["actors_named"],
            "extra_actors_found": t["extra_actors"],
            "right_number_of_incidents": share(t["right_number_of_incidents"], n),
        },
        "misses": misses,
    }


# --- Speed ----------------------------------------------------------------------------------------


def geocode_latency(labels: list[dict]) -> dict:
    from django.db import connection
    from geocoder_accuracy import reference_query_ms

    from incidents.geo.geocoder import FUZZY_FLOOR, GAZETTEER_CACHE, geocode

    # The worker's gazetteer cache starts empty: each mention is looked up for the first time
    # (the context names, which reports repeat, are found in the cache after their first use).
    GAZETTEER_CACHE.clear()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(FUZZY_FLOOR)]
        )
    times: dict[str, list[float]] = defaultdict(list)
    for label in labels:
        started = time.perf_counter()
        geocode(label["mention"], context=label.get("context") or None)
        times["geocode (with the label's context)"].append((time.perf_counter() - started) * 1000)
        times["trigram query alone"].append(reference_query_ms(label["mention"]))
    return {
        name: {"n": len(v), "p50_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95)}
        for name, v in times.items()
    }


def reports_per_second(labels: list[dict], minimum: int = 400) -> dict:
    """Extract + geocode + match for each report, over and over, on this one process."""
    from incidents.ingest.matching import match_event
    from incidents.ingest.models import RawReport
    from incidents.ingest.pipeline import event_facts

    def one(label):
        published = date.fromisoformat(label["published"])
        report = RawReport(
            text=label["text"], published_at=datetime.combine(published, datetime.min.time())
        )
        for item in report_events(label["text"], published):
            match_event(event_facts(report, item["event"], item["geo"]))

    from incidents.geo.geocoder import GAZETTEER_CACHE

    for label in labels[:5]:
        one(label)  # builds the automata once, as a worker does on its first report
    # First pass over the reports with the gazetteer cache emptied: every place looked up anew.
    GAZETTEER_CACHE.clear()
    started = time.perf_counter()
    for label in labels:
        one(label)
    first_pass = time.perf_counter() - started
    # Then over and over, as a worker that has seen these places before.
    runs = 0
    started = time.perf_counter()
    while runs < minimum:
        for label in labels:
            one(label)
            runs += 1
    seconds = time.perf_counter() - started
    return {
        "reports": runs,
        "seconds": round(seconds, 2),
        "reports_per_second": round(runs / seconds, 1),
        "first_pass_empty_cache": {
            "reports": len(labels),
            "seconds": round(first_pass, 2),
            "reports_per_second": round(len(labels) / first_pass, 1),
        },
    }


def ucdp_rows(count: int) -> list[dict]:
    """`count` generated GED events in UCDP's column layout, at gazetteer places of the three
    countries, in 2024 (the labelled reports' year, so matching has candidates)."""
    from incidents.interchange.ucdp import COLUMNS
    from incidents.models import Place

    rng = random.Random(SEED)
    places = {
        c: list(
            Place.objects.filter(source="geonames", country_code=c, feature_class="P")
            .order_by("id")
            .values_list("name", "point")[:3000]
        )
        for c in COUNTRIES
    }
    rows = []
    for n in range(count):
        country = rng.choice(COUNTRIES)
        name, point = rng.choice(places[country])
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(540))
        end = start + timedelta(days=rng.choice((0, 0, 0, 1, 6)))
        violence = rng.choice((1, 1, 2, 3))
        side_b = "Civilians" if violence == 3 else rng.choice(REBELS)
        side_a = GOVERNMENTS[country] if violence != 2 else rng.choice(REBELS[:2])
        deaths = [rng.randrange(0, 8) for _ in range(4)]
        best = sum(deaths)
        where_prec = rng.choice((1, 1, 2, 3, 4))
        row = {
            "id": 90_000_000 + n,
            "relid": f"{country}-{start.year}-{violence}-{n}",
            "year": start.year,
            "active_year": "TRUE",
            "code_status": "Clear",
            "type_of_violence": violence,
            "conflict_dset_id": "11347",
            "conflict_new_id": 11347,
            "conflict_name": f"{COUNTRY_NAMES[country]}: Government",
            "dyad_dset_id": "15024",
            "dyad_new_id": 15024,
            "dyad_name": f"{side_a} - {side_b}",
            "side_a_dset_id": "113",
            "side_a_new_id": 113,
            "side_a": side_a,
            "side_b_dset_id": "6732",
            "side_b_new_id": 6732,
            "side_b": side_b,
            "number_of_sources": 1,
            "source_article": '"Generated for the benchmark"',
            "source_office": "Bench",
            "source_date": start.isoformat(),
            "source_headline": f"Event near {name}",
            "source_original": "Bench",
            "where_prec": where_prec,
            "where_coordinates": f"{name} village",
            "where_description": f"near {name}",
            "adm_1": "",
            "adm_2": "",
            "latitude": round(point.y, 4),
            "longitude": round(point.x, 4),
            "geom_wkt": f"POINT ({round(point.x, 4)} {round(point.y, 4)})",
            "priogrid_gid": "",
            "country": COUNTRY_NAMES[country],
            "country_id": GW_CODES[country],
            "region": "Africa",
            "event_clarity": 1,
            "date_prec": 1 if start == end else (2 if (end - start).days <= 1 else 3),
            "date_start": start.isoformat(),
            "date_end": end.isoformat(),
            "deaths_a": deaths[0],
            "deaths_b": deaths[1],
            "deaths_civilians": deaths[2],
            "deaths_unknown": deaths[3],
            "best": best,
            "high": best + rng.randrange(0, 5),
            "low": max(0, best - rng.randrange(0, 3)),
            "gwnoa": str(GW_CODES[country]) if violence != 2 else "",
            "gwnob": "",
        }
        rows.append({c: row[c] for c in COLUMNS})
    return rows


def ucdp_import(count: int) -> dict:
    from incidents.ingest.pipeline import dataset_import
    from incidents.interchange.ucdp import COLUMNS

    rows = ucdp_rows(count)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        path = handle.name
    try:
        started = time.perf_counter()
        report = dataset_import("ucdp", path, version="bench")
        seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    return {
        "events": count,
        "imported": report.imported,
        "errors": report.errors[:5],
        "seconds": round(seconds, 1),
        "events_per_second": round(report.imported / seconds, 1) if seconds else None,
        # Measured on `count` events; the target is for 10,000 (linear: one transaction a row).
        "seconds_for_10000": round(seconds * 10_000 / count, 1),
        "extrapolated": count != 10_000,
    }


def imported_events_delete() -> float:
    """Removes the generated UCDP events (and what their import made), so the database stays as
    it was made; returns the seconds the delete took. Then vacuums: each run imports and deletes
    10,000 incidents and a million map-summary cells, and without it the dead rows of earlier
    runs pile up and slow every later measure (matching ran at 70 reports/s instead of 200 after
    a few runs), where a live database has autovacuum."""
    from django.db import connection, transaction

    from incidents.models import Incident, Origin

    started = time.perf_counter()
    with transaction.atomic():
        Incident.objects.filter(
            origin=Origin.IMPORT_UCDP, ucdp_events__ged_id__gte=90_000_000
        ).delete()
    seconds = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return seconds


# --- Main -----------------------------------------------------------------------------------------


def verdicts(places: dict, reports: dict, speed: dict) -> dict:
    named = places["figures"]["locality"]
    every = places["figures"]["all"]
    figures = {
        "named_locality_within_10km": named["within_10km"],
        "confidently_wrong_at_most": every["confidently_wrong"],
        "report_point_within_tolerance": reports["figures"]["point_within_tolerance"],
        "report_toll_in_range": reports["figures"]["toll_in_range"],
        "report_actors_found": reports["figures"]["actors_found"],
        "reports_per_second": speed["pipeline"]["reports_per_second"],
        "geocode_p95_ms": speed["geocode_latency"]["geocode (with the label's context)"]["p95_ms"],
        "ucdp_import_10000_seconds": speed["ucdp_import"]["seconds_for_10000"],
    }
    lower_is_better = {"confidently_wrong_at_most", "geocode_p95_ms", "ucdp_import_10000_seconds"}
    return {
        name: {
            "value": value,
            "target": TARGETS[name],
            "met": value is not None
            and (value <= TARGETS[name] if name in lower_is_better else value >= TARGETS[name]),
        }
        for name, value in figures.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--ucdp-events",
        type=int,
        default=int(os.environ.get("BENCH_UCDP_EVENTS", "10000")),
        help="generated GED events to import (or BENCH_UCDP_EVENTS, as bench/run passes none)",
    )
    args = parser.parse_args()
    reference = os.environ.get("REFERENCE_DATA_DIR", "")
    base = Path(reference) if reference else None
    if base is None or not all((base / "geonames" / f"{c}.txt").is_file() for c in COUNTRIES):
        print(
            "ingest_accuracy skipped: set REFERENCE_DATA_DIR to a folder holding "
            "geonames/{ML,BF,NE}.txt and boundaries/wof/ (see the README)"
        )
        return 0
    started = time.perf_counter()
    database = reference_database(
        args.database_url, base, "incidents.services.reference_data_setup"
    )
    imported_events_delete()  # a run stopped halfway leaves none behind
    place_labels, report_labels = read_labels("places.jsonl"), read_labels("reports.jsonl")
    points = coordinates_from_dumps(base, truth_ids(place_labels + report_labels))
    print(f"{len(place_labels)} place mentions, {len(report_labels)} reports")
    places = place_mentions(place_labels, points)
    reports = whole_reports(report_labels, points)
    speed = {"geocode_latency": geocode_latency(place_labels)}
    speed["ucdp_import"] = ucdp_import(args.ucdp_events)
    speed["pipeline"] = reports_per_second(report_labels)
    speed["ucdp_import"]["delete_seconds"] = imported_events_delete()
    result = {
        "benchmark": "ingest_accuracy",
        "date": now(),
        "machine": machine() | {"load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]},
        "database": database,
        "labels": {"place_mentions": len(place_labels), "reports": len(report_labels)},
        "targets": verdicts(places, reports, speed),
        "comparison": MORDECAI_3,
        "place_mentions": places["figures"],
        "reports": reports["figures"],
        "speed": speed,
        "misses": {
            "places_confidently_wrong": places["confidently_wrong"],
            "places_outside_tolerance": places["misses"],
            "reports": reports["misses"],
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: result[k] for k in ("targets", "reports")}, indent=2))
    print(json.dumps(places["figures"]["all"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

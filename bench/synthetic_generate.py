"""Benchmark: generating synthetic incidents (incidents/synthetic.py) at scale.

    .venv/bin/python bench/synthetic_generate.py [--count N] [--database-url URL]

Uses its own database (default postgres://postgres@127.0.0.1:5432/sahel_bench), which it drops
and creates afresh (it refuses to drop a database whose name does not start with "sahel_bench"),
migrates, and fills with the reference data of REFERENCE_DATA_DIR (geonames/ and boundaries/wof/)
when set, else with the built-in set. It then times generating N incidents with every trigger on
(admin areas, history), checks that the result is plausible, times deleting them, and compares
a smaller run with and without the history triggers. Results go to
bench/results/synthetic_generate.json.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    END,
    RESULTS,
    ROOT,
    SEED,
    START,
    machine,
    now,
    recreate_database,
    setup_django,
    sql_rows,
)

RESULT = RESULTS / "synthetic_generate.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sahel_bench"


def plausibility() -> dict:
    """Shares and counts that say whether the generated set looks like the central Sahel."""
    synthetic = "FROM incidents_incident i WHERE i.origin = 'synthetic'"
    [(total, admin1, admin2, first, last, unknown, zero, small, over50, top, ranged)] = sql_rows(
        f"""SELECT count(*), count(admin1_id), count(admin2_id), min(date_start), max(date_end),
                   count(*) FILTER (WHERE fatalities_best IS NULL),
                   count(*) FILTER (WHERE fatalities_best = 0),
                   count(*) FILTER (WHERE fatalities_best <= 3),
                   count(*) FILTER (WHERE fatalities_best > 50), max(fatalities_best),
                   count(*) FILTER (WHERE fatalities_high IS NOT NULL) {synthetic}"""
    )
    known = total - unknown

    def shares(column: str) -> dict:
        return {
            str(k): round(n / total, 4)
            for k, n in sql_rows(
                f"SELECT {column}, count(*) {synthetic} GROUP BY 1 ORDER BY 2 DESC"
            )
        }

    [(participants, claimed, per_incident_max)] = sql_rows(
        """SELECT count(*), count(*) FILTER (WHERE claimed_responsibility),
                  max(n) FROM incidents_incidentactor a
           JOIN (SELECT incident_id, count(*) AS n FROM incidents_incidentactor
                 GROUP BY 1) c USING (incident_id)
           JOIN incidents_incident i ON i.id = a.incident_id AND i.origin = 'synthetic'"""
    )
    inactive = sql_rows(
        """SELECT count(*) FROM incidents_incidentactor a
           JOIN incidents_incident i ON i.id = a.incident_id AND i.origin = 'synthetic'
           JOIN actors_actor ac ON ac.id = a.actor_id
           WHERE ac.active_from > i.date_start OR ac.active_until < i.date_end"""
    )[0][0]
    return {
        "incidents": total,
        "share_with_admin1": round(admin1 / total, 4),
        "share_with_admin2": round(admin2 / total, 4),
        "per_country": {
            c: n
            for c, n in sql_rows(
                f"SELECT country_code, count(*) {synthetic} GROUP BY 1 ORDER BY 2 DESC"
            )
        },
        "event_type_shares": shares("event_type"),
        "sub_event_type_shares": shares("sub_event_type"),
        "date_range": [str(first), str(last)],
        "per_year": {
            str(int(y)): n
            for y, n in sql_rows(
                f"SELECT extract(year FROM date_start), count(*) {synthetic} GROUP BY 1 ORDER BY 1"
            )
        },
        "time_precision_shares": shares("time_precision"),
        "geo_precision_shares": shares("geo_precision"),
        "top_admin1": {
            f"{name} ({cc})": n
            for name, cc, n in sql_rows(
                """SELECT a.name_en, a.country_code, count(*) FROM incidents_incident i
               JOIN incidents_adminarea a ON a.id = i.admin1_id WHERE i.origin = 'synthetic'
               GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 12"""
            )
        },
        "top_places": {
            f"{name} ({cc})": n
            for name, cc, n in sql_rows(
                f"SELECT location_name, country_code, count(*) {synthetic} "
                "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 12"
            )
        },
        "fatalities": {
            "share_unknown": round(unknown / total, 4),
            "share_zero_of_known": round(zero / known, 4),
            "share_0_to_3_of_known": round(small / known, 4),
            "share_over_50_of_known": round(over50 / known, 5),
            "max": top,
            "share_with_range": round(ranged / total, 4),
        },
        "participants": {
            "total": participants,
            "per_incident": round(participants / total, 3),
            "max_per_incident": per_incident_max,
            "claimed_responsibility": claimed,
            "inactive_on_incident_dates": inactive,
        },
    }


def timed_delete() -> dict:
    from django.db import connection

    from incidents.sampledata.synthetic import synthetic_incidents_delete

    started = time.perf_counter()
    deleted = synthetic_incidents_delete()
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incidents_incident")
        cursor.execute("VACUUM ANALYZE incidents_incidentactor")
    return {
        "incidents": deleted,
        "seconds": round(seconds, 1),
        "rows_per_second": round(deleted / seconds),
    }


def timed_generate(count: int, *, history: bool) -> dict:
    import pgtrigger

    from incidents.sampledata.synthetic import synthetic_incidents_generate

    ignore = ("incidents.Incident:insert_insert", "incidents.IncidentActor:insert_insert")
    if history:
        report = synthetic_incidents_generate(count, seed=SEED, start=START, end=END)
    else:
        with pgtrigger.ignore(*ignore):
            report = synthetic_incidents_generate(count, seed=SEED, start=START, end=END)
    print(f"  history {'on' if history else 'off'}: {report}", flush=True)
    return {
        "count": report.incidents,
        "participants": report.participants,
        "seconds": round(report.seconds, 1),
        "incidents_per_second": round(report.incidents / report.seconds),
        "rows_per_second": round((report.incidents + report.participants) / report.seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--history-comparison-count",
        type=int,
        default=200_000,
        help="size of the runs with and without history triggers (0: skip)",
    )
    args = parser.parse_args()

    reference_dir = os.environ.get("REFERENCE_DATA_DIR", "")
    print(f"database {args.database_url} (recreated)", flush=True)
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    from incidents.services import reference_data_setup

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # No VACUUM ANALYZE of our own: the documented path (setup_reference_data, then
    # generate_incidents) must be as fast as this benchmark, so the loaders leave the planner
    # statistics themselves. The place weighting is timed on its own below: it once spent more
    # than nine minutes on a fresh database whose statistics still described empty tables.
    reference_data_setup(reference_dir=reference_dir, log=lambda line: print(f"  {line}"))
    setup_seconds = time.perf_counter() - started
    places = sql_rows("SELECT count(*) FROM incidents_place WHERE feature_class = 'P'")[0][0]
    print(f"setup: {setup_seconds:.0f} s, {places} populated places", flush=True)
    from incidents.sampledata.synthetic.world import World

    started = time.perf_counter()
    World.load()
    weighting_seconds = time.perf_counter() - started
    print(f"place weighting: {weighting_seconds:.1f} s", flush=True)

    print(f"generating {args.count:,} incidents", flush=True)
    main_run = timed_generate(args.count, history=True)
    stats = plausibility()
    print(json.dumps(stats, indent=1)[:1500], flush=True)
    history_events = sql_rows(
        "SELECT (SELECT count(*) FROM incidents_incidentevent), "
        "(SELECT count(*) FROM incidents_incidentactorevent)"
    )[0]
    sizes = dict(
        sql_rows(
            """SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class
           WHERE relname IN ('incidents_incident', 'incidents_incidentactor',
                             'incidents_incidentevent', 'incidents_incidentactorevent')"""
        )
    )
    deleted = timed_delete()
    print(f"  deleted: {deleted}", flush=True)

    comparison = {}
    if args.history_comparison_count > 0:
        print(f"history comparison at {args.history_comparison_count:,} incidents", flush=True)
        for history in (True, False):
            key = "history_on" if history else "history_off"
            comparison[key] = timed_generate(args.history_comparison_count, history=history)
            timed_delete()
        on, off = comparison["history_on"]["seconds"], comparison["history_off"]["seconds"]
        comparison["history_cost_share"] = round(1 - off / on, 3)

    result = {
        "benchmark": "synthetic_generate",
        "date": now(),
        "machine": machine(),
        "reference_data": "REFERENCE_DATA_DIR (GeoNames ML/BF/NE, Who's On First)"
        if reference_dir
        else "built-in",
        "populated_places": places,
        "seed": SEED,
        "dates": [str(START), str(END)],
        "count": args.count,
        "history": "on (pghistory insert triggers fire for every row)",
        "seconds": main_run["seconds"],
        "incidents_per_second": main_run["incidents_per_second"],
        "rows_per_second": main_run["rows_per_second"],
        "participants": main_run["participants"],
        "history_events_written": {"incident": history_events[0], "participant": history_events[1]},
        "table_sizes": sizes,
        "delete": deleted,
        "history_comparison": comparison,
        "plausibility": stats,
        "setup_seconds": round(setup_seconds),
        "place_weighting_seconds": round(weighting_seconds, 1),
        "planner_statistics": "left by the loaders (no VACUUM ANALYZE of the benchmark's own)",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

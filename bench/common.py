"""What the benchmarks share: their databases (never the dashboard's: every name starts with
"sahel_bench"), Django set up against one of them, the machine they ran on, and the shared
database of 1,000,000 generated incidents, made once and reused while the code's migrations and
the requested size are the same."""

import os
import platform
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_PREFIX = "sahel_bench"
SHARED_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sahel_bench_1m"
)
SHARED_COUNT = 1_000_000
SEED = 1
START, END = date(2012, 1, 1), date(2025, 6, 30)


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith(BENCH_PREFIX):
        sys.exit(
            f"refusing to use {name!r}: a benchmark database's name starts with {BENCH_PREFIX!r}"
        )
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment)), name


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        database = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(database))


def database_exists(url: str) -> bool:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sql_rows(query: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def machine() -> dict:
    [(version,)] = sql_rows("SHOW server_version")
    [(shared_buffers,)] = sql_rows("SHOW shared_buffers")
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": version,
        "shared_buffers": shared_buffers,
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _migration_heads() -> str:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return ",".join(sorted(f"{app}.{name}" for app, name in loader.graph.leaf_nodes()))


GEONAMES_COUNTRIES = ("ML", "BF", "NE")


def reference_database(url: str, base: Path, setup: str) -> dict:
    """A benchmark's own database with the real reference data of `base` (REFERENCE_DATA_DIR),
    made once and reused while the migrations and the GeoNames files are the same. `setup` is
    the dotted path of the function that loads the data (called with reference_dir and log)."""
    import importlib

    exists = database_exists(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from incidents.geo.fetch import fingerprint

    files = ",".join(fingerprint(base / "geonames" / f"{c}.txt")[:12] for c in GEONAMES_COUNTRIES)
    wanted = {"migrations": _migration_heads(), "files": files}
    if exists:
        rows = sql_rows("SELECT to_regclass('bench_state')")
        if rows[0][0] and dict(sql_rows("SELECT key, value FROM bench_state")) == wanted:
            print(f"reusing {url}")
            return {"reused": True}
    print(f"making {url} with the reference data of {base}")
    connection.close()
    recreate_database(url)
    call_command("migrate", verbosity=0)
    module, name = setup.rsplit(".", 1)
    load = getattr(importlib.import_module(module), name)
    load(reference_dir=str(base), log=lambda line: print(f"  {line}"))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CREATE TABLE bench_state (key text PRIMARY KEY, value text)")
        for key, value in wanted.items():
            cursor.execute("INSERT INTO bench_state VALUES (%s, %s)", [key, value])
    return {"reused": False}


def shared_database(count: int = SHARED_COUNT, log=print) -> dict:
    """Sets Django up against the shared benchmark database, making it first when it is missing
    or was made by other migrations or for another size: migrated, with the reference data of
    REFERENCE_DATA_DIR (else the built-in set) and `count` synthetic incidents. Returns what it
    holds and whether it was reused."""
    url = SHARED_DATABASE_URL
    exists = database_exists(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    wanted = {"migrations": _migration_heads(), "count": str(count), "seed": str(SEED)}
    state: dict = {}
    if exists:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_state')")
            if cursor.fetchone()[0]:
                cursor.execute("SELECT key, value FROM bench_state")
                state = dict(cursor.fetchall())
    if state and state.get("count") == wanted["count"] and state.get("seed") == wanted["seed"]:
        if state.get("migrations") != wanted["migrations"]:
            log(f"migrating {url} forward")
            call_command("migrate", verbosity=0)
            from incidents.services import actor_summary_refresh

            actor_summary_refresh(log=lambda line: log(f"  {line}"))
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE bench_state SET value = %s WHERE key = 'migrations'",
                    [wanted["migrations"]],
                )
                cursor.execute("VACUUM ANALYZE")
        log(f"reusing {url} ({count:,} incidents, made {state.get('made')})")
        return {**state, "reused": True}
    log(f"making {url}: {count:,} incidents (this takes a while, once)")
    connection.close()
    recreate_database(url)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    from incidents.sampledata.synthetic import synthetic_incidents_generate
    from incidents.services import reference_data_setup

    reference_data_setup(
        reference_dir=os.environ.get("REFERENCE_DATA_DIR", ""), log=lambda line: log(f"  {line}")
    )
    log(f"  {synthetic_incidents_generate(count, seed=SEED, start=START, end=END)}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CREATE TABLE bench_state (key text PRIMARY KEY, value text)")
        state = {**wanted, "made": now(), "seconds": str(round(time.perf_counter() - started))}
        for key, value in state.items():
            cursor.execute("INSERT INTO bench_state VALUES (%s, %s)", [key, value])
    return {**state, "reused": False}

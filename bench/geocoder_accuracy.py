"""Benchmark: the geocoder's accuracy and speed on the real gazetteer (REFERENCE_DATA_DIR).

    .venv/bin/python bench/geocoder_accuracy.py [--sample N] [--database-url URL]

Uses its own database (default postgres://postgres@127.0.0.1:5432/sahel_bench_geo), made once
(migrated, the Who's On First boundaries and the three GeoNames dumps of REFERENCE_DATA_DIR) and
reused while the code's migrations and the files are the same. Without REFERENCE_DATA_DIR it says
so and skips.

The labelled sample is drawn from the GeoNames dumps themselves (seeded): N populated places,
stratified by country, each queried as
- its ASCII name (accents stripped),
- one of its Latin-script alternate names (another spelling: French / English form, with or
  without "Ti-n-", ...), when it has one,
- its ASCII name with one systematic transliteration change (ou/w/u, dj/j, tch/ch, a doubled
  letter single, final -e dropped, y/i ...), which the gazetteer need not hold,
and the ASCII name again with its admin2 area named as context (as a report would).
The truth is the place's own coordinates; the geocoder's top answer is scored as the same
GeoNames feature, within 10 km, within 50 km, and "confidently wrong" (farther than 10 km and not
flagged unsure). Homonyms are part of the sample on purpose: many names repeat across the three
countries, and there the right answer is "unsure". Latency percentiles of place_search and
geocode are measured on the same queries beside the plain trigram query alone (the index scan
with no ranking), in the same run. Results go to bench/results/geocoder_accuracy.json.
"""

import argparse
import math
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, machine, now, reference_database

RESULT = RESULTS / "geocoder_accuracy.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sahel_bench_geo"
COUNTRIES = ("ML", "BF", "NE")
SEED = 16
LATIN = re.compile(r"^[A-Za-zÀ-ÿ' \-’.()]+$")

# Systematic transliteration changes between French, English and local spellings.
NOISE = [
    ("ou→w", re.compile(r"\bou(?=[aeiy])", re.I), "w"),
    ("w→ou", re.compile(r"\bw(?=[aeiy])", re.I), "ou"),
    ("ou→u", re.compile(r"(?<=[bcdfghjklmnprstvz])ou", re.I), "u"),
    ("dj→j", re.compile(r"dj", re.I), "j"),
    ("j→dj", re.compile(r"(?<!d)j", re.I), "dj"),
    ("tch→ch", re.compile(r"tch", re.I), "ch"),
    ("ch→sh", re.compile(r"(?<!t)ch", re.I), "sh"),
    ("double→single", re.compile(r"([bdfglmnprst])\1", re.I), r"\1"),
    ("final e dropped", re.compile(r"(?<=[nrt])e\b", re.I), ""),
    ("y→i", re.compile(r"y\b", re.I), "i"),
    ("i→y", re.compile(r"(?<=[aeo])i\b", re.I), "y"),
    ("gu→g", re.compile(r"gu(?=[ei])", re.I), "g"),
    ("k→c", re.compile(r"k(?=[aou])", re.I), "c"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 2)


def noisy(name: str, rng: random.Random) -> tuple[str, str] | None:
    rules = NOISE[:]
    rng.shuffle(rules)
    for label, pattern, replacement in rules:
        changed = pattern.sub(replacement, name, count=1)
        if changed.lower() != name.lower():
            return label, changed
    return None


def sample(base: Path, size: int) -> list[dict]:
    """Populated places drawn from the dumps, with their query variants."""
    from actors.names import normalise_name
    from incidents.geo.gazetteer import read_geonames

    rng = random.Random(SEED)
    cases = []
    for country in COUNTRIES:
        rows = [
            r
            for r in read_geonames(base / "geonames" / f"{country}.txt")
            if r.feature_class == "P"
            and r.country_code == country
            and len(normalise_name(r.ascii_name)) >= 3
        ]
        for r in rng.sample(rows, size // len(COUNTRIES)):
            own = normalise_name(r.ascii_name)
            alternates = sorted(
                {
                    a
                    for a in r.alternate_names
                    if LATIN.match(a) and normalise_name(a) not in ("", own)
                }
            )
            variants = [("ascii", r.ascii_name)]
            if alternates:
                variants.append(("alternate", rng.choice(alternates)))
            noise = noisy(r.ascii_name, rng)
            if noise:
                variants.append(("transliteration", noise[1]))
            cases.append(
                {
                    "id": r.source_id,
                    "country": country,
                    "lon": r.longitude,
                    "lat": r.latitude,
                    "variants": variants,
                }
            )
    return cases


def reference_query_ms(query: str) -> float:
    """The plain trigram query alone: the index scan and a similarity sort, no ranking."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT place_id FROM incidents_placename "
            "WHERE normalised %% sahel_normalise(%s) "
            "ORDER BY similarity(normalised, sahel_normalise(%s)) DESC LIMIT 10",
            [query, query],
        )
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def measure(cases: list[dict]) -> dict:
    from django.db import connection

    from incidents.geo.geocoder import FUZZY_FLOOR, distance_km, geocode, place_search
    from incidents.models import Place

    ids = {c["id"] for c in cases}
    admin2 = {
        sid: (a2 or a1 or "")
        for sid, a1, a2 in Place.objects.filter(source="geonames", source_id__in=ids).values_list(
            "source_id", "admin1__name_en", "admin2__name_en"
        )
    }
    tallies: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    times: dict[str, list[float]] = defaultdict(list)
    wrong_examples = []
    # Warm the caches once, as a running server would be.
    for case in cases[:20]:
        place_search(case["variants"][0][1])
    # The reference query uses the geocoder's threshold (it sets its own per transaction).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(FUZZY_FLOOR)]
        )
    runs = [(kind, text, None, case) for case in cases for kind, text in case["variants"]]
    for case in cases:
        area = admin2.get(case["id"])
        if area:
            runs.append(("ascii + admin2 context", case["variants"][0][1], area, case))
    for kind, text, area, case in runs:
        started = time.perf_counter()
        results = place_search(text)
        times["place_search"].append((time.perf_counter() - started) * 1000)
        times["trigram query alone"].append(reference_query_ms(text))
        started = time.perf_counter()
        result = geocode(text, context=[area] if area else None)
        times["geocode" + (" with context" if area else "")].append(
            (time.perf_counter() - started) * 1000
        )
        t = tallies[kind]
        t["queries"] += 1
        ids_found = [c.place_id for c in results]
        truth = Place.objects.filter(source="geonames", source_id=case["id"]).values_list(
            "id", flat=True
        )
        truth_id = truth[0] if truth else None
        if truth_id in ids_found:
            t["search_top10_has_it"] += 1
        if results and results[0].place_id == truth_id:
            t["search_top1_is_it"] += 1
        if not result.found:
            t["not_placed"] += 1
            continue
        km = distance_km(result.lon, result.lat, case["lon"], case["lat"])
        same = bool(result.places) and result.places[0].place_id == truth_id
        t["same_feature"] += same
        t["within_10km"] += km <= 10
        t["within_50km"] += km <= 50
        t["unsure"] += result.unsure
        if not result.unsure:
            t["sure"] += 1
            t["sure_within_10km"] += km <= 10
        if km > 10 and not result.unsure:
            t["confidently_wrong"] += 1
            if len(wrong_examples) < 15:
                wrong_examples.append(
                    {
                        "query": text,
                        "kind": kind,
                        "truth": case["id"],
                        "got": result.places[0].preferred_name if result.places else None,
                        "km": round(km),
                    }
                )
    accuracy = {}
    for kind, t in tallies.items():
        n = t["queries"]
        accuracy[kind] = {
            "queries": n,
            "same_feature": round(t["same_feature"] / n, 4),
            "within_10km": round(t["within_10km"] / n, 4),
            "within_50km": round(t["within_50km"] / n, 4),
            "unsure": round(t["unsure"] / n, 4),
            "not_placed": round(t["not_placed"] / n, 4),
            "confidently_wrong": round(t["confidently_wrong"] / n, 4),
            "sure_answers_within_10km": round(t["sure_within_10km"] / t["sure"], 4)
            if t["sure"]
            else None,
            "place_search_top1": round(t["search_top1_is_it"] / n, 4),
            "place_search_top10": round(t["search_top10_has_it"] / n, 4),
        }
    latency = {
        name: {"n": len(v), "p50_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95)}
        for name, v in times.items()
    }
    return {"accuracy": accuracy, "latency_ms": latency, "confidently_wrong": wrong_examples}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=450, help="places (split by country)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    reference = os.environ.get("REFERENCE_DATA_DIR", "")
    base = Path(reference) if reference else None
    if base is None or not all((base / "geonames" / f"{c}.txt").is_file() for c in COUNTRIES):
        print(
            "geocoder_accuracy skipped: set REFERENCE_DATA_DIR to a folder holding "
            "geonames/{ML,BF,NE}.txt and boundaries/wof/ (see the README)"
        )
        return 0
    started = time.perf_counter()
    database = reference_database(
        args.database_url, base, "incidents.geo.setup.geo_reference_setup"
    )
    from incidents.models import Place, PlaceName

    cases = sample(base, args.sample)
    figures = measure(cases)
    result = {
        "benchmark": "geocoder_accuracy",
        "date": now(),
        "machine": machine(),
        "database": {
            **database,
            "places": Place.objects.count(),
            "names": PlaceName.objects.count(),
        },
        "sample": {"places": len(cases), "seed": SEED},
        **figures,
        "seconds": round(time.perf_counter() - started, 1),
    }
    import json

    RESULTS.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: result[k] for k in ("accuracy", "latency_ms")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How often the built-in simplified boundaries put a populated place in the same admin1 region as
the published Who's On First boundaries (the regions share ISO 3166-2 codes).

Needs REFERENCE_DATA_DIR (geonames/{ML,BF,NE}.txt|zip and boundaries/wof/). Pure GEOS, no database.
Usage: .venv/bin/python bench/builtin_boundaries_accuracy.py
"""

import json
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.contrib.gis.geos import Point  # noqa: E402

from incidents.geo.boundaries import read_boundaries  # noqa: E402
from incidents.geo.gazetteer import read_geonames  # noqa: E402
from incidents.geo.setup import BUILTIN_BOUNDARIES  # noqa: E402

RESULT = ROOT / "bench" / "results" / "builtin_boundaries_accuracy.json"
KM_PER_DEGREE = 111.0


def regions(path: Path) -> dict:
    return {a.code: a.geom.prepared for a in read_boundaries(path) if a.level == 1}, {
        a.code: a.geom for a in read_boundaries(path) if a.level == 1
    }


def region_of(point, prepared: dict) -> str | None:
    return next((code for code, geom in prepared.items() if geom.covers(point)), None)


def main() -> int:
    base = Path(os.environ.get("REFERENCE_DATA_DIR", ""))
    if not os.environ.get("REFERENCE_DATA_DIR") or not (base / "boundaries" / "wof").is_dir():
        print("needs REFERENCE_DATA_DIR with geonames/ and boundaries/wof/", file=sys.stderr)
        return 2
    started = time.monotonic()
    builtin, _ = regions(Path(BUILTIN_BOUNDARIES))
    published, published_shapes = regions(base / "boundaries" / "wof")
    per_country: dict[str, Counter] = {}
    misses_km = []
    for country in ("ML", "BF", "NE"):
        dump = next(
            p
            for p in (base / "geonames" / f"{country}.txt", base / "geonames" / f"{country}.zip")
            if p.exists()
        )
        tally = per_country.setdefault(country, Counter())
        for place in read_geonames(dump):
            if place.feature_class != "P" or place.country_code != country:
                continue
            point = Point(place.longitude, place.latitude, srid=4326)
            truth = region_of(point, published)
            if truth is None:
                tally["outside_published"] += 1
                continue
            tally["places"] += 1
            guess = region_of(point, builtin)
            if guess == truth:
                tally["same_region"] += 1
            else:
                tally["other_region" if guess else "outside_builtin"] += 1
                border = published_shapes[truth].boundary.distance(point) * KM_PER_DEGREE
                misses_km.append(border)
    total = sum(t["places"] for t in per_country.values())
    same = sum(t["same_region"] for t in per_country.values())
    misses_km.sort()
    result = {
        "benchmark": "builtin_boundaries_accuracy",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": "share of GeoNames populated places (feature class P) that the built-in admin1 "
        "polygons put in the same region as Who's On First",
        "places": total,
        "same_region": same,
        "agreement": round(same / total, 4),
        "per_country": {
            c: {**t, "agreement": round(t["same_region"] / t["places"], 4)}
            for c, t in per_country.items()
        },
        "disagreements_km_from_published_border": {
            "median": round(misses_km[len(misses_km) // 2], 1) if misses_km else None,
            "p90": round(misses_km[int(len(misses_km) * 0.9)], 1) if misses_km else None,
            "max": round(misses_km[-1], 1) if misses_km else None,
        },
        "seconds": round(time.monotonic() - started, 1),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

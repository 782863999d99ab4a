"""Administrative boundaries: reading the publishers' GeoJSON and loading it into AdminArea.

Formats, recognised from each feature's properties:
- Who's On First (`wof:placetype`: country / region / county),
- OCHA COD-AB (`adm1_pcode`, `adm2_pcode`, … any case; names in `admN`, `admN_fr`, `admN_en`),
- geoBoundaries (`shapeType` ADM0/ADM1/ADM2, `shapeGroup` ISO3, `shapeISO`, `shapeID`),
- Natural Earth admin-0 / admin-1 (`featurecla`, `iso_a2`, `iso_3166_2`),
- the project's built-in set (`level`, `country_code`, `code`, `name_en`, `name_fr`).
A source is a file (Feature or FeatureCollection) or a folder of them (Who's On First layout).
"""

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction

from config.loading import LoadReport, save_changed
from incidents.geo.countries import BY_ISO3, SAHEL_COUNTRIES
from incidents.geo.fetch import ReferenceDataError
from incidents.geo.models import AdminArea, BoundarySource

logger = logging.getLogger(__name__)

WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
}
WOF_LEVELS = {"country": 0, "region": 1, "county": 2}


class NotLongitudeLatitude(ReferenceDataError):
    """Coordinates out of the longitude/latitude range: the whole file is in another system."""


@dataclass
class BoundaryFeature:
    level: int
    country_code: str
    code: str
    name_en: str
    name_fr: str
    source: str
    source_id: str
    geom: MultiPolygon


def boundary_report() -> LoadReport:
    """A report of a boundary load: counts of admin areas, and one count per country and level."""
    return LoadReport(kind="area")


def read_boundaries(
    path: Path, countries: Iterable[str] = SAHEL_COUNTRIES, report: LoadReport | None = None
) -> list[BoundaryFeature]:
    """Every admin area in `path` (file or folder) for `countries`, whatever its format."""
    report = report if report is not None else boundary_report()
    wanted = {c.upper() for c in countries}
    files = (
        sorted(path.rglob("*.geojson")) + sorted(path.rglob("*.json")) if path.is_dir() else [path]
    )
    if not files:
        raise ReferenceDataError(f"{path}: no .geojson files found")
    features = []
    for file in files:
        for raw in _raw_features(file):
            try:
                feature = _parse_feature(raw)
            except NotLongitudeLatitude as exc:
                raise NotLongitudeLatitude(f"{file}: {exc}") from exc
            except ReferenceDataError as exc:
                report.add("skipped")
                report.warnings.append(f"{file.name}: {exc}")
                continue
            if feature is None:
                report.add("skipped")
                continue
            if feature.country_code in wanted:
                features.append(feature)
    if not features:
        raise ReferenceDataError(
            f"{path}: no admin areas of {', '.join(sorted(wanted))} found in a known format "
            f"(Who's On First, OCHA COD-AB, geoBoundaries, Natural Earth or the built-in set)"
        )
    return _with_unique_codes(features, report)


def _raw_features(file: Path) -> Iterator[dict]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(f"{file}: not valid GeoJSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{file}: expected a GeoJSON Feature or FeatureCollection")
    crs = (data.get("crs") or {}).get("properties", {}).get("name")
    if crs and crs not in WGS84_CRS_NAMES:
        raise ReferenceDataError(f"{file}: coordinates must be WGS84 longitude/latitude, not {crs}")
    if data.get("type") == "FeatureCollection":
        yield from data.get("features") or []
    elif data.get("type") == "Feature":
        yield data
    else:
        raise ReferenceDataError(f"{file}: expected a GeoJSON Feature or FeatureCollection")


def _parse_feature(raw: dict) -> BoundaryFeature | None:
    props = raw.get("properties") or {}
    lower = {k.lower(): v for k, v in props.items()}
    if "wof:placetype" in props:
        parsed = _parse_wof(props)
    elif "shapetype" in lower and "shapegroup" in lower:
        parsed = _parse_geoboundaries(lower)
    elif any(k.endswith("_pcode") and k.startswith("adm") for k in lower):
        parsed = _parse_ocha(lower)
    elif "featurecla" in lower or "iso_3166_2" in lower:
        parsed = _parse_natural_earth(lower)
    elif {"level", "country_code", "code"} <= props.keys():
        parsed = (
            int(props["level"]),
            props["country_code"],
            props["code"],
            props.get("name_en") or "",
            props.get("name_fr") or props.get("name_en") or "",
            BoundarySource.BUILTIN,
            props["code"],
        )
    else:
        raise ReferenceDataError(
            "a feature in an unknown format (properties: " + ", ".join(sorted(props)[:8]) + ")"
        )
    if parsed is None:
        return None
    level, country, code, name_en, name_fr, source, source_id = parsed
    if not raw.get("geometry"):
        raise ReferenceDataError(f"{name_en or code}: the feature has no geometry")
    return BoundaryFeature(
        level=level,
        country_code=(country or "").upper(),
        code=str(code),
        name_en=name_en,
        name_fr=name_fr or name_en,
        source=source,
        source_id=str(source_id),
        geom=_multipolygon(raw["geometry"], name_en or code),
    )


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _parse_wof(p: dict):
    level = WOF_LEVELS.get(p["wof:placetype"])
    if level is None or p.get("mz:is_current") == 0:
        return None
    country = p.get("iso:country") or p.get("wof:country") or ""
    concordances = p.get("wof:concordances") or {}
    if level == 0:
        code = country
    elif level == 1:
        code = p.get("wof:subdivision") or concordances.get("iso:code") or f"wof:{p['wof:id']}"
    else:
        code = concordances.get("hasc:id") or f"wof:{p['wof:id']}"
    name = p.get("wof:name") or _first(p.get("name:eng_x_preferred")) or ""
    name_fr = _first(p.get("name:fra_x_preferred")) or name
    return level, country, code, name, name_fr, BoundarySource.WHOSONFIRST, p["wof:id"]


def _parse_geoboundaries(p: dict):
    shape_type = str(p["shapetype"]).upper()
    if shape_type not in {"ADM0", "ADM1", "ADM2"}:
        return None
    iso3 = str(p["shapegroup"]).upper()
    if iso3 not in BY_ISO3:
        raise ReferenceDataError(f"geoBoundaries country {iso3} is not one the project knows")
    level = int(shape_type[-1])
    country = BY_ISO3[iso3].iso2
    code = country if level == 0 else (p.get("shapeiso") or p.get("shapeid"))
    name = p.get("shapename") or code
    return level, country, code, name, name, BoundarySource.GEOBOUNDARIES, p.get("shapeid") or code


def _parse_ocha(p: dict):
    levels = sorted(
        int(k[3]) for k in p if k.startswith("adm") and k.endswith("_pcode") and k[3].isdigit()
    )
    level = levels[-1]
    code = p[f"adm{level}_pcode"]
    country = (p.get("country_pcode") or p.get("adm0_pcode") or str(code)[:2]).upper()
    name = p.get(f"adm{level}_en") or p.get(f"adm{level}") or p.get(f"adm{level}_name") or code
    name_fr = p.get(f"adm{level}_fr") or name
    return level, country[:2], code, name, name_fr, BoundarySource.OCHA, code


def _parse_natural_earth(p: dict):
    featurecla = str(p.get("featurecla") or "")
    if "iso_3166_2" in p and "Admin-0" not in featurecla:
        country = p.get("iso_a2") or str(p["iso_3166_2"]).split("-")[0]
        name = p.get("name_en") or p.get("name") or p["iso_3166_2"]
        return (
            1,
            country,
            p["iso_3166_2"],
            name,
            p.get("name_fr") or name,
            BoundarySource.NATURAL_EARTH,
            p.get("adm1_code") or p["iso_3166_2"],
        )
    if "Admin-0" in featurecla or "iso_a2" in p:
        country = p.get("iso_a2") if p.get("iso_a2") not in (None, "-99") else p.get("iso_a2_eh")
        if not country or country == "-99":
            return None
        name = p.get("name_en") or p.get("name") or p.get("admin") or country
        return (
            0,
            country,
            country,
            name,
            p.get("name_fr") or name,
            BoundarySource.NATURAL_EARTH,
            p.get("adm0_a3") or country,
        )
    return None


def _multipolygon(geometry: dict, label: str) -> MultiPolygon:
    geometry = {k: v for k, v in geometry.items() if k != "crs"}
    try:
        geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise ReferenceDataError(f"{label}: unreadable geometry ({exc})") from exc
    west, south, east, north = geom.extent
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise NotLongitudeLatitude(
            f"{label}: coordinates ({west:.0f}, {south:.0f}, {east:.0f}, {north:.0f}) are not "
            f"WGS84 longitude/latitude; reproject the file to EPSG:4326 first"
        )
    if not geom.valid:
        geom = geom.make_valid()
    polygons = _polygons(geom)
    if not polygons:
        raise ReferenceDataError(f"{label}: the geometry has no polygon ({geometry.get('type')})")
    return MultiPolygon(*polygons, srid=4326)


def _polygons(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.empty else []
    if geom.geom_type in {"MultiPolygon", "GeometryCollection"}:
        return [p for part in geom for p in _polygons(part)]
    return []


def _with_unique_codes(features: list[BoundaryFeature], report: LoadReport):
    seen: dict[tuple[int, str], int] = defaultdict(int)
    for f in features:
        seen[(f.level, f.code)] += 1
    for f in features:
        if seen[(f.level, f.code)] > 1:
            report.warnings.append(
                f"code {f.code} repeats at level {f.level}; using {f.source}:{f.source_id}"
            )
            f.code = f"{f.source}:{f.source_id}"
    return features


@transaction.atomic
def boundaries_load(
    features: list[BoundaryFeature], *, prune: bool = True, report: LoadReport | None = None
) -> LoadReport:
    """Upserts the areas by (level, code), writing only what changed; with `prune`, removes the
    areas of each (country, level) loaded that the new set does not have; links parents.

    Incidents and places are not re-derived here: whoever runs the load does it afterwards
    (incidents.services.admin_areas_rederive), when the report says something changed.
    """
    report = report if report is not None else boundary_report()
    existing = {(a.level, a.code): a for a in AdminArea.objects.all()}
    loaded: dict[tuple[str, int], set[str]] = defaultdict(set)
    for f in features:
        loaded[(f.country_code, f.level)].add(f.code)
        report.breakdown[f"{f.country_code}/adm{f.level}"] += 1
        report.rows += 1
        area = existing.get((f.level, f.code))
        values = {
            "country_code": f.country_code,
            "name_en": f.name_en[:200],
            "name_fr": f.name_fr[:200],
            "source": f.source,
            "source_id": f.source_id[:100],
        }
        if area is None:
            AdminArea.objects.create(level=f.level, code=f.code, geom=f.geom, **values)
            report.add("created")
            continue
        # GEOS equality is exact: the same coordinates in the same order, and the same SRID.
        changed = save_changed(area, {**values, "geom": f.geom}, validate=False)
        report.add("updated" if changed else "unchanged")
    if prune:
        for (country, level), codes in loaded.items():
            stale = AdminArea.objects.filter(country_code=country, level=level).exclude(
                code__in=codes
            )
            report.add("removed", n=stale.count())
            stale.delete()
    _link_parents()
    return report


def _link_parents() -> None:
    """Each area's parent is the area one level up that holds a point inside it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE incidents_adminarea c SET parent_id = found.parent_id
            FROM (
                SELECT c2.id, (
                    SELECT p.area_id FROM incidents_adminareapart p
                    WHERE p.level = c2.level - 1 AND p.country_code = c2.country_code
                      AND ST_Intersects(p.geom, ST_PointOnSurface(c2.geom))
                    ORDER BY p.area_id LIMIT 1) AS parent_id
                FROM incidents_adminarea c2 WHERE c2.level > 0
            ) AS found
            WHERE c.id = found.id AND c.parent_id IS DISTINCT FROM found.parent_id
            """
        )

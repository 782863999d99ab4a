"""The gazetteer: GeoNames per-country dumps (or the built-in file, in the same format) loaded into
Place and PlaceName.

The dump is tab-separated, 19 columns, no header: geonameid, name, asciiname, alternatenames,
latitude, longitude, feature class, feature code, country code, cc2, admin1..admin4 codes,
population, elevation, dem, timezone, modification date. A .zip as GeoNames publishes it is read
directly. Loading goes through a staging table and one set-based upsert that only touches rows
whose content changed, so loading the same dump twice changes nothing.
"""

import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import connection, transaction

from actors.names import normalise_name
from config.loading import LoadReport
from incidents.geo.fetch import ReferenceDataError
from incidents.geo.models import Place, PlaceSource

logger = logging.getLogger(__name__)

COLUMNS = 19
MAX_NAME_LENGTH = 300
MAX_REPORTED_ERRORS = 5


@dataclass
class PlaceRow:
    source_id: str
    name: str
    ascii_name: str
    alternate_names: list[str]
    latitude: float
    longitude: float
    feature_class: str
    feature_code: str
    country_code: str
    admin1_code: str
    admin2_code: str
    population: int
    modified_on: date | None


UNREADABLE = "unreadable lines skipped"
SUPERSEDED = "older records skipped (a newer dump has them)"


def gazetteer_report() -> LoadReport:
    """A report of a gazetteer load: counts of places, and of their names."""
    return LoadReport(kind="place")


def _lines(path: Path) -> Iterator[str]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [
                n
                for n in archive.namelist()
                if n.endswith(".txt") and not n.lower().startswith("readme")
            ]
            if not members:
                raise ReferenceDataError(f"{path}: the zip holds no GeoNames .txt dump")
            for member in members:
                with archive.open(member) as raw:
                    yield from io.TextIOWrapper(raw, encoding="utf-8")
        return
    with path.open(encoding="utf-8") as handle:
        yield from handle


def read_geonames(path: Path, report: LoadReport | None = None) -> list[PlaceRow]:
    """Parses a GeoNames dump; unreadable lines are counted and the first few described."""
    report = report if report is not None else gazetteer_report()
    rows = []
    try:
        for number, line in enumerate(_lines(path), start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            try:
                rows.append(_parse_line(line))
            except ValueError as exc:
                report.add(UNREADABLE)
                if report.count(UNREADABLE) <= MAX_REPORTED_ERRORS:
                    report.warnings.append(f"{path.name} line {number}: {exc}")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(f"{path}: not UTF-8 text ({exc})") from exc
    if not rows:
        detail = f" ({report.warnings[0]})" if report.warnings else ""
        raise ReferenceDataError(f"{path}: no place in GeoNames dump format{detail}")
    return rows


def _parse_line(line: str) -> PlaceRow:
    cols = line.split("\t")
    if len(cols) != COLUMNS:
        raise ValueError(f"expected {COLUMNS} tab-separated columns, found {len(cols)}")
    source_id, name = cols[0].strip(), cols[1].strip()
    if not source_id or not name:
        raise ValueError("the id and the name are required")
    latitude, longitude = float(cols[4]), float(cols[5])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"coordinates out of range ({latitude}, {longitude})")
    country = cols[8].strip().upper()
    if len(country) != 2:
        raise ValueError(f"country code {cols[8]!r} is not ISO alpha-2")
    modified = date.fromisoformat(cols[18]) if cols[18].strip() else None
    return PlaceRow(
        source_id=source_id,
        name=name[:200],
        ascii_name=cols[2].strip()[:200],
        alternate_names=[n.strip() for n in cols[3].split(",") if n.strip()],
        latitude=latitude,
        longitude=longitude,
        feature_class=cols[6].strip()[:1],
        feature_code=cols[7].strip()[:10],
        country_code=country,
        admin1_code=cols[10].strip()[:40],
        admin2_code=cols[11].strip()[:80],
        population=int(cols[14]) if cols[14].strip() else 0,
        modified_on=modified,
    )


def _not_referenced(alias: str) -> str:
    """SQL: the place `alias` is not referred to by any other table (incidents, say), found from
    the model's reverse relations so that the gazetteer need not know who refers to places."""
    checks = [
        f"NOT EXISTS (SELECT 1 FROM {rel.related_model._meta.db_table} r "
        f"WHERE r.{rel.field.column} = {alias}.id)"
        for rel in Place._meta.related_objects
        if rel.related_model._meta.db_table != "incidents_placename"
        and not rel.related_model._meta.db_table.endswith("event")
    ]
    return " AND ".join(checks) or "true"


def _names_of(row: PlaceRow) -> list[tuple[str, bool]]:
    """The place's names, one per normalised form, its main name first."""
    names, seen = [], set()
    for candidate, primary in [(row.name, True), (row.ascii_name, False)] + [
        (n, False) for n in row.alternate_names
    ]:
        if not candidate or len(candidate) > MAX_NAME_LENGTH or "://" in candidate:
            continue
        key = normalise_name(candidate)
        if not key or key.isdigit() or key in seen:
            continue
        seen.add(key)
        names.append((candidate, primary))
    return names


PLACE_FIELDS = (
    "name",
    "ascii_name",
    "feature_class",
    "feature_code",
    "country_code",
    "admin1_code",
    "admin2_code",
    "population",
    "point",
    "modified_on",
)


@transaction.atomic
def gazetteer_load(
    rows: list[PlaceRow],
    *,
    source: str = PlaceSource.GEONAMES,
    prune: bool = True,
    report: LoadReport | None = None,
) -> LoadReport:
    """Upserts `rows` as places of `source`. With `prune`, removes this source's places of the
    same countries that the dump no longer has (unless an incident refers to them). Loading real
    GeoNames data for a country retires the built-in places of that country the same way."""
    report = report if report is not None else gazetteer_report()
    report.rows = len(rows)
    countries = sorted({r.country_code for r in rows})
    report.scope = countries
    report.label = f"{len(rows)} places ({', '.join(countries)})"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DROP TABLE IF EXISTS pg_temp.stage_place, pg_temp.stage_name;
            CREATE TEMP TABLE stage_place (
                source_id text PRIMARY KEY, name text, ascii_name text, feature_class text,
                feature_code text, country_code text, admin1_code text, admin2_code text,
                population bigint, longitude float8, latitude float8, modified_on date,
                superseded bool NOT NULL DEFAULT false
            ) ON COMMIT DROP;
            CREATE TEMP TABLE stage_name (source_id text, name text, is_primary bool,
                                          PRIMARY KEY (source_id, name)) ON COMMIT DROP;
            """
        )
        seen_ids = set()
        with cursor.cursor.copy(
            "COPY stage_place (source_id, name, ascii_name, feature_class, feature_code, "
            "country_code, admin1_code, admin2_code, population, longitude, latitude, modified_on) "
            "FROM STDIN"
        ) as copy:
            for r in rows:
                if r.source_id in seen_ids:
                    report.add(UNREADABLE)
                    continue
                seen_ids.add(r.source_id)
                copy.write_row(
                    (
                        r.source_id,
                        r.name,
                        r.ascii_name,
                        r.feature_class,
                        r.feature_code,
                        r.country_code,
                        r.admin1_code,
                        r.admin2_code,
                        r.population,
                        r.longitude,
                        r.latitude,
                        r.modified_on,
                    )
                )
        with cursor.cursor.copy("COPY stage_name FROM STDIN") as copy:
            written = set()
            for r in rows:
                for name, primary in _names_of(r):
                    if (r.source_id, name) not in written:
                        written.add((r.source_id, name))
                        copy.write_row((r.source_id, name, primary))
        # The same feature can sit in two countries' dumps (GeoNames moves features; the Niger
        # dump is years older than Mali's): the record modified last wins, whatever the order.
        # A superseded row is neither written nor pruned: the dump still has the place.
        cursor.execute(
            """
            UPDATE stage_place s SET superseded = true FROM incidents_place p
            WHERE p.source = %s AND p.source_id = s.source_id
              AND p.modified_on > s.modified_on;
            DELETE FROM stage_name n USING stage_place s
            WHERE s.source_id = n.source_id AND s.superseded;
            """,
            [source],
        )
        cursor.execute("SELECT count(*) FROM stage_place WHERE superseded")
        superseded = cursor.fetchone()[0]
        report.add(SUPERSEDED, n=superseded)
        cursor.execute(
            f"""
            INSERT INTO incidents_place (source, source_id, {", ".join(PLACE_FIELDS)})
            SELECT %s, s.source_id, s.name, s.ascii_name, s.feature_class, s.feature_code,
                   s.country_code, s.admin1_code, s.admin2_code, s.population,
                   ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), 4326), s.modified_on
            FROM stage_place s WHERE NOT s.superseded
            ON CONFLICT (source, source_id) DO UPDATE SET
                {", ".join(f"{f} = EXCLUDED.{f}" for f in PLACE_FIELDS)}
            WHERE ({", ".join(f"incidents_place.{f}" for f in PLACE_FIELDS)})
                  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{f}" for f in PLACE_FIELDS)})
            RETURNING (xmax = 0) AS inserted
            """,
            [source],
        )
        results = [inserted for (inserted,) in cursor.fetchall()]
        created = sum(results)
        report.add("created", n=created)
        report.add("updated", n=len(results) - created)
        report.add("unchanged", n=len(seen_ids) - superseded - len(results))

        retire = []
        if prune:
            retire.append(
                (
                    "p.source = %s AND NOT EXISTS (SELECT 1 FROM stage_place s "
                    "WHERE s.source_id = p.source_id)",
                    [source],
                )
            )
        if source != PlaceSource.BUILTIN:
            retire.append(("p.source = %s", [PlaceSource.BUILTIN]))
        for condition, params in retire:
            cursor.execute(
                f"""
                WITH gone AS (
                    SELECT p.id FROM incidents_place p
                    WHERE {condition} AND p.country_code = ANY(%s)
                      AND {_not_referenced("p")}
                ), names AS (
                    DELETE FROM incidents_placename n USING gone WHERE n.place_id = gone.id
                )
                DELETE FROM incidents_place p USING gone WHERE p.id = gone.id
                """,
                [*params, countries],
            )
            report.add("removed", n=cursor.rowcount)

        cursor.execute(
            """
            INSERT INTO incidents_placename (place_id, name, is_primary)
            SELECT p.id, n.name, n.is_primary
            FROM stage_name n JOIN incidents_place p ON p.source = %s AND p.source_id = n.source_id
            ON CONFLICT (place_id, name) DO UPDATE SET is_primary = EXCLUDED.is_primary
            WHERE incidents_placename.is_primary IS DISTINCT FROM EXCLUDED.is_primary
            RETURNING (xmax = 0)
            """,
            [source],
        )
        report.add("created", "names", n=sum(1 for (inserted,) in cursor.fetchall() if inserted))
        cursor.execute(
            """
            DELETE FROM incidents_placename pn
            USING incidents_place p JOIN stage_place s ON s.source_id = p.source_id
            WHERE pn.place_id = p.id AND p.source = %s AND NOT s.superseded
              AND NOT EXISTS (SELECT 1 FROM stage_name n
                              WHERE n.source_id = p.source_id AND n.name = pn.name)
            """,
            [source],
        )
        report.add("removed", "names", n=cursor.rowcount)
    return report

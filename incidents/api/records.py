"""An incident as the API gives it: one flat record, built by PostgreSQL for a whole page or a
whole download in one query (a page's query count does not grow with its size), the same in
JSON, GeoJSON and CSV.

Related data is flattened into readable columns: the actors in ACLED's positions and UCDP's
sides, the admin areas by code and name, low / best / high of each casualty category, both
precision conventions, the claims summarised, the number of sources. No personal data is ever
part of a record (victim names and witness identities live on other tables). For a caller whose
coordinates are coarsened the point is the centroid of the incident's admin2 area (its admin1
when it has none), the place name is the area's name and the precision codes say so (ACLED 3,
UCDP 3 or 4), in every format.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import get_language
from psycopg.adapt import Loader

from actors.models import ACLED_INTER_BY_KIND
from incidents.geo.countries import COUNTRIES
from incidents.models import ESTIMATES
from incidents.selectors import CONFIDENTIAL_SOURCE
from incidents.taxonomy import EventType, SubEventType


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    hxl: str
    type: str  # its JSON schema type: integer, number, string, boolean, array
    nullable: bool = True
    description: str = ""


def _estimate_columns() -> list[Column]:
    hxl_of = {
        "fatalities": "#affected+killed",
        "killed_civilians": "#affected+killed+civilians",
        "killed_side_a": "#affected+killed+side_a",
        "killed_side_b": "#affected+killed+side_b",
        "killed_unknown": "#affected+killed+status_unknown",
        "injured": "#affected+injured",
        "abducted": "#affected+abducted",
    }
    return [
        Column(f"{prefix}_{bound}", f"i.{prefix}_{bound}", f"{hxl_of[prefix]}+{bound}", "integer")
        for prefix in ESTIMATES
        for bound in ("low", "best", "high")
    ]


def _actors_in(name: str) -> str:
    # Who took part, in each convention: read from the API's summary (`r` in _FROM).
    return f"coalesce(r.{name}, '')"


# Labels and names in the request's language, passed as one JSON parameter.
LABELS = "%(labels)s::jsonb"

COLUMNS: tuple[Column, ...] = (
    Column("id", "i.id", "#event+id", "integer", False),
    Column("title", "i.title", "#event+name", "string", False),
    Column("status", "i.status", "#status+code", "string", False),
    Column("date_start", "i.date_start", "#date+start", "string", False, "YYYY-MM-DD"),
    Column("date_end", "i.date_end", "#date+end", "string", False, "YYYY-MM-DD"),
    Column(
        "time_precision",
        "i.time_precision",
        "#meta+time_precision",
        "integer",
        False,
        "ACLED's time_precision: 1 day, 2 week, 3 month",
    ),
    Column(
        "ucdp_date_prec",
        "i.ucdp_date_prec",
        "#meta+date_prec",
        "integer",
        True,
        "UCDP GED's date_prec 1-5, when given",
    ),
    Column("event_type", "i.event_type", "#event+type+code", "string", False),
    Column("event_type_label", f"{LABELS}->'event_types'->>i.event_type", "#event+type", "string"),
    Column("sub_event_type", "i.sub_event_type", "#event+type+sub+code", "string", False),
    Column(
        "sub_event_type_label",
        f"{LABELS}->'sub_event_types'->>i.sub_event_type",
        "#event+type+sub",
        "string",
    ),
    Column(
        "civilian_targeting", "i.civilian_targeting", "#meta+civilian_targeting", "boolean", False
    ),
    Column(
        "ucdp_violence_type",
        "i.ucdp_violence_type",
        "#meta+violence_type",
        "integer",
        True,
        "UCDP's type_of_violence: 1 state-based, 2 non-state, 3 one-sided",
    ),
    Column("country_code", "i.country_code", "#country+code", "string", False, "ISO alpha-2"),
    Column("country", f"{LABELS}->'countries'->>i.country_code", "#country+name", "string"),
    Column("admin1_code", "a1.code", "#adm1+code", "string"),
    Column(
        "admin1_name",
        "CASE WHEN %(french)s THEN a1.name_fr ELSE a1.name_en END",
        "#adm1+name",
        "string",
    ),
    Column("admin2_code", "a2.code", "#adm2+code", "string"),
    Column(
        "admin2_name",
        "CASE WHEN %(french)s THEN a2.name_fr ELSE a2.name_en END",
        "#adm2+name",
        "string",
    ),
    Column(
        "location_name",
        "CASE WHEN %(coarse)s THEN coalesce(CASE WHEN %(french)s "
        "THEN coalesce(a2.name_fr, a1.name_fr) ELSE coalesce(a2.name_en, a1.name_en) END, '') "
        "ELSE i.location_name END",
        "#loc+name",
        "string",
        False,
        "the place as reported (the admin area's name when coordinates are coarsened)",
    ),
    Column("latitude", "round(ST_Y(g.point)::numeric, 6)", "#geo+lat", "number"),
    Column("longitude", "round(ST_X(g.point)::numeric, 6)", "#geo+lon", "number"),
    Column(
        "geo_precision",
        "CASE WHEN %(coarse)s THEN greatest(i.geo_precision, 3) ELSE i.geo_precision END",
        "#meta+geo_precision",
        "integer",
        False,
        "ACLED's geo_precision: 1 exact place, 2 near a place, 3 only the area",
    ),
    Column(
        "ucdp_where_prec",
        "CASE WHEN NOT %(coarse)s THEN i.ucdp_where_prec WHEN a2.id IS NOT NULL "
        "THEN greatest(coalesce(i.ucdp_where_prec, 3), 3) "
        "ELSE greatest(coalesce(i.ucdp_where_prec, 4), 4) END",
        "#meta+where_prec",
        "integer",
        True,
        "UCDP's where_prec 1-7, when given",
    ),
    Column(
        "coordinates_coarsened",
        "%(coarse)s",
        "#meta+coarsened",
        "boolean",
        False,
        "true when the point is the admin area's centroid by the caller's policy",
    ),
    *_estimate_columns(),
    Column("actor1", _actors_in("actor1"), "#org+actor1", "string", False),
    Column(
        "assoc_actor_1",
        _actors_in("assoc_actor_1"),
        "#org+assoc_actor1",
        "string",
        False,
    ),
    Column("actor2", _actors_in("actor2"), "#org+actor2", "string", False),
    Column(
        "assoc_actor_2",
        _actors_in("assoc_actor_2"),
        "#org+assoc_actor2",
        "string",
        False,
    ),
    Column("side_a", _actors_in("side_a"), "#org+side_a", "string", False),
    Column("side_b", _actors_in("side_b"), "#org+side_b", "string", False),
    Column("initiators", _actors_in("initiators"), "#org+initiator", "string", False),
    Column("claimed_by", _actors_in("claimed_by"), "#org+claimed", "string", False),
    Column(
        "actors",
        "coalesce(r.actors::json, '[]'::json)",
        "",
        "array",
        False,
        "every participant with both role conventions (JSON and GeoJSON only)",
    ),
    Column(
        "claims_count",
        "coalesce(r.claims_count, 0)",
        "#meta+claims",
        "integer",
        False,
    ),
    Column(
        "claims_summary",
        "CASE WHEN %(confidential)s THEN coalesce(r.claims_summary_named, '') "
        f"ELSE replace(coalesce(r.claims_summary, ''), chr(1), {LABELS}->>'confidential_source') "
        "END",
        "#meta+claims+summary",
        "string",
        False,
        "each claim: publisher (Admiralty grade): killed (best, or low-high); a confidential "
        "source is named 'confidential source' except for editors",
    ),
    Column(
        "source_count",
        "coalesce(r.source_count, 0)",
        "#meta+sources",
        "integer",
        False,
    ),
    Column(
        "harm_assessments",
        "coalesce(r.harm_assessments, 0)",
        "#meta+harm_assessments",
        "integer",
        False,
    ),
    Column(
        "acled_event_ids",
        "coalesce(r.acled_event_ids, '')",
        "#event+id+acled",
        "string",
        False,
    ),
    Column(
        "ucdp_ged_ids",
        "coalesce(r.ucdp_ged_ids, '')",
        "#event+id+ucdp",
        "string",
        False,
    ),
    Column("tags", "i.tags", "#meta+tags", "array", False),
    Column("narrative", "i.narrative", "#description", "string", False),
    Column("origin", "i.origin", "#meta+origin", "string", False, "synthetic records say so here"),
    Column("published_at", "i.published_at", "#date+published", "string"),
    Column("updated_at", "i.updated_at", "#date+updated", "string", False),
    Column(
        "timestamp",
        "floor(extract(epoch FROM i.updated_at))::bigint",
        "#date+timestamp",
        "integer",
        False,
        "updated_at as Unix seconds (ACLED's timestamp)",
    ),
)

CSV_COLUMNS = tuple(c for c in COLUMNS if c.name != "actors")

_FROM = """
FROM page
-- Every join a probe by key (a nested loop), so the rows come out in the page's order and the
-- wide rows are never sorted again (a full download's external sort cost more than the rest).
CROSS JOIN LATERAL (SELECT * FROM incidents_incident x WHERE x.id = page.id OFFSET 0) i
LEFT JOIN LATERAL (SELECT * FROM incidents_adminarea x WHERE x.id = i.admin1_id OFFSET 0) a1 ON true
LEFT JOIN LATERAL (SELECT * FROM incidents_adminarea x WHERE x.id = i.admin2_id OFFSET 0) a2 ON true
-- Participants, claims, harm assessments and dataset ids: one row of the API's summary, kept
-- exact by triggers (incidents/sql/apirecords.sql); none when the incident has none of them.
LEFT JOIN LATERAL (
  SELECT * FROM incidents_apirecord x WHERE x.incident_id = i.id OFFSET 0
) r ON true
CROSS JOIN LATERAL (
  SELECT CASE
    WHEN NOT %(coarse)s OR i.location IS NULL THEN i.location
    ELSE ST_Centroid(coalesce(a2.geom_simplified, a2.geom, a1.geom_simplified, a1.geom))
  END AS point
) g
"""


def _labels() -> str:
    french = (get_language() or "en").startswith("fr")
    return json.dumps(
        {
            "event_types": {e.value: str(e.label) for e in EventType},
            "sub_event_types": {s.value: str(s.label) for s in SubEventType},
            "inter_by_kind": {kind: code for kind, code in ACLED_INTER_BY_KIND.items()},
            "countries": {
                code: (c.name_fr if french else c.name_en) for code, c in COUNTRIES.items()
            },
            "confidential_source": str(CONFIDENTIAL_SOURCE),
        },
        ensure_ascii=False,
    )


def _record_sql() -> str:
    return ", ".join(f"{c.sql} AS {c.name}" for c in COLUMNS)


@dataclass(frozen=True)
class Shape:
    """What one caller's records look like: coordinates coarsened or not; confidential sources
    named (editors and up) or shown as "confidential source"."""

    coarse: bool
    confidential: bool = False

    def params(self) -> dict:
        return {
            "coarse": self.coarse,
            "confidential": self.confidential,
            "french": (get_language() or "en").startswith("fr"),
            "labels": _labels(),
        }


def _page_sql(
    queryset: QuerySet, order: list[str], select: str, from_: str = _FROM
) -> tuple[str, list]:
    """`select` over the queryset's incidents, in its order (`order`, SQL on `i`: the same
    ordering as the queryset's). The page is the queryset's ids with its sort keys, sorted (a
    narrow sort); the records are built in that order and never sorted again."""
    keys = [term.split()[0].removeprefix("i.") for term in order]
    ids_sql, ids_params = queryset.values_list(
        *dict.fromkeys(["id", *keys])
    ).query.sql_with_params()
    # Named parameters for ours; the queryset's positional ones are renamed to match.
    names = {f"q{n}": value for n, value in enumerate(ids_params)}
    ids_sql = ids_sql.replace("%%", "\0")
    for name in names:
        ids_sql = ids_sql.replace("%s", f"%({name})s", 1)
    ids_sql = ids_sql.replace("\0", "%%")
    sql = (
        f"SELECT {select} {from_.replace('FROM page', f'FROM ({ids_sql}) page', 1)} "
        f"ORDER BY {', '.join(term.replace('i.', 'page.', 1) for term in order)}"
    )
    return sql, names


def order_sql(ordering: tuple[str, ...]) -> list[str]:
    return [f"i.{f.lstrip('-')} {'DESC' if f.startswith('-') else 'ASC'}" for f in ordering]


def record_rows(queryset: QuerySet, ordering: tuple[str, ...], shape: Shape) -> list[bytes]:
    """The JSON text (UTF-8) of each incident's record, in order (one query)."""
    sql, params = _page_sql(
        queryset,
        order_sql(ordering),
        f"(SELECT row_to_json(r) FROM (SELECT {_record_sql()}) r)::text",
    )
    return _utf8_rows(sql, {**params, **shape.params()})


class _UTF8Loader(Loader):
    """Text as the bytes the server sent (the database's encoding is UTF-8)."""

    def load(self, data) -> bytes:
        return bytes(data)


def _utf8_rows(sql: str, params: dict) -> list[bytes]:
    """The first column of each row as PostgreSQL sent it (UTF-8 bytes): the JSON goes out as
    it came in, without decoding it into str and encoding it back."""
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("text", _UTF8Loader)
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def feature_sql() -> str:
    # The text json_build_object() would make, put together without parsing the geometry's
    # GeoJSON back into json first.
    return (
        '\'{"type" : "Feature", "id" : \' || i.id '
        "|| ', \"geometry\" : ' || coalesce(ST_AsGeoJSON(g.point, 6), 'null') "
        "|| ', \"properties\" : ' "
        f"|| (SELECT row_to_json(r) FROM (SELECT {_record_sql()}) r)::text || '}}'"
    )


def feature_rows(queryset: QuerySet, ordering: tuple[str, ...], shape: Shape) -> list[bytes]:
    """The GeoJSON Feature text (UTF-8) of each incident (one query)."""
    sql, params = _page_sql(queryset, order_sql(ordering), feature_sql())
    return _utf8_rows(sql, {**params, **shape.params()})


def stream_rows(
    queryset: QuerySet,
    ordering: tuple[str, ...],
    shape: Shape,
    *,
    geojson: bool,
    chunk_size: int = 2000,
) -> Iterator[str]:
    """Every record (or Feature) as JSON text, read through a server-side cursor `chunk_size`
    rows at a time: a download of any size in constant memory."""
    select = (
        feature_sql()
        if geojson
        else f"(SELECT row_to_json(r) FROM (SELECT {_record_sql()}) r)::text"
    )
    sql, params = _page_sql(queryset, order_sql(ordering), select)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, {**params, **shape.params()})
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                yield row[0]


# --- CSV built by PostgreSQL (COPY ... TO STDOUT): a full download without a Python loop per row

# Text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
# gets a leading apostrophe, as formats.neutralised() does: a test of the first character's
# code (a third of the time of a regular expression).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_STARTS)
_NEUTRALISED = (
    "CASE WHEN ascii({text}) IN (" + _FORMULA_CODES + ") THEN '''' || {text} ELSE {text} END"
)


def _csv_cell(column: Column) -> str:
    """A column as its CSV cell, the same text formats.neutralised() gives a record's value:
    booleans as true/false, times in ISO 8601 as in JSON, lists joined by "; ", numbers as
    numbers, text neutralised."""
    if column.type == "boolean":
        return f"CASE WHEN {column.sql} THEN 'true' WHEN NOT {column.sql} THEN 'false' END"
    if column.type == "number":
        return f"({column.sql})::float8"
    if column.type == "integer":
        return column.sql
    text = f"({column.sql})::text"
    if column.type == "array":
        text = f"array_to_string({column.sql}, '; ')"
    elif column.name in ("published_at", "updated_at"):
        return f"to_json({column.sql}) #>> '{{}}'"  # ISO 8601: never a formula
    elif column.name in ("date_start", "date_end"):
        return text  # YYYY-MM-DD: never a formula
    return _NEUTRALISED.format(text=text)


def csv_copy_sql(queryset: QuerySet, ordering: tuple[str, ...], shape: Shape) -> tuple[str, dict]:
    """COPY of the CSV rows (no header) of the queryset's incidents, in order, with its
    parameters (bound client-side: COPY takes none)."""
    select = ", ".join(f"{_csv_cell(c)} AS {c.name}" for c in CSV_COLUMNS)
    sql, params = _page_sql(queryset, order_sql(ordering), select)
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", {**params, **shape.params()}


CSV_PIECE_BYTES = 64 * 1024


def csv_copy_blocks(queryset: QuerySet, ordering: tuple[str, ...], shape: Shape) -> Iterator[bytes]:
    """The CSV rows as PostgreSQL writes them, block by block as they arrive: a download of any
    size at constant memory, without a Python step per row."""
    sql, params = csv_copy_sql(queryset, ordering, shape)
    # PostgreSQL sends a row at a time: handed on in pieces of about 64 KB, so that the Python
    # steps (here, in the response, in the server) are per piece, not per row.
    piece = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for block in copy:
            piece += block
            if len(piece) >= CSV_PIECE_BYTES:
                yield bytes(piece)
                piece.clear()
    if piece:
        yield bytes(piece)

"""The API's formats: JSON (the default), GeoJSON and CSV (with an optional HXL hashtag row),
chosen by the Accept header or `format=`; CSV cells that a spreadsheet would run as a formula
are neutralised."""

import csv
import json
from collections.abc import Iterable, Iterator

from rest_framework.renderers import JSONRenderer

from incidents.api.records import CSV_COLUMNS, FORMULA_STARTS


class JSONFormat(JSONRenderer):
    format = "json"


class GeoJSONFormat(JSONRenderer):
    """GeoJSON (RFC 7946). Errors are JSON, like every format's."""

    media_type = "application/geo+json"
    format = "geojson"


class CSVFormat(JSONRenderer):
    """CSV (RFC 4180), one row per record. Errors are JSON, like every format's."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


FORMATS = [JSONFormat, GeoJSONFormat, CSVFormat]


def neutralised(value) -> str:
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe
    (OWASP's advice); numbers stay numbers (a longitude of -3.85 is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object csv.writer writes one line into."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    records: Iterable[dict], columns: Iterable[tuple[str, str]], *, hxl: bool
) -> Iterator[str]:
    """CSV text, line by line: the header, the HXL hashtags when asked for, then each record's
    cells in `columns` order ((name, hashtag) pairs)."""
    columns = list(columns)
    writer = csv.writer(_Line())
    yield writer.writerow([name for name, _ in columns])
    if hxl:
        yield writer.writerow([tag for _, tag in columns])
    for record in records:
        yield writer.writerow([neutralised(record.get(name)) for name, _ in columns])


def incident_csv_lines(rows: Iterable[str | bytes], *, hxl: bool) -> Iterator[str]:
    """The CSV of incident records given as JSON text (or its UTF-8)."""
    return csv_lines(
        (json.loads(row) for row in rows), ((c.name, c.hxl) for c in CSV_COLUMNS), hxl=hxl
    )


def feature_collection(features: Iterable[str], **members: object) -> Iterator[str]:
    """A GeoJSON FeatureCollection around Feature texts, piece by piece."""
    extra = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in members.items())
    yield '{"type":"FeatureCollection",' + extra + '"features":['
    for n, feature in enumerate(features):
        yield feature if n == 0 else "," + feature
    yield "]}"


def feature_collection_bytes(features: list[bytes], **members: object) -> bytes:
    """A GeoJSON FeatureCollection around Feature texts given as UTF-8, whole (a page): the
    same text as feature_collection()."""
    extra = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in members.items())
    start = ('{"type":"FeatureCollection",' + extra + '"features":[').encode()
    return start + b",".join(features) + b"]}"


def incident_csv_download(blocks: Iterable[bytes], *, hxl: bool) -> Iterator[bytes]:
    """A full CSV download: the header (and the HXL row), then the rows PostgreSQL wrote
    (records.csv_copy_blocks)."""
    columns = [(c.name, c.hxl) for c in CSV_COLUMNS]
    # PostgreSQL ends its lines with LF: so do the header rows (no name or hashtag has a CR).
    yield "".join(csv_lines([], columns, hxl=hxl)).replace("\r\n", "\n").encode()
    yield from blocks

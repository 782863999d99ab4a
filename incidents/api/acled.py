"""ACLED's read API on our data: `/api/acled/read` and `/api/deleted/read`, with ACLED's paths,
query parameters, response envelope, field names and value types, so that an analyst's ACLED
script or client library works against this server by changing only its host.

Each row is the ACLED export of the incident (incidents/interchange/acled.py, `acled_row`: the
same mapping as the file export), for a whole page in a constant number of queries (the related
rows are prefetched; the filters, the order and the page are SQL). Two values differ from the
file export, because this is a sync API: `timestamp` is our last change of the incident (not
ACLED's own), and a caller whose organisation coarsens coordinates gets the admin area's
centroid, name and precision (and no admin3), as in every other format (records.py).

Who may call and what they see: access.py, as for /api/v1/. docs/api.md documents the
differences that remain from ACLED's API.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime

from django.db.models import (
    DateField,
    Exists,
    F,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from incidents import selectors
from incidents.api.access import (
    AnonymousThrottle,
    PartnerKeyThrottle,
    ReadsIncidents,
    SignedInThrottle,
    caller_of,
)
from incidents.api.formats import neutralised
from incidents.geo.countries import BY_ISO_NUMERIC, BY_NAME
from incidents.interchange import acled
from incidents.models import AcledEvent, Claim, IncidentActor, IncidentTombstone

# ACLED's scripts page with limit (5000 by default) and page; `limit=0` asks for every row.
DEFAULT_LIMIT = 5000
AUTH_PARAMETERS = frozenset({"key", "email"})
PAGING_PARAMETERS = frozenset({"limit", "page", "fields", "_format"})
EVENT_FILTERS = frozenset(
    {
        "country",
        "iso",
        "year",
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "admin1",
        "admin2",
        "fatalities",
        "timestamp",
    }
)
OPERATORS = {"event_date", "fatalities", "timestamp", "actor1", "actor2"}
EVENT_PARAMETERS = (
    AUTH_PARAMETERS
    | PAGING_PARAMETERS
    | EVENT_FILTERS
    | {f"{name}_where" for name in OPERATORS}
    | {"inter_num"}
)
DELETED_COLUMNS = ("event_id_cnty", "deleted_timestamp")
DELETED_PARAMETERS = (
    AUTH_PARAMETERS | PAGING_PARAMETERS | {"deleted_timestamp", "deleted_timestamp_where"}
)
# Values that are numbers: written as they are in CSV (a longitude of -3.85 is not a formula).
NUMERIC = frozenset(
    {
        "year",
        "time_precision",
        "inter1",
        "inter2",
        "interaction",
        "iso",
        "latitude",
        "longitude",
        "geo_precision",
        "fatalities",
        "timestamp",
        "deleted_timestamp",
    }
)
# Limit and page stay within what PostgreSQL's offsets take (digits, not any Unicode digit).
MAX_DIGITS = 7


def whole(value: str, digits: int) -> bool:
    """A whole number of at most `digits` ASCII digits."""
    return re.fullmatch(f"[0-9]{{1,{digits}}}", value) is not None


NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
COMPARISONS = {"=": "", ">": "__gt", "<": "__lt", ">=": "__gte", "<=": "__lte"}

# The date ACLED would code (interchange/acled.py `_event_date`): the first record's own date
# while the range holds it, else the middle of the range (whole days, as Python's date + timedelta).
EVENT_DATE_SQL = (
    "coalesce((SELECT CASE WHEN e.event_date BETWEEN incidents_incident.date_start AND "
    "incidents_incident.date_end THEN e.event_date END FROM incidents_acledevent e "
    "WHERE e.incident_id = incidents_incident.id ORDER BY e.event_id_cnty LIMIT 1), "
    "incidents_incident.date_start + (incidents_incident.date_end - "
    "incidents_incident.date_start) / 2)"
)
# The centroid of the admin2 area (admin1 when there is none), as records.py coarsens.
CENTROID_SQL = (
    "(SELECT ST_{axis}(ST_Centroid(coalesce(a2.geom_simplified, a2.geom, a1.geom_simplified, "
    "a1.geom)))::float FROM (SELECT 1) one "
    "LEFT JOIN incidents_adminarea a2 ON a2.id = incidents_incident.admin2_id "
    "LEFT JOIN incidents_adminarea a1 ON a1.id = incidents_incident.admin1_id)"
)


# --- The schema (/api/schema/): every parameter a string, as ACLED's are.

ERROR_ENVELOPE = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "success": {"type": "boolean"},
        "error": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            },
        },
    },
}
ERROR_RESPONSES = {code: ERROR_ENVELOPE for code in (400, 401, 403, 429)}


def envelope(columns: tuple[str, ...]) -> dict:
    return {
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "success": {"type": "boolean"},
            "last_update": {"type": "integer", "description": "Unix time of the latest change"},
            "count": {"type": "integer", "description": "rows in this answer"},
            "messages": {"type": "array", "items": {"type": "string"}},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {c: {"type": "string"} for c in columns},
                },
            },
            "filename": {"type": "string"},
        },
    }


def schema_parameters(names) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, OpenApiTypes.STR) for name in sorted(names)]


class AcledError(exceptions.APIException):
    status_code = 400


def bad(message: str) -> AcledError:
    return AcledError(message)


class AcledReadView(APIView):
    """What both endpoints share: access as for /api/v1/, ACLED's envelope (also for errors),
    `limit`, `page`, `fields` and `_format`."""

    permission_classes = [ReadsIncidents]
    throttle_classes = [PartnerKeyThrottle, SignedInThrottle, AnonymousThrottle]
    renderer_classes = [JSONRenderer]
    parameters: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    name = ""

    def perform_content_negotiation(self, request, force=False):
        # ACLED chooses the format by `_format` alone (Accept and `format=` play no part).
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def handle_exception(self, exc):
        # ACLED's error envelope, whatever the error (clients read error[0].message); the
        # headers DRF sets (WWW-Authenticate, Retry-After) are kept.
        response = super().handle_exception(exc)
        detail = response.data
        if isinstance(detail, dict) and "detail" in detail:
            message = str(detail["detail"])
        elif isinstance(detail, list):
            message = " ".join(str(d) for d in detail)
        else:
            message = str(detail)
        response.data = {
            "status": response.status_code,
            "success": False,
            "error": [{"status": response.status_code, "message": message}],
        }
        return response

    def check_parameters(self) -> None:
        unknown = sorted(set(self.request.GET) - self.parameters)
        if unknown:
            raise bad(_("Unknown parameters: %(names)s.") % {"names": ", ".join(unknown)})
        for name, value in self.request.GET.items():
            if "\x00" in value:  # PostgreSQL refuses it: the caller's mistake, not a 500
                raise bad(_("%(name)s: a null character is not allowed.") % {"name": name})

    def value(self, name: str) -> str | None:
        return self.request.GET.get(name) or None

    def alternatives(self, name: str) -> list[str]:
        return [v.strip() for v in (self.value(name) or "").split("|") if v.strip()]

    def where(self, name: str, allowed: Iterable[str], default: str) -> str:
        operator = (self.value(f"{name}_where") or default).upper()
        if operator not in allowed:
            raise bad(
                _("%(name)s_where: give one of %(operators)s.")
                % {"name": name, "operators": ", ".join(allowed)}
            )
        return operator

    def limit_and_page(self) -> tuple[int, int]:
        limit, page = self.value("limit") or str(DEFAULT_LIMIT), self.value("page") or "1"
        if not whole(limit, MAX_DIGITS):
            raise bad(_("limit: give a whole number (0 for every row)."))
        if not whole(page, MAX_DIGITS) or int(page) < 1:
            raise bad(_("page: give a whole number from 1."))
        return int(limit), int(page)

    def chosen_fields(self) -> tuple[str, ...]:
        fields = self.alternatives("fields")
        unknown = [f for f in fields if f not in self.columns]
        if unknown:
            raise bad(_("fields: unknown fields %(names)s.") % {"names": ", ".join(unknown)})
        return tuple(f for f in self.columns if f in fields) if fields else self.columns

    def csv_wanted(self) -> bool:
        value = self.value("_format") or "json"
        if value not in ("json", "csv"):
            raise bad(_("_format: give json or csv."))
        return value == "csv"

    def unix(self, name: str) -> list[int]:
        values = self.alternatives(name)
        if not all(whole(v, 10) for v in values):
            raise bad(_("%(name)s: give Unix time in seconds.") % {"name": name})
        return [int(v) for v in values]

    def compared(self, queryset, name: str, field: str, values: list, default: str = "="):
        """`<name>=v1|v2&<name>_where=...`: =, >, <, >=, <= or BETWEEN (two values)."""
        operator = self.where(name, (*COMPARISONS, "BETWEEN"), default)
        if not values:
            return queryset
        if operator == "BETWEEN":
            if len(values) != 2:
                raise bad(_("%(name)s: BETWEEN takes two values, low|high.") % {"name": name})
            return queryset.filter(**{f"{field}__range": values})
        if operator == "=":
            return queryset.filter(**{f"{field}__in": values})
        if len(values) != 1:
            raise bad(
                _("%(name)s: %(operator)s takes one value.") % {"name": name, "operator": operator}
            )
        return queryset.filter(**{f"{field}{COMPARISONS[operator]}": values[0]})

    def answer(
        self,
        rows: Iterable[dict],
        fields: tuple[str, ...],
        *,
        as_csv: bool,
        last_update: int,
        streamed: bool,
    ):
        """ACLED's envelope around the rows (a page in one piece; every row streamed)."""
        filename = f"{self.name}-{timezone.localdate().isoformat()}"
        if as_csv:
            lines = csv_text(rows, fields)
            response = (
                HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
                if not streamed
                else StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
            return response
        head = {
            "status": 200,
            "success": True,
            "last_update": last_update,
            "messages": [],
            "filename": filename,
        }
        if not streamed:
            data = [{f: text(row[f]) for f in fields} for row in rows]
            body = {**head, "count": len(data), "data": data}
            return HttpResponse(json.dumps(body, ensure_ascii=False), content_type=JSON)
        return StreamingHttpResponse(enveloped(head, rows, fields), content_type=JSON)


JSON = "application/json"


def text(value) -> str:
    """A value as ACLED's JSON gives it: a string ("" when empty)."""
    return "" if value is None else str(value)


def cell(field: str, value) -> object:
    """A CSV cell: numbers as they are, other text neutralised (formats.neutralised)."""
    value = text(value)
    return value if field in NUMERIC and NUMBER.match(value) else neutralised(value)


class _Line:
    """A file-like object csv.writer writes one line into."""

    def write(self, value: str) -> str:
        return value


def csv_text(rows: Iterable[dict], fields: tuple[str, ...]) -> Iterator[str]:
    """CSV, line by line: the header, then each row's cells (see `cell`)."""
    writer = csv.writer(_Line())
    yield writer.writerow(fields)
    for row in rows:
        yield writer.writerow([cell(f, row[f]) for f in fields])


def enveloped(head: dict, rows: Iterable[dict], fields: tuple[str, ...]) -> Iterator[str]:
    """The JSON envelope, streamed: the data, then its count."""
    yield json.dumps(head, ensure_ascii=False)[:-1] + ',"data":['
    count = 0
    for row in rows:
        piece = json.dumps({f: text(row[f]) for f in fields}, ensure_ascii=False)
        yield piece if count == 0 else "," + piece
        count += 1
    yield f'],"count":{count}}}'


# --- Events


def acled_queryset(queryset: QuerySet, *, coarse: bool) -> QuerySet:
    """The incidents with what `acled_row` reads, fetched once for a page (no query per row)."""
    queryset = (
        queryset.select_related("admin1", "admin2")
        .defer(
            *(
                f"{area}__{geom}"
                for area in ("admin1", "admin2")
                for geom in ("geom", "geom_simplified")
            )
        )
        .prefetch_related(
            "acled_events",
            Prefetch("participants", IncidentActor.objects.select_related("actor")),
            Prefetch("claims", Claim.objects.select_related("source")),
        )
    )
    if coarse:
        # Constant SQL (no caller input), as records.py builds it.
        queryset = queryset.annotate(
            coarse_x=RawSQL(  # noqa: S611
                CENTROID_SQL.format(axis="X"), (), output_field=FloatField()
            ),
            coarse_y=RawSQL(  # noqa: S611
                CENTROID_SQL.format(axis="Y"), (), output_field=FloatField()
            ),
        )
    return queryset


def event_row(incident, *, inter_num: bool, coarse: bool, confidential: bool = False) -> dict:
    """The incident's ACLED row as this API gives it (see the module's docstring). Its `source`
    names a confidential source "confidential source" unless `confidential` (editors and up)."""
    row = acled.acled_row(incident, inter_num=inter_num)
    if not confidential and not incident.acled_events.all():
        with translation.override(None):
            row["source"] = "; ".join(
                sorted(
                    {
                        selectors.source_label(c.source, confidential_visible=False)
                        for c in incident.claims.all()
                    }
                )
            )
    row["timestamp"] = int(incident.updated_at.timestamp())
    if incident.location is not None:
        row["latitude"] = f"{incident.location.y:.4f}"
        row["longitude"] = f"{incident.location.x:.4f}"
    if coarse:
        area = incident.admin2 or incident.admin1
        row["location"] = area.name_en if area else ""
        row["geo_precision"] = max(incident.geo_precision, 3)
        row["admin3"] = ""
        if incident.location is not None and incident.coarse_x is not None:
            row["latitude"] = f"{incident.coarse_y:.4f}"
            row["longitude"] = f"{incident.coarse_x:.4f}"
    return row


class AcledEventRead(AcledReadView):
    """ACLED's `/api/acled/read`: the published incidents as ACLED event rows."""

    parameters = frozenset(EVENT_PARAMETERS)
    columns = acled.COLUMNS
    name = "acled-read"

    @extend_schema(
        operation_id="acled_read",
        description="ACLED-compatible event rows (docs/api.md, ACLED-compatible endpoint).",
        parameters=schema_parameters(EVENT_PARAMETERS),
        responses={200: envelope(acled.COLUMNS), **ERROR_RESPONSES},
    )
    def get(self, request):
        self.check_parameters()
        limit, page = self.limit_and_page()
        fields = self.chosen_fields()
        as_csv = self.csv_wanted()
        inter_num = (self.value("inter_num") or "0") in ("1", "true")
        caller = caller_of(request)
        visible = selectors.incidents_for_api(published_only=caller.published_only)
        queryset = self.filtered(visible).order_by("-date_start", "-id")
        queryset = acled_queryset(queryset, coarse=caller.coarsened)
        latest = visible.order_by().aggregate(latest=Max("updated_at"))["latest"]
        last_update = int(latest.timestamp()) if latest else 0
        if limit:
            queryset = queryset[(page - 1) * limit : page * limit]
        # Every row, or more than ACLED's default page: streamed at constant memory.
        streamed = limit == 0 or limit > DEFAULT_LIMIT
        incidents = queryset.iterator(chunk_size=2000) if streamed else queryset
        rows = (
            event_row(
                i,
                inter_num=inter_num,
                coarse=caller.coarsened,
                confidential=not caller.published_only,
            )
            for i in incidents
        )
        return self.answer(
            rows,
            fields,
            as_csv=as_csv,
            last_update=last_update,
            streamed=streamed,
        )

    def filtered(self, queryset: QuerySet) -> QuerySet:
        """The incidents ACLED's filters select (each a 400 naming it when malformed)."""
        queryset = queryset.annotate(
            acled_date=RawSQL(EVENT_DATE_SQL, (), output_field=DateField()),  # noqa: S611
            acled_fatalities=Coalesce(
                Subquery(
                    Claim.objects.filter(incident=OuterRef("pk"), source__publisher=acled.PUBLISHER)
                    .order_by("source__reliability", "credibility", "id")
                    .values("fatalities_best")[:1]
                ),
                F("fatalities_low"),
                F("fatalities_best"),
                0,
            ),
        )
        if names := self.alternatives("country"):
            countries = [BY_NAME.get(n.casefold()) for n in names]
            if None in countries:
                raise bad(_("country: a country name ACLED uses, such as Mali."))
            queryset = queryset.filter(country_code__in=[c.iso2 for c in countries])
        if codes := self.alternatives("iso"):
            if not all(whole(c, 3) for c in codes):
                raise bad(_("iso: give ISO 3166 numeric codes, such as 466 for Mali."))
            queryset = queryset.filter(
                country_code__in=[
                    BY_ISO_NUMERIC[int(c)].iso2 for c in codes if int(c) in BY_ISO_NUMERIC
                ]
            )
        if years := self.alternatives("year"):
            if not all(whole(y, 4) for y in years):
                raise bad(_("year: give years such as 2024."))
            queryset = queryset.annotate(acled_year=ExtractYear("acled_date")).filter(
                acled_year__in=[int(y) for y in years]
            )
        queryset = self.compared(queryset, "event_date", "acled_date", self.dates("event_date"))
        for name, labels in (
            ("event_type", acled.EVENT_TYPES),
            ("sub_event_type", acled.SUB_EVENT_TYPES),
        ):
            if wanted := self.alternatives(name):
                by_label = {label.casefold(): code for label, code in labels.items()}
                if any(w.casefold() not in by_label for w in wanted):
                    raise bad(_("%(name)s: one of ACLED's labels.") % {"name": name})
                queryset = queryset.filter(
                    **{f"{name}__in": [by_label[w.casefold()] for w in wanted]}
                )
        for name in ("actor1", "actor2"):
            queryset = self.actor_filtered(queryset, name)
        for name in ("admin1", "admin2"):
            if wanted := self.alternatives(name):
                queryset = queryset.filter(admin_named(name, wanted))
        figures = self.alternatives("fatalities")
        if not all(whole(f, 9) for f in figures):
            raise bad(_("fatalities: give whole numbers."))
        queryset = self.compared(
            queryset, "fatalities", "acled_fatalities", [int(f) for f in figures]
        )
        stamps = [datetime.fromtimestamp(s, tz=UTC) for s in self.unix("timestamp")]
        return self.compared(queryset, "timestamp", "updated_at", stamps, default=">=")

    def dates(self, name: str) -> list[date]:
        try:
            return [date.fromisoformat(v) for v in self.alternatives(name)]
        except ValueError:
            raise bad(_("%(name)s: give dates as YYYY-MM-DD.") % {"name": name}) from None

    def actor_filtered(self, queryset: QuerySet, name: str) -> QuerySet:
        """The actor in that position, by name as coded (else the registry's name); LIKE finds
        a part of it."""
        wanted = self.alternatives(name)
        operator = self.where(name, ("=", "LIKE"), "=")
        if not wanted:
            return queryset
        lookup = "icontains" if operator == "LIKE" else "iexact"
        named = Q()
        for value in wanted:
            named |= Q(**{f"name_as_coded__{lookup}": value}) | Q(
                name_as_coded="", **{f"actor__name__{lookup}": value}
            )
        participants = IncidentActor.objects.filter(
            named, incident=OuterRef("pk"), acled_position=name
        )
        return queryset.filter(Exists(participants))


def admin_named(level: str, names: list[str]) -> Q:
    """An admin area as ACLED's row names it: the record's as coded, else ours (English)."""
    as_coded = Q()
    ours = Q()
    for value in names:
        as_coded |= Q(**{f"{level}__iexact": value})
        ours |= Q(**{f"{level}__name_en__iexact": value})
    records = AcledEvent.objects.filter(incident=OuterRef("pk"))
    return Exists(records.filter(as_coded)) | (~Exists(records) & ours)


# --- Deletions


class AcledDeletedRead(AcledReadView):
    """ACLED's `/api/deleted/read`: the events that left the published set, from the
    tombstones, by the id `/api/acled/read` gave them."""

    parameters = frozenset(DELETED_PARAMETERS)
    columns = DELETED_COLUMNS
    name = "deleted-read"

    @extend_schema(
        operation_id="acled_deleted_read",
        description="ACLED-compatible deletions (docs/api.md, ACLED-compatible endpoint).",
        parameters=schema_parameters(DELETED_PARAMETERS),
        responses={200: envelope(DELETED_COLUMNS), **ERROR_RESPONSES},
    )
    def get(self, request):
        self.check_parameters()
        limit, page = self.limit_and_page()
        fields = self.chosen_fields()
        as_csv = self.csv_wanted()
        stamps = [datetime.fromtimestamp(s, tz=UTC) for s in self.unix("deleted_timestamp")]
        tombstones = IncidentTombstone.objects.order_by("-deleted_at", "-incident_id")
        latest = tombstones.order_by().aggregate(latest=Max("deleted_at"))["latest"]
        tombstones = self.compared(
            tombstones, "deleted_timestamp", "deleted_at", stamps, default=">="
        ).annotate(
            acled_id=Subquery(
                AcledEvent.objects.filter(incident_id=OuterRef("incident_id"))
                .order_by("event_id_cnty")
                .values("event_id_cnty")[:1]
            )
        )
        if limit:
            tombstones = tombstones[(page - 1) * limit : page * limit]
        rows = (
            {
                "event_id_cnty": t.acled_id or f"SIM{t.incident_id}",
                "deleted_timestamp": int(t.deleted_at.timestamp()),
            }
            for t in tombstones
        )
        return self.answer(
            rows,
            fields,
            as_csv=as_csv,
            last_update=int(latest.timestamp()) if latest else 0,
            streamed=limit == 0,
        )

"""The API's endpoints. Thin: check the query (an unknown parameter or a malformed value is a 400
naming it), ask a selector, answer 304 when the caller's copy is current, encode."""

import base64
import hashlib
import json
from datetime import date, datetime

import django_filters
import pghistory
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from actors.models import ActorKind
from incidents import selectors
from incidents.api import exports, formats, idempotency, records, write
from incidents.api.access import (
    AnonymousThrottle,
    Caller,
    PartnerKeyThrottle,
    ReadsIncidents,
    SignedInThrottle,
    caller_of,
)
from incidents.filters import IncidentFilterSet, filter_errors
from incidents.geo import geocoder
from incidents.models import Incident, OrganisationAPIKey

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 500, 1000
# Parameters every list endpoint reads besides its filters. `key` and `email`: how ACLED clients
# authenticate (the email is ignored).
# What an incident list's answer depends on besides the query (see incident_set_validators), each
# read from an index: the latest write to an incident (for Last-Modified), the latest tombstone,
# and the last history event of the incidents and of every record a row shows (participants,
# claims, sources, civilian harm, actors and their names and relations); history records every
# insert, update and delete, whichever way it is written.
CHANGE_MARKERS = """
    SELECT (SELECT max(updated_at) FROM incidents_incident),
           (SELECT max(deleted_at) FROM incidents_incidenttombstone),
           (SELECT max(pgh_id) FROM incidents_incidentevent),
           (SELECT max(pgh_id) FROM incidents_incidentactorevent),
           (SELECT max(pgh_id) FROM incidents_claimevent),
           (SELECT max(pgh_id) FROM incidents_sourceevent),
           (SELECT max(pgh_id) FROM incidents_civilianharmreportevent),
           (SELECT max(pgh_id) FROM actors_actorevent),
           (SELECT max(pgh_id) FROM actors_actoraliasevent),
           (SELECT max(pgh_id) FROM actors_actorrelationevent),
           (SELECT max(updated_at) FROM incidents_adminarea)
"""
COMMON_PARAMETERS = {"format", "cursor", "page_size", "hxl", "key", "email"}


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "incidents.api.access.APIKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`; or the query parameter `key=<key>`.",
        }


# Errors every endpoint may answer: a malformed query (400, naming the parameters), no or a bad
# key (401), a role that does not read incidents (403), over the rate (429, with Retry-After).
ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": "`detail`, or the parameters at fault with their messages",
}
ERRORS = {400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 429: ERROR_SCHEMA}


class KeyReused(exceptions.APIException):
    """422: an Idempotency-Key sent again with another request."""

    status_code = 422
    default_code = "idempotency_key_reused"


def bad_parameter(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


class ReadView(APIView):
    """What every endpoint shares: who may call (access.py), the rate limits, the formats."""

    permission_classes = [ReadsIncidents]
    throttle_classes = [PartnerKeyThrottle, SignedInThrottle, AnonymousThrottle]
    renderer_classes = formats.FORMATS
    parameters: frozenset[str] = frozenset(COMMON_PARAMETERS)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # an unknown format= is the caller's mistake, not a missing page
            raise bad_parameter("format", _("Give json, geojson or csv.")) from None

    def handle_exception(self, exc):
        # Errors are JSON in every format.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def check_parameters(self, request) -> None:
        unknown = sorted(set(request.GET) - self.parameters)
        if unknown:
            raise exceptions.ValidationError({name: [_("Unknown parameter.")] for name in unknown})

    @property
    def format(self) -> str:
        return self.request.accepted_renderer.format

    def param(self, name: str) -> str | None:
        """A query parameter's value; an empty one is not given (as for the filters)."""
        return self.request.GET.get(name) or None

    def page_size(self) -> int | None:
        value = self.param("page_size")
        if value is None:
            return None
        if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
            raise bad_parameter(
                "page_size",
                _("Give a whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE},
            )
        return int(value)

    def hxl(self) -> bool:
        value = self.param("hxl") or "0"
        if value not in ("0", "1", "true", "false"):
            raise bad_parameter("hxl", _("Give 1 or 0."))
        return value in ("1", "true")

    def conditional(
        self, latest: datetime | None, *parts: object
    ) -> tuple[str, HttpResponse | None]:
        """The ETag of this answer (from what it depends on, the query and the caller's
        visibility) and, when the caller's copy is current (If-None-Match, If-Modified-Since),
        the 304 to send instead."""
        caller = caller_of(self.request)
        key = "|".join(
            [self.request.path, self.request.GET.urlencode(), caller.visibility, self.format]
            + [str(p) for p in (latest, *parts)]
        )
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        last_modified = int(latest.timestamp()) if latest else None
        return etag, get_conditional_response(self.request, etag=etag, last_modified=last_modified)

    def incident_set_validators(self, query: "IncidentQuery"):
        """ETag and Last-Modified of a filtered set of incidents, from what can change any answer:
        the latest write to an incident (the database sets updated_at on every write), the latest
        tombstone (an incident retracted, merged or deleted), and the last history event of the
        incidents and of what their rows show (participants, claims, sources, harm, actors, their
        names and relations; admin areas' latest change). Each is read from an index in well
        under a millisecond, where the set's own latest change and size would cost a scan of every
        matching incident; a change anywhere renews every ETag (answers are then read afresh:
        correct, only less often a 304)."""
        with connection.cursor() as cursor:
            cursor.execute(CHANGE_MARKERS)
            latest_write, gone, *markers = cursor.fetchone()
        latest = max((t for t in (latest_write, gone) if t), default=None)
        etag, not_modified = self.conditional(latest, *markers)
        return etag, latest, not_modified

    def small_list(self, rows: list[dict], columns: tuple[tuple[str, str], ...], hxl: bool):
        """A short list (reference data) in JSON or CSV, whole; its ETag is its content's."""
        if self.format == "csv":
            body = "".join(formats.csv_lines(rows, columns, hxl=hxl))
            content_type = "text/csv; charset=utf-8"
        else:
            body = json.dumps(
                {"next": None, "results": rows}, ensure_ascii=False, cls=DjangoJSONEncoder
            )
            content_type = "application/json"
        etag, not_modified = self.conditional(None, hashlib.sha256(body.encode()).hexdigest())
        if not_modified is not None:
            return self.validators(not_modified, etag, None)
        return self.validators(HttpResponse(body, content_type=content_type), etag, None)

    def validators(self, response, etag: str, latest: datetime | None):
        response["ETag"] = etag
        if latest is not None:
            response["Last-Modified"] = http_date(latest.timestamp())
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Accept, Authorization, Cookie, Accept-Language"
        return response


# --- Cursors: the last row's sort key, so that the next page starts after it however the set
# changes meanwhile (keyset pagination; no offset, no count).


def encode_cursor(ordering: str, values: list) -> str:
    raw = json.dumps({"o": ordering, "k": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str, ordering: str, fields: tuple[str, ...]) -> list:
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        if data["o"] != ordering or len(data["k"]) != len(fields):
            raise ValueError
        return [_key_value(field, v) for field, v in zip(fields, data["k"], strict=True)]
    except (ValueError, KeyError, TypeError):
        raise bad_parameter(
            "cursor", _("Not a cursor of this ordering: use the next link as given.")
        ) from None


def _key_value(field: str, value):
    name = field.lstrip("-")
    if name in ("date_start",):
        return date.fromisoformat(value)
    if name in ("updated_at", "deleted_at"):
        return datetime.fromisoformat(value)
    if isinstance(value, int):
        return value
    raise ValueError(value)


def after(queryset: QuerySet, fields: tuple[str, ...], values: list) -> QuerySet:
    """The rows after `values` in the order of `fields` (lexicographic, each ascending or -)."""
    condition, equal = Q(), Q()
    for field, value in zip(fields, values, strict=True):
        name = field.lstrip("-")
        condition |= equal & Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        equal &= Q(**{name: value})
    return queryset.filter(condition)


def next_link(request, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# --- Incidents


def filter_parameters() -> list[OpenApiParameter]:
    """The FilterSet's filters as documented query parameters."""
    types = {
        django_filters.IsoDateTimeFilter: OpenApiTypes.DATETIME,
        django_filters.DateFilter: OpenApiTypes.DATE,
        django_filters.NumberFilter: {"type": "integer", "minimum": 0},
        django_filters.BooleanFilter: OpenApiTypes.BOOL,
    }
    found = []
    for name, spec in IncidentFilterSet.base_filters.items():
        choices = getattr(spec, "extra", {}).get("choices")
        enum = [value for value, _ in choices] if choices and not callable(choices) else None
        found.append(
            OpenApiParameter(
                name,
                types.get(type(spec), OpenApiTypes.STR),
                description=str(spec.label or name),
                enum=enum,
                many=name in ("event_type", "sub_event_type", "geo_precision", "actor_kind"),
            )
        )
    return found


FORMAT_PARAMETERS = [
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "geojson", "csv"]),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="the `next` link's cursor"),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"rows per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}); "
        "GeoJSON and CSV are one full download unless it is given",
    ),
    OpenApiParameter(
        "hxl", OpenApiTypes.STR, enum=["0", "1", "true", "false"], description="CSV: a HXL row"
    ),
    OpenApiParameter("key", OpenApiTypes.STR, description="the API key (or the header)"),
    OpenApiParameter("email", OpenApiTypes.STR, description="accepted and ignored (ACLED)"),
]

_TYPES = {"integer": "integer", "number": "number", "string": "string", "boolean": "boolean"}


def record_schema() -> dict:
    properties = {}
    for column in records.COLUMNS:
        if column.type == "array":
            schema = {
                "type": "array",
                "items": {"type": "object" if column.name == "actors" else "string"},
            }
        else:
            schema = {"type": _TYPES[column.type]}
        if column.nullable:
            schema["nullable"] = True
        if column.description:
            schema["description"] = column.description
        properties[column.name] = schema
    return {"type": "object", "properties": properties}


PAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "next": {"type": "string", "nullable": True, "description": "the next page, or null"},
        "results": {"type": "array", "items": record_schema()},
    },
}


class IncidentQuery:
    """The incidents one request asks for: the caller's visibility, the filters checked."""

    def __init__(self, view: ReadView, request):
        view.check_parameters(request)
        self.caller: Caller = caller_of(request)
        self.shape = records.Shape(
            coarse=self.caller.coarsened, confidential=not self.caller.published_only
        )
        self.filterset = IncidentFilterSet(
            request.GET,
            queryset=selectors.incidents_for_api(published_only=self.caller.published_only),
        )
        if not self.filterset.is_valid():
            raise exceptions.ValidationError(filter_errors(self.filterset))
        self.ordering = request.GET.get("ordering") or "-date_start"
        self.fields = self.filterset.ordering_fields
        self.queryset = self.filterset.qs.order_by(*self.fields)
        self.count: int | None = None  # known once the validators are computed


class IncidentList(ReadView):
    """Incidents matching the filters: JSON pages (cursor), or a GeoJSON or CSV download (in the
    background above API_EXPORT_BACKGROUND_ROWS); POST creates a draft (write.py)."""

    parameters = frozenset(COMMON_PARAMETERS | set(IncidentFilterSet.base_filters))
    parser_classes = [JSONParser]

    def get_permissions(self):
        if self.request.method == "POST":
            return [write.WritesIncidents()]
        return super().get_permissions()

    @extend_schema(
        operation_id="incidents_list",
        parameters=[*filter_parameters(), *FORMAT_PARAMETERS],
        responses={200: PAGE_SCHEMA, 304: None, **ERRORS},
        description="Incidents matching the filters (the map's and the list's). JSON in pages "
        "(follow `next`); GeoJSON and CSV as a full download, or in pages with `page_size`.",
    )
    def get(self, request):
        query = IncidentQuery(self, request)
        size = self.page_size()
        hxl = self.hxl()
        cursor = self.param("cursor")
        etag, latest, not_modified = self.incident_set_validators(query)
        if not_modified is not None:
            return self.validators(not_modified, etag, latest)
        if self.format != "json" and size is None and cursor is None:
            query.count = query.queryset.order_by().count()
            if query.count > settings.API_EXPORT_BACKGROUND_ROWS:
                return self.background_download(query, hxl, etag)
            response = self.download(query, hxl)
        else:
            response = self.page(query, size or DEFAULT_PAGE_SIZE, cursor, hxl)
        return self.validators(response, etag, latest)

    def page(self, query: IncidentQuery, size: int, cursor: str | None, hxl: bool):
        queryset = query.queryset
        if cursor:
            queryset = after(
                queryset, query.fields, decode_cursor(cursor, query.ordering, query.fields)
            )
        queryset = queryset[: size + 1]
        if self.format == "geojson":
            rows = records.feature_rows(queryset, query.fields, query.shape)
        else:
            rows = records.record_rows(queryset, query.fields, query.shape)
        following = None
        if len(rows) > size:
            rows = rows[:size]
            last = json.loads(rows[-1])
            last = last.get("properties", last)
            following = next_link(
                self.request,
                encode_cursor(query.ordering, [last[f.lstrip("-")] for f in query.fields]),
            )
        if self.format == "geojson":
            body = formats.feature_collection_bytes(rows, next=following)
            response = HttpResponse(body, content_type="application/geo+json")
        elif self.format == "csv":
            response = HttpResponse(
                "".join(formats.incident_csv_lines(rows, hxl=hxl)),
                content_type="text/csv; charset=utf-8",
            )
        else:
            body = b'{"next":%s,"results":[%s]}' % (json.dumps(following).encode(), b",".join(rows))
            response = HttpResponse(body, content_type="application/json")
        if following:
            response["Link"] = f'<{following}>; rel="next"'
        return response

    def background_download(self, query: IncidentQuery, hxl: bool, etag: str):
        """202 and the job's URL: the file is written by a Celery task (exports.py)."""
        job = exports.export_start(
            self.request,
            fmt=self.format,
            hxl=hxl,
            published_only=query.caller.published_only,
            coarse=query.caller.coarsened,
            rows=query.count,
            version=etag,
        )
        url = self.request.build_absolute_uri(reverse("api:export", args=[job.token]))
        download = self.request.build_absolute_uri(reverse("api:export-download", args=[job.token]))
        body = {"job": url, **exports.job_status(job, download)}
        response = HttpResponse(json.dumps(body), status=202, content_type="application/json")
        response["Location"] = url
        response["Retry-After"] = "10"
        return response

    @extend_schema(
        operation_id="incidents_create",
        request=write.IncidentDraftIn,
        parameters=[
            *[p for p in FORMAT_PARAMETERS if p.name in ("key", "email")],
            OpenApiParameter(
                idempotency.HEADER,
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": idempotency.MAX_LENGTH,
                    "pattern": "^[!-~]+$",
                },
                OpenApiParameter.HEADER,
                description="Optional; a new value (a UUID) per new incident. A retry with the "
                "same value and the same body gets the first answer again (and "
                "`Idempotent-Replayed: true`) and makes no second draft, for "
                f"{settings.API_IDEMPOTENCY_KEEP_HOURS} hours; the same value with another "
                "body is a 422.",
            ),
        ],
        responses={201: record_schema(), 422: ERROR_SCHEMA, **ERRORS},
        description="A trusted system (a key with the `write` scope, or an editor signed in) "
        "creates a **draft** incident with its participants and claims (each with its source), "
        "checked by the same rules as the site's forms. All or nothing: any error is a 400 "
        "naming each field at its place in the body, and nothing is saved. Drafts are not "
        "shown to partners: an editor reviews and publishes them. Send an `Idempotency-Key` "
        "to retry safely.",
    )
    def post(self, request):
        try:
            key = idempotency.idempotency_key_of(request)
        except idempotency.IdempotencyKeyInvalid as invalid:
            raise bad_parameter(idempotency.HEADER, str(invalid)) from None
        if key is None:
            return self.draft_create(request)
        sender = idempotency.sender_of(request)
        fingerprint = idempotency.request_fingerprint(request, request.data)
        with transaction.atomic():
            try:
                replay = idempotency.idempotent_request_claim(sender, key, fingerprint)
            except idempotency.IdempotencyKeyReused as reused:
                raise KeyReused({idempotency.HEADER: [str(reused)]}) from None
            if replay is not None:
                response = HttpResponse(
                    replay.body, status=replay.status, content_type="application/json"
                )
                response["Idempotent-Replayed"] = "true"
                return response
            # A 400 raises: the claim is rolled back with the rest, and the key is free again.
            response = self.draft_create(request)
            idempotency.idempotent_request_answer(
                sender, key, response.status_code, response.content.decode()
            )
        return response

    def draft_create(self, request):
        body = write.IncidentDraftIn(data=request.data)
        if not body.is_valid():
            raise exceptions.ValidationError(body.errors)
        context = {}
        if isinstance(request.auth, OrganisationAPIKey):
            context = {"api_organisation": request.auth.organisation.name}
            context["api_key"] = request.auth.prefix
        with pghistory.context(**context):
            try:
                incident = write.incident_draft_create(
                    body.validated_data, user=write.writer_of(request)
                )
            except write.DraftInvalid as invalid:
                raise exceptions.ValidationError(invalid.errors) from None
        shape = records.Shape(coarse=caller_of(request).coarsened)
        record = records.record_rows(Incident.objects.filter(pk=incident.pk), ("id",), shape)[0]
        return HttpResponse(record, status=201, content_type="application/json")

    def download(self, query: IncidentQuery, hxl: bool):
        if self.format == "geojson":
            rows = records.stream_rows(query.queryset, query.fields, query.shape, geojson=True)
            response = StreamingHttpResponse(
                formats.feature_collection(rows), content_type="application/geo+json"
            )
            name = "incidents.geojson"
        else:
            blocks = records.csv_copy_blocks(query.queryset, query.fields, query.shape)
            response = StreamingHttpResponse(
                formats.incident_csv_download(blocks, hxl=hxl),
                content_type="text/csv; charset=utf-8",
            )
            name = "incidents.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class IncidentDetail(ReadView):
    """One incident's record, in any format."""

    parameters = frozenset({"format", "hxl", "key", "email"})

    @extend_schema(
        operation_id="incidents_retrieve",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            *[p for p in FORMAT_PARAMETERS if p.name in ("format", "hxl", "key", "email")],
        ],
        responses={200: record_schema(), 304: None, 404: ERROR_SCHEMA, **ERRORS},
    )
    def get(self, request, pk: int):
        self.check_parameters(request)
        hxl = self.hxl()
        caller = caller_of(request)
        queryset = selectors.incidents_for_api(published_only=caller.published_only).filter(pk=pk)
        latest = queryset.values_list("updated_at", flat=True).first()
        if latest is None:
            raise exceptions.NotFound(_("No such incident."))
        etag, not_modified = self.conditional(latest)
        if not_modified is not None:
            return self.validators(not_modified, etag, latest)
        shape = records.Shape(coarse=caller.coarsened, confidential=not caller.published_only)
        if self.format == "geojson":
            body = records.feature_rows(queryset, ("id",), shape)[0]
            response = HttpResponse(body, content_type="application/geo+json")
        elif self.format == "csv":
            rows = records.record_rows(queryset, ("id",), shape)
            response = HttpResponse(
                "".join(formats.incident_csv_lines(rows, hxl=hxl)),
                content_type="text/csv; charset=utf-8",
            )
        else:
            body = records.record_rows(queryset, ("id",), shape)[0]
            response = HttpResponse(body, content_type="application/json")
        return self.validators(response, etag, latest)


# --- Large downloads prepared in the background (exports.py)

EXPORT_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["pending", "running", "ready", "failed"]},
        "format": {"type": "string", "enum": ["csv", "geojson"]},
        "rows_expected": {"type": "integer"},
        "rows": {"type": "integer", "nullable": True},
        "bytes": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
        "expires_at": {"type": "string", "format": "date-time"},
        "download": {"type": "string", "nullable": True, "description": "when ready"},
        "error": {"type": "string", "nullable": True},
    },
}
TOKEN_PARAMETER = OpenApiParameter(
    "token", {"type": "string", "pattern": exports.TOKEN.pattern}, OpenApiParameter.PATH
)


class ExportView(ReadView):
    """A background download's job: only its maker (the same organisation, or the same
    signed-in user) finds it; anyone else gets 404, as for a job that does not exist."""

    parameters = frozenset({"key", "email"})
    renderer_classes = [formats.JSONFormat]

    def job(self, request, token: str) -> exports.ExportJob:
        self.check_parameters(request)
        job = None
        if exports.TOKEN.fullmatch(token):
            job = exports.export_job(token, exports.owner_of(request))
        if job is None:
            raise exceptions.NotFound(_("No such export, or it has expired."))
        return job


class ExportStatus(ExportView):
    @extend_schema(
        operation_id="exports_retrieve",
        parameters=[TOKEN_PARAMETER, *[p for p in FORMAT_PARAMETERS if p.name in ("key", "email")]],
        responses={200: EXPORT_SCHEMA, 404: ERROR_SCHEMA, **ERRORS},
        description="A large CSV or GeoJSON download being prepared: its status and, when "
        "`ready`, the `download` link.",
    )
    def get(self, request, token: str):
        job = self.job(request, token)
        download = request.build_absolute_uri(reverse("api:export-download", args=[token]))
        response = HttpResponse(
            json.dumps(exports.job_status(job, download)), content_type="application/json"
        )
        response["Cache-Control"] = "private, no-store"
        if job.status in (exports.PENDING, exports.RUNNING):
            response["Retry-After"] = "10"
        return response


class ExportDownload(ExportView):
    renderer_classes = [formats.JSONFormat, formats.CSVFormat, formats.GeoJSONFormat]

    def perform_content_negotiation(self, request, force=False):
        return formats.JSONFormat(), formats.JSONFormat.media_type  # the file says what it is

    @extend_schema(
        operation_id="exports_download",
        parameters=[TOKEN_PARAMETER, *[p for p in FORMAT_PARAMETERS if p.name in ("key", "email")]],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
            404: ERROR_SCHEMA,
            **ERRORS,
        },
        description="The prepared file, once the job is `ready` (404 before, and after it "
        "expires).",
    )
    def get(self, request, token: str):
        job = self.job(request, token)
        if job.status != exports.READY or not job.path.exists():
            raise exceptions.NotFound(_("This export is not ready: ask its job URL."))
        response = FileResponse(
            job.path.open("rb"),
            as_attachment=True,
            filename=job.filename,
            content_type=exports.CONTENT_TYPE[job.format],
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- Tombstones

TOMBSTONE_COLUMNS = (
    ("incident_id", "#event+id"),
    ("reason", "#status+reason"),
    ("deleted_at", "#date+deleted"),
    ("merged_into", "#event+id+merged_into"),
)
TOMBSTONE_FIELDS = ("deleted_at", "incident_id")


class DeletedList(ReadView):
    """Incidents that left the published set since a time: drop them from your copy."""

    parameters = frozenset(COMMON_PARAMETERS | {"deleted_since"})
    renderer_classes = [formats.JSONFormat, formats.CSVFormat]

    @extend_schema(
        operation_id="deleted_list",
        parameters=[
            OpenApiParameter(
                "deleted_since",
                OpenApiTypes.DATETIME,
                description="only those that left at or after this time (ISO 8601)",
            ),
            *[p for p in FORMAT_PARAMETERS if p.name != "format"],
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={
            **ERRORS,
            200: {
                "type": "object",
                "properties": {
                    "next": {"type": "string", "nullable": True},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "incident_id": {"type": "integer"},
                                "reason": {
                                    "type": "string",
                                    "enum": ["retracted", "withdrawn", "deleted", "merged"],
                                },
                                "deleted_at": {"type": "string", "format": "date-time"},
                                "merged_into": {"type": "integer", "nullable": True},
                            },
                        },
                    },
                },
            },
            304: None,
        },
    )
    def get(self, request):
        self.check_parameters(request)
        since = self.since()
        size = self.page_size() or DEFAULT_PAGE_SIZE
        hxl = self.hxl()
        tombstones = selectors.tombstones_since(since)
        figures = tombstones.order_by().aggregate(latest=Max("deleted_at"), count=Count("id"))
        etag, not_modified = self.conditional(figures["latest"], figures["count"])
        if not_modified is not None:
            return self.validators(not_modified, etag, figures["latest"])
        cursor = self.param("cursor")
        if cursor:
            values = decode_cursor(cursor, "deleted_at", TOMBSTONE_FIELDS)
            tombstones = after(tombstones, TOMBSTONE_FIELDS, values)
        rows = [
            {
                "incident_id": t.incident_id,
                "reason": t.reason,
                "deleted_at": t.deleted_at.isoformat(),
                "merged_into": t.merged_into_id,
            }
            for t in tombstones[: size + 1]
        ]
        following = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            following = next_link(
                request, encode_cursor("deleted_at", [last["deleted_at"], last["incident_id"]])
            )
        if self.format == "csv":
            response = HttpResponse(
                "".join(formats.csv_lines(rows, TOMBSTONE_COLUMNS, hxl=hxl)),
                content_type="text/csv; charset=utf-8",
            )
        else:
            response = HttpResponse(
                json.dumps({"next": following, "results": rows}), content_type="application/json"
            )
        if following:
            response["Link"] = f'<{following}>; rel="next"'
        return self.validators(response, etag, figures["latest"])

    def since(self) -> datetime | None:
        value = self.param("deleted_since")
        if value is None:
            return None
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise bad_parameter(
                "deleted_since", _("Give a date and time in ISO 8601 (2025-01-31T12:00:00Z).")
            )
        if parsed.tzinfo is None:
            parsed = timezone.make_aware(parsed)
        return parsed


# --- Statistics of any filtered set

GROUPINGS = ("month", "event_type", "actor", "country", "admin1", "admin2")
STAT_COLUMNS = (
    ("key", "#meta+key"),
    ("label", "#meta+label"),
    ("incidents", "#meta+incidents"),
    ("fatalities_low", "#affected+killed+low"),
    ("fatalities_best", "#affected+killed+best"),
    ("fatalities_high", "#affected+killed+high"),
    ("killed_civilians_best", "#affected+killed+civilians+best"),
    ("fatalities_unknown", "#meta+fatalities_unknown"),
)


class IncidentStats(ReadView):
    """Counts and fatalities of the incidents the filters select, grouped by month, event type,
    actor, country or admin area."""

    parameters = frozenset(COMMON_PARAMETERS | set(IncidentFilterSet.base_filters) | {"group_by"})
    renderer_classes = [formats.JSONFormat, formats.CSVFormat]

    @extend_schema(
        operation_id="stats_retrieve",
        parameters=[
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(GROUPINGS), required=True),
            *filter_parameters(),
            *[p for p in FORMAT_PARAMETERS if p.name in ("hxl", "key", "email")],
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={
            **ERRORS,
            200: {
                "type": "object",
                "properties": {
                    "group_by": {"type": "string"},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                name: (
                                    {"type": "string"}
                                    if name in ("key", "label")
                                    else {"type": "integer", "nullable": True}
                                )
                                for name, _ in STAT_COLUMNS
                            },
                        },
                    },
                },
            },
            304: None,
        },
        description="Sums count known figures only; `fatalities_unknown` says how many "
        "incidents have no best estimate. By actor, an incident counts for each actor in it.",
    )
    def get(self, request):
        query = IncidentQuery(self, request)
        group_by = self.param("group_by")
        if group_by not in GROUPINGS:
            raise bad_parameter(
                "group_by", _("Give one of: %(names)s.") % {"names": ", ".join(GROUPINGS)}
            )
        hxl = self.hxl()
        etag, latest, not_modified = self.incident_set_validators(query)
        if not_modified is not None:
            return self.validators(not_modified, etag, latest)
        rows = selectors.incident_stats(query.queryset.order_by(), group_by)
        if self.format == "csv":
            response = HttpResponse(
                "".join(formats.csv_lines(rows, STAT_COLUMNS, hxl=hxl)),
                content_type="text/csv; charset=utf-8",
            )
        else:
            response = HttpResponse(
                json.dumps({"group_by": group_by, "results": rows}, ensure_ascii=False),
                content_type="application/json",
            )
        return self.validators(response, etag, latest)


# --- Reference lists: actors and admin areas

ACTOR_COLUMNS = (
    ("id", "#org+id"),
    ("slug", "#org+code"),
    ("name", "#org+name"),
    ("name_fr", "#org+name+i_fr"),
    ("acronym", "#org+acronym"),
    ("kind", "#org+type"),
    ("acled_inter", "#org+type+acled"),
    ("countries", "#country+code"),
    ("active_from", "#date+start"),
    ("active_until", "#date+end"),
    ("fighting_party", "#meta+fighting_party"),
    ("aliases", "#org+name+alt"),
    ("relations", "#org+relations"),
)


class ActorList(ReadView):
    """The actor catalogue: names and aliases, kind, ACLED actor type, active period and
    relations (member of, renamed to...)."""

    parameters = frozenset({"format", "hxl", "key", "email", "kind", "country"})
    renderer_classes = [formats.JSONFormat, formats.CSVFormat]

    @extend_schema(
        operation_id="actors_list",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO alpha-2"),
            *[p for p in FORMAT_PARAMETERS if p.name in ("hxl", "key", "email")],
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={200: OpenApiTypes.OBJECT, 304: None, **ERRORS},
    )
    def get(self, request):
        self.check_parameters(request)
        hxl = self.hxl()
        kind, country = self.param("kind"), self.param("country")
        if kind is not None and kind not in ActorKind.values:
            raise bad_parameter(
                "kind", _("Give one of: %(names)s.") % {"names": ", ".join(ActorKind.values)}
            )
        if country is not None and not (len(country) == 2 and country.isalpha()):
            raise bad_parameter("country", _("Give an ISO alpha-2 country code (ML)."))
        rows = selectors.actors_for_api(kind=kind, country=country.upper() if country else None)
        if self.format == "csv":
            for row in rows:
                row["relations"] = "; ".join(f"{r['type']} {r['target']}" for r in row["relations"])
        return self.small_list(rows, ACTOR_COLUMNS, hxl)


AREA_COLUMNS = (
    ("id", "#meta+id"),
    ("level", "#meta+level"),
    ("country_code", "#country+code"),
    ("code", "#adm+code"),
    ("name_en", "#adm+name+i_en"),
    ("name_fr", "#adm+name+i_fr"),
    ("parent_id", "#meta+parent"),
)


class AdminAreaList(ReadView):
    """Countries, admin1 and admin2 areas: the ids the `admin1` and `admin2` filters take."""

    parameters = frozenset({"format", "hxl", "key", "email", "level", "country"})
    renderer_classes = [formats.JSONFormat, formats.CSVFormat]

    @extend_schema(
        operation_id="admin_areas_list",
        parameters=[
            OpenApiParameter("level", OpenApiTypes.INT, enum=[0, 1, 2]),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO alpha-2"),
            *[p for p in FORMAT_PARAMETERS if p.name in ("hxl", "key", "email")],
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={200: OpenApiTypes.OBJECT, 304: None, **ERRORS},
    )
    def get(self, request):
        self.check_parameters(request)
        hxl = self.hxl()
        level, country = self.param("level"), self.param("country")
        if level is not None and level not in ("0", "1", "2"):
            raise bad_parameter("level", _("Give 0, 1 or 2."))
        if country is not None and not (len(country) == 2 and country.isalpha()):
            raise bad_parameter("country", _("Give an ISO alpha-2 country code (ML)."))
        rows = selectors.admin_areas_for_api(
            level=int(level) if level else None, country=country.upper() if country else None
        )
        return self.small_list(rows, AREA_COLUMNS, hxl)


# --- Sources and civilian harm of the caller's incidents


class RecordsOfIncidents(ReadView):
    """Records hanging on the incidents the caller sees, a page at a time by id (JSON or CSV);
    `incident` narrows to one incident."""

    parameters = frozenset({"format", "hxl", "key", "email", "cursor", "page_size", "incident"})
    renderer_classes = [formats.JSONFormat, formats.CSVFormat]
    columns: tuple[tuple[str, str], ...] = ()

    def rows(self, incidents, *, personal: bool, after_id: int, limit: int) -> list[dict]:
        raise NotImplementedError

    def csv_row(self, row: dict) -> dict:
        return row

    def get(self, request):
        self.check_parameters(request)
        hxl = self.hxl()
        size = self.page_size() or DEFAULT_PAGE_SIZE
        caller = caller_of(request)
        incidents = selectors.incidents_for_api(published_only=caller.published_only)
        incident = self.param("incident")
        if incident is not None:
            if not incident.isdigit():
                raise bad_parameter("incident", _("Give an incident id."))
            incidents = incidents.filter(pk=int(incident))
        cursor = self.param("cursor")
        after_id = decode_cursor(cursor, "id", ("id",))[0] if cursor else 0
        rows = self.rows(incidents, personal=caller.personal, after_id=after_id, limit=size + 1)
        following = None
        if len(rows) > size:
            rows = rows[:size]
            following = next_link(request, encode_cursor("id", [rows[-1]["id"]]))
        if self.format == "csv":
            body = "".join(
                formats.csv_lines([self.csv_row(r) for r in rows], self.columns, hxl=hxl)
            )
            content_type = "text/csv; charset=utf-8"
        else:
            body = json.dumps(
                {"next": following, "results": rows}, ensure_ascii=False, cls=DjangoJSONEncoder
            )
            content_type = "application/json"
        etag, not_modified = self.conditional(None, hashlib.sha256(body.encode()).hexdigest())
        if not_modified is not None:
            return self.validators(not_modified, etag, None)
        response = HttpResponse(body, content_type=content_type)
        if following:
            response["Link"] = f'<{following}>; rel="next"'
        return self.validators(response, etag, None)


RECORD_PARAMETERS = [
    OpenApiParameter("incident", OpenApiTypes.INT, description="only this incident's"),
    *[p for p in FORMAT_PARAMETERS if p.name != "format"],
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
]


class SourceList(RecordsOfIncidents):
    """Sources cited by the claims on the incidents you see, with those incidents' ids and the
    source's Admiralty reliability grade. Witness identities only for editors."""

    columns = (
        ("id", "#meta+source+id"),
        ("kind", "#meta+source+type"),
        ("publisher", "#org+source"),
        ("title", "#meta+source+title"),
        ("url", "#meta+source+url"),
        ("language", "#language+code"),
        ("published_on", "#date+published"),
        ("published_on_precision", "#meta+date_precision"),
        ("reliability", "#meta+reliability"),
        ("incidents", "#event+id"),
        ("updated_at", "#date+updated"),
    )

    @extend_schema(
        operation_id="sources_list",
        parameters=RECORD_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 304: None, **ERRORS},
    )
    def get(self, request):
        return super().get(request)

    def rows(self, incidents, *, personal, after_id, limit):
        return selectors.sources_for_api(
            incidents, personal=personal, after_id=after_id, limit=limit
        )


class HarmAssessmentList(RecordsOfIncidents):
    """Civilian-harm assessments (Airwars' grading) of the incidents you see, with their
    victims; victims' names, injuries and notes only for editors."""

    columns = (
        ("id", "#meta+id"),
        ("incident_id", "#event+id"),
        ("source_id", "#meta+source+id"),
        ("assessor", "#org+assessor"),
        ("assessed_on", "#date+assessed"),
        ("grade", "#severity+grade"),
        *[(name, "#affected+" + name.replace("_", "+", 1)) for name in selectors.HARM_COUNTS],
        ("killed_max", "#affected+killed+max"),
        ("injured_max", "#affected+injured+max"),
        ("objects_hit", "#impact+objects"),
        ("alleged_perpetrator_slug", "#org+perpetrator"),
        ("means", "#cause+means"),
        ("drone_type", "#cause+drone"),
        ("strikes", "#meta+strikes"),
        ("victims", "#affected+records"),
        ("assessment", "#description"),
        ("updated_at", "#date+updated"),
    )

    @extend_schema(
        operation_id="civilian_harm_list",
        parameters=RECORD_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 304: None, **ERRORS},
    )
    def get(self, request):
        return super().get(request)

    def rows(self, incidents, *, personal, after_id, limit):
        return selectors.harm_assessments_for_api(
            incidents, personal=personal, after_id=after_id, limit=limit
        )

    def csv_row(self, row: dict) -> dict:
        # Victims in a cell: how many, by status.
        statuses: dict[str, int] = {}
        for victim in row["victims"]:
            statuses[victim["status"]] = statuses.get(victim["status"], 0) + 1
        victims = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        return {**row, "victims": victims}


# --- Geocoding


class Geocode(ReadView):
    """The geocoder over the gazetteer (incidents/geo/geocoder.py): `q` is a place name or
    expression ("near Boni", "between Gao and Ansongo", "cercle de Douentza"); `context` names
    other places or areas of the same report (repeat it), `country` restricts (repeat it).
    Answers the resolved point with its precision in both conventions, `unsure` with a reason
    when a person should check, and the ranked gazetteer matches of `q` (a type-ahead's list)."""

    parameters = frozenset({"format", "key", "email", "q", "context", "country", "limit"})
    renderer_classes = [formats.JSONFormat]

    @extend_schema(
        operation_id="geocode",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description="place expression"),
            OpenApiParameter("context", OpenApiTypes.STR, many=True),
            OpenApiParameter("country", OpenApiTypes.STR, many=True, description="ISO alpha-2"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="matches listed (1–50)"),
            *[p for p in FORMAT_PARAMETERS if p.name in ("key", "email")],
        ],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request):
        self.check_parameters(request)
        query = (self.param("q") or "").strip()
        if not query:
            raise bad_parameter("q", _("Give a place name or expression."))
        limit = self.param("limit") or "10"
        if not limit.isdigit() or not 1 <= int(limit) <= geocoder.SEARCH_LIMIT:
            raise bad_parameter(
                "limit",
                _("Give a whole number from 1 to %(max)d.") % {"max": geocoder.SEARCH_LIMIT},
            )
        countries = [c.strip().upper() for c in request.GET.getlist("country") if c] or None
        if countries and not set(countries) <= set(geocoder.COUNTRIES):
            raise bad_parameter("country", _("Give ML, BF or NE."))
        context = [c for c in request.GET.getlist("context") if c.strip()] or None
        try:
            result = geocoder.geocode(query, context=context, countries=countries)
            matches = geocoder.place_search(query, countries=countries, limit=int(limit))
        except ValueError as error:
            raise bad_parameter("q", str(error)) from None
        return HttpResponse(
            json.dumps(
                {"result": result.as_dict(), "matches": [m.as_dict() for m in matches]},
                cls=DjangoJSONEncoder,
            ),
            content_type="application/json",
        )

"""Pages and map data. Thin: parse input, call a selector, encode, render."""

import hashlib
import json
from functools import wraps

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import etag, require_GET

from actors.selectors import actor_groups_fingerprint
from incidents import charts, mapdata, overview, selectors
from incidents import history as incident_history_module
from incidents import operations as incident_operations
from incidents.filters import IncidentFilterSet, filter_errors, parse_bbox
from incidents.geo import selectors as geo_selectors
from incidents.models import Incident

view_incidents = permission_required("incidents.view_incident", raise_exception=True)


def json_response(data) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        content_type="application/json",
    )


@require_GET
@login_required
@view_incidents
def map_page(request):
    return render(request, "incidents/map.html", selectors.filter_options())


SORTS = {
    "date": ("-date_start", "-id"),
    "-date": ("date_start", "id"),
    "fatalities": ("-fatalities_best", "-date_start"),
    "title": ("title", "-date_start"),
    "place": ("location_name", "-date_start"),
}


@require_GET
@login_required
@view_incidents
def incident_list(request):
    """The incidents the filters select (the map's FilterSet), sortable, a page at a time."""
    filterset = IncidentFilterSet(
        request.GET, queryset=selectors.incidents_visible_to(request.user)
    )
    errors = {} if filterset.is_valid() else filter_errors(filterset)
    sort = request.GET.get("sort", "date")
    if sort not in SORTS:
        errors["sort"] = [_("sort by date, -date, fatalities, title or place")]
    page = None
    if not errors:
        queryset = selectors.incidents_for_list(filterset.qs).order_by(*SORTS[sort])
        page = Paginator(queryset, 50, allow_empty_first_page=True).get_page(
            request.GET.get("page")
        )
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "incidents/incident_list.html",
        {
            **selectors.filter_options(),
            "page": page,
            "errors": errors,
            "sort": sort,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "map_query": query.urlencode(),
            # Filters the form does not show (an actor, an area, the map's viewport...) stay.
            "kept": [
                (name, value)
                for name, values in query.lists()
                if name not in LIST_FORM_FIELDS
                for value in values
            ],
        },
        status=400 if errors else 200,
    )


# The list's filter form shows these; any other parameter in the URL is kept as it is.
LIST_FORM_FIELDS = ("date_from", "date_to", "event_type", "country", "q")


# The overview's filter form shows these; any other filter in the URL is kept as it is.
OVERVIEW_FORM_FIELDS = ("date_from", "date_to", "event_type", "country", "actor", "actor_members")
NOT_FILTERS = ("page", "sort")


@require_GET
@login_required
@view_incidents
def overview_page(request):
    """What a monitor reads at a glance, for the list's filters over a period of months:
    incidents, fatalities and civilians killed per month, the most active actors, and the admin
    areas whose incidents changed most in the last month."""
    query = overview.OverviewQuery(request.user, request.GET)
    params = request.GET.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    options = selectors.filter_options()
    context = {
        **options,
        "errors": query.errors,
        "chosen_event_types": params.getlist("event_type"),
        "filters_in_use": len([name for name, values in params.lists() if any(values)]),
        # A value the form's lists do not offer (several countries, an actor's id) stays chosen.
        "unlisted_country": params.get("country", "")
        not in {"", *(code for code, _name in options["countries"])},
        "unlisted_actor": params.get("actor", "")
        not in {"", *(actor["slug"] for actor in options["actors"])},
        "kept": [
            (name, value)
            for name, values in params.lists()
            if name not in OVERVIEW_FORM_FIELDS
            for value in values
        ],
        "list_query": params.urlencode(),
    }
    if not query.errors:
        figures = overview.overview_figures(query)
        period = query.period
        # The list (and the map) of the incidents counted, of those behind an actor's row (in
        # the period), and of those behind an area's row (in its month).
        dates = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
        first, last = period.this_month
        month = {"date_from": first.isoformat(), "date_to": last.isoformat()}
        context.update(
            period=period,
            figures=figures,
            charts=charts.monthly_charts(figures.months),
            actor_ranking=figures.actors,
            actors_by_incidents=charts.with_bars(figures.actors.by_incidents, "incidents"),
            actors_by_fatalities=charts.with_bars(figures.actors.by_fatalities, "fatalities"),
            areas=[
                (
                    changes.level,
                    charts.with_bars(changes.risers, "change"),
                    charts.with_bars(changes.fallers, "change"),
                )
                for changes in figures.areas
            ],
            list_query=_query(params, **dates),
            actor_query=_query(params, drop=("actor", "actor_members"), **dates),
            area_query=_query(params, drop=("admin1", "admin2"), **month),
        )
    return render(request, "incidents/overview.html", context, status=400 if query.errors else 200)


def _query(params, *, drop: tuple[str, ...] = (), **values: str) -> str:
    """The query string of `params` without the parameters `drop`, with `values` set."""
    query = params.copy()
    for name in drop:
        query.pop(name, None)
    for name, value in values.items():
        query[name] = value
    return query.urlencode()


class MapRequest:
    """A map data request: the filters (IncidentFilterSet) validated, the incidents the user may
    see that match them, and whether the user sees published incidents only."""

    def __init__(self, request, *, ignore: tuple[str, ...] = ()):
        params = request.GET.copy()
        for name in ("z", "bucket", "level", *ignore):
            params.pop(name, None)
        self.filterset = IncidentFilterSet(
            params, queryset=selectors.incidents_visible_to(request.user)
        )
        self.errors = {} if self.filterset.is_valid() else filter_errors(self.filterset)
        self.published_only = not request.user.has_perm("incidents.change_incident")

    @property
    def filters(self) -> dict:
        return {
            name: value
            for name, value in self.filterset.form.cleaned_data.items()
            if value not in (None, "", [], False) and name != "bbox"
        }

    @property
    def queryset(self):
        return self.filterset.qs


def bad_request(errors: dict) -> JsonResponse:
    message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
    return JsonResponse({"error": message, "errors": errors}, status=400)


def map_etag(request, *args, **kwargs) -> str:
    """Changes when the summary changes (any incident moved on the map), with the question, what
    the user may see and (for an actor filter) the actors' relations: a repeated view is
    answered 304 Not Modified."""
    visibility = "all" if request.user.has_perm("incidents.change_incident") else "published"
    # The relations decide which incidents an actor filter selects.
    groups = actor_groups_fingerprint() if request.GET.get("actor") else ""
    key = f"{mapdata.summary_version()}|{groups}|{visibility}|{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def cached_map_json(view):
    """JSON without secrets of the user's session (no CSRF token): safe to compress (no
    BREACH); revalidated with its ETag at every use."""

    @gzip_page
    @require_GET
    @login_required
    @view_incidents
    @etag(map_etag)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True)
        return response

    return wrapped


@cached_map_json
def map_data(request):
    """Counts per grid cell, or incidents at their points from zoom 13 on, for the viewport."""
    try:
        zoom = int(request.GET.get("z", ""))
        if not 0 <= zoom <= 20:
            raise ValueError
    except ValueError:
        return bad_request({"z": [_("the zoom must be a whole number from 0 to 20")]})
    try:
        bbox = parse_bbox(request.GET.get("bbox", ""))
    except ValidationError as exc:
        return bad_request({"bbox": exc.messages})
    query = MapRequest(request, ignore=("bbox",))
    if query.errors:
        return bad_request(query.errors)
    if zoom >= mapdata.POINTS_ZOOM:
        text = mapdata.points_json(query.queryset, bbox=bbox)
        return HttpResponse(f'{{"mode":"points",{text[1:]}', content_type="application/json")
    text = mapdata.grid_cells_json(
        query.queryset, query.filters, zoom=zoom, bbox=bbox, published_only=query.published_only
    )
    return HttpResponse(f'{{"mode":"cells",{text[1:]}', content_type="application/json")


@cached_map_json
def map_timeline(request):
    """Incidents and fatalities per day, week or month for the filtered set."""
    bucket = request.GET.get("bucket", "month")
    if bucket not in mapdata.BUCKETS:
        return bad_request({"bucket": [_("choose day, week or month")]})
    query = MapRequest(request, ignore=("bbox",))
    if query.errors:
        return bad_request(query.errors)
    text = mapdata.timeline_json(
        query.queryset, query.filters, bucket=bucket, published_only=query.published_only
    )
    return HttpResponse(text, content_type="application/json")


@cached_map_json
def map_areas(request):
    """Incidents and fatalities per admin1 or admin2 area for the filtered set (choropleth)."""
    level = request.GET.get("level", "1")
    if level not in {"1", "2"}:
        return bad_request({"level": [_("choose 1 (regions) or 2 (cercles, provinces)")]})
    query = MapRequest(request, ignore=("bbox",))
    if query.errors:
        return bad_request(query.errors)
    text = mapdata.areas_json(
        query.queryset, query.filters, level=int(level), published_only=query.published_only
    )
    return HttpResponse(text, content_type="application/json")


@cached_map_json
def map_colocated(request, pk: int):
    """The incidents (matching the filters) at the same point as incident `pk`: a map group's
    list, the latest first."""
    query = MapRequest(request, ignore=("bbox",))
    if query.errors:
        return bad_request(query.errors)
    text = mapdata.colocated_json(query.queryset, pk)
    if text is None:
        raise Http404(_("No such incident, or not visible to you."))
    return HttpResponse(text, content_type="application/json")


@gzip_page
@require_GET
@login_required
@view_incidents
def map_incident(request, pk: int):
    """What a map popup shows of one incident."""
    try:
        data = selectors.incident_popup(request.user, pk)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident, or not visible to you.")) from None
    data["url"] = reverse("incidents:detail", args=[pk])
    return json_response(data)


@gzip_page
@require_GET
@login_required
def map_boundaries(request, level: int):
    """Simplified outlines of the admin areas of one level (0, 1 or 2), as GeoJSON."""
    if level not in (0, 1, 2):
        raise Http404
    return HttpResponse(geo_selectors.basemap_geojson((level,)), content_type="application/json")


@gzip_page
@require_GET
@login_required
def map_basemap(request):
    return HttpResponse(geo_selectors.basemap_geojson(), content_type="application/json")


@require_GET
@login_required
@view_incidents
def incident_detail(request, pk: int):
    editor = request.user.has_perm("incidents.change_incident")
    survivor = selectors.incident_survivor(pk)
    if survivor is not None and not editor:
        # A merged incident's page is a tombstone: readers go to the record that survives.
        messages.info(
            request,
            _("Incident #%(merged)s was merged into #%(survivor)s.")
            % {"merged": pk, "survivor": survivor},
        )
        return redirect("incidents:detail", pk=survivor)
    try:
        incident = selectors.incident_detail(request.user, pk)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident, or not visible to you.")) from None
    personal = request.user.has_perm("incidents.view_personal_data")
    history = operations = None
    if editor:
        history = selectors.incident_history(incident, personal=personal)
        operations = incident_operations.operations_of(incident)
    restorable = None
    if request.user.has_perm("incidents.delete_incident") and history:
        restorable = restorable_entries(history)
    place = None
    if incident.location is not None:
        area = incident.admin2 or incident.admin1
        place = {
            "lat": incident.location.y,
            "lon": incident.location.x,
            "geo_precision": incident.geo_precision,
            "event_type": incident.event_type,
            "label": incident.location_name,
            "area": {"id": area.pk, "level": area.level} if area else None,
            "boundaries_url": reverse("incidents:map-boundaries", args=[area.level])
            if area
            else None,
        }
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "show_personal_data": personal,
            "history": history,
            "restorable": restorable,
            "operations": operations,
            "survivor": survivor,
            "place": place,
        },
    )


def restorable_entries(entries: list) -> dict[str, list[str]]:
    """For an admin's restore buttons: each history entry's id -> the fields it may restore
    (an entry of a model that cannot be restored gets none)."""
    found = {}
    for entry in entries:
        if entry.model not in incident_history_module.RESTORABLE_MODELS:
            continue
        found[entry.event_id] = incident_history_module.restorable_fields(
            apps.get_model(entry.model)
        )
    return found


@require_GET
def about(request):
    return render(request, "incidents/about.html", {"datasets": geo_selectors.data_sources()})

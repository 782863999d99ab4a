"""Pages and map data. Thin: parse input, call a selector, encode, render."""

import json

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.filters import IncidentFilterSet, filter_errors
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
    return render(request, "incidents/map.html")


# JSON without secrets of the user's session (no CSRF token): safe to compress (no BREACH).
@gzip_page
@require_GET
@login_required
@view_incidents
def map_incidents(request):
    filterset = IncidentFilterSet(request.GET, queryset=Incident.objects.none())
    if not filterset.is_valid():
        errors = filter_errors(filterset)
        message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
        return JsonResponse({"error": message, "errors": errors}, status=400)
    rows = selectors.incidents_for_map(request.user, filters=request.GET)
    limit = selectors.MAP_LIMIT
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "title": title,
                "date_start": start.isoformat(),
                "date_end": end.isoformat(),
                "event_type": event_type,
                "sub_event_type": sub_event_type,
                "fatalities_best": fatalities,
                "status": status,
                "origin": origin,
                "geo_precision": geo_precision,
                "url": reverse("incidents:detail", args=[pk]),
            },
        }
        for (
            pk,
            title,
            start,
            end,
            event_type,
            sub_event_type,
            fatalities,
            status,
            origin,
            geo_precision,
            lon,
            lat,
        ) in rows[:limit]
    ]
    return json_response(
        {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}
    )


@gzip_page
@require_GET
@login_required
def map_basemap(request):
    return HttpResponse(geo_selectors.basemap_geojson(), content_type="application/json")


@require_GET
@login_required
@view_incidents
def incident_detail(request, pk: int):
    try:
        incident = selectors.incident_detail(request.user, pk)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident, or not visible to you.")) from None
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "show_personal_data": request.user.has_perm("incidents.view_personal_data"),
        },
    )


@require_GET
def about(request):
    return render(request, "incidents/about.html", {"datasets": geo_selectors.data_sources()})

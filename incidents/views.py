"""Pages and map data. Thin: parse input, call a selector, render."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.models import Incident

view_incidents = permission_required("incidents.view_incident", raise_exception=True)


@require_GET
@login_required
@view_incidents
def map_page(request):
    return render(request, "incidents/map.html")


@require_GET
@login_required
@view_incidents
def map_incidents(request):
    try:
        bbox = selectors.parse_bbox(request.GET.get("bbox"))
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    data = selectors.incidents_for_map(request.user, bbox=bbox)
    return HttpResponse(selectors.dumps(data), content_type="application/json")


@require_GET
@login_required
def map_basemap(request):
    return HttpResponse(selectors.basemap_geojson(), content_type="application/json")


@require_GET
@login_required
@view_incidents
def incident_detail(request, pk: int):
    try:
        incident = selectors.incident_detail(request.user, pk)
    except Incident.DoesNotExist:
        raise Http404("No such incident, or not visible to you.") from None
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
    return render(request, "incidents/about.html", {"datasets": selectors.data_sources()})

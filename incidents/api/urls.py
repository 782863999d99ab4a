"""/api/v1/: the fixed paths of DESIGN.md."""

from django.urls import path

from incidents.api import views

app_name = "api"
urlpatterns = [
    path("incidents/", views.IncidentList.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", views.IncidentDetail.as_view(), name="incident-detail"),
    path("exports/<str:token>/", views.ExportStatus.as_view(), name="export"),
    path("exports/<str:token>/download/", views.ExportDownload.as_view(), name="export-download"),
    path("deleted/", views.DeletedList.as_view(), name="deleted"),
    path("stats/", views.IncidentStats.as_view(), name="stats"),
    path("actors/", views.ActorList.as_view(), name="actor-list"),
    path("admin-areas/", views.AdminAreaList.as_view(), name="admin-area-list"),
    path("sources/", views.SourceList.as_view(), name="source-list"),
    path("civilian-harm/", views.HarmAssessmentList.as_view(), name="civilian-harm-list"),
    path("geocode/", views.Geocode.as_view(), name="geocode"),
]

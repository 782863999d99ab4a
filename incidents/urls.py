from django.urls import path

from incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("map/data.json", views.map_data, name="map-data"),
    path("map/timeline.json", views.map_timeline, name="map-timeline"),
    path("map/areas.json", views.map_areas, name="map-areas"),
    path("map/incidents/<int:pk>.json", views.map_incident, name="map-incident"),
    path("map/incidents/<int:pk>/here.json", views.map_colocated, name="map-colocated"),
    path("map/boundaries/<int:level>.geojson", views.map_boundaries, name="map-boundaries"),
    path("map/basemap.geojson", views.map_basemap, name="map-basemap"),
    path("overview/", views.overview_page, name="overview"),
    path("incidents/", views.incident_list, name="list"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("about/", views.about, name="about"),
]

from django.urls import path

from incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("map/incidents.geojson", views.map_incidents, name="map-incidents"),
    path("map/basemap.geojson", views.map_basemap, name="map-basemap"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("about/", views.about, name="about"),
]

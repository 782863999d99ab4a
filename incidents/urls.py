from django.urls import path

from incidents import editing, operations, views

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

# The editors' pages (incidents/editing.py): the incident form, the possible duplicates it shows
# while an editor works, and the workflow steps of the incident page.
urlpatterns += [
    path("incidents/new/", editing.incident_new, name="new"),
    path("incidents/<int:pk>/edit/", editing.incident_edit, name="edit"),
    path("incidents/duplicates.json", editing.duplicates_json, name="duplicates"),
    path("incidents/<int:pk>/submit/", editing.incident_submit, name="submit"),
    path("incidents/<int:pk>/publish/", editing.incident_publish, name="publish"),
    path("incidents/<int:pk>/send-back/", editing.incident_send_back, name="send-back"),
    path("incidents/<int:pk>/retract/", editing.incident_retract, name="retract"),
]

# Merge and split (reviewers), their undoing and restores from the history (admins):
# incidents/operations.py.
urlpatterns += [
    path("incidents/<int:pk>/merge/", operations.incident_merge, name="merge"),
    path("incidents/<int:pk>/split/", operations.incident_split, name="split"),
    path("incidents/operations/<int:pk>/undo/", operations.operation_undo, name="undo"),
    path("incidents/<int:pk>/history/restore/", operations.history_restore, name="restore"),
]

from django.urls import path

from incidents.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("act/", views.act, name="act"),
    path("reports/<int:pk>/evidence/", views.evidence, name="evidence"),
]

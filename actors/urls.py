from django.urls import path

from actors import views

app_name = "actors"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:slug>/", views.actor_detail, name="detail"),
]

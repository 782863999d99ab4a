from django.urls import path

from actors import views

app_name = "actors"
urlpatterns = [
    path("", views.directory, name="directory"),
    # Before <slug>/: "new" is never an actor's slug (actors.services.RESERVED_SLUGS).
    path("new/", views.actor_new, name="new"),
    path("<slug:slug>/", views.actor_detail, name="detail"),
    path("<slug:slug>/edit/", views.actor_edit, name="edit"),
]

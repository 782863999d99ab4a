"""The site's URL configuration plus one page the access table does not know, for the test that
shows the guard reports a new URL without an entry."""

from django.http import HttpResponse
from django.urls import include, path


def page_missing_from_the_table(request):
    return HttpResponse("A page nobody wrote into the access table.")


urlpatterns = [
    path("", include("config.urls")),
    path("guard-extra-page/", page_missing_from_the_table, name="guard-extra-page"),
]

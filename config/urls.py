"""URL root. Fixed interfaces (see DESIGN.md): /healthz, /, /incidents/, /actors/, /review/,
/admin/, /api/v1/…"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health
from incidents.api import acled as acled_api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("actors/", include("actors.urls")),
    path("review/", include("incidents.review.urls")),
    path("api/v1/", include("incidents.api.urls")),
    # ACLED's own paths (DESIGN.md), so that ACLED clients work by changing only their host.
    path("api/acled/read", acled_api.AcledEventRead.as_view(), name="acled-read"),
    path("api/deleted/read", acled_api.AcledDeletedRead.as_view(), name="acled-deleted-read"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("incidents.urls")),
]

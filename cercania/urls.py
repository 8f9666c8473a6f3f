from django.contrib import admin
from django.urls import include, path

from cercania.institute import views as institute_views
from cercania.operations import views as operations_views

urlpatterns = [
    path("", institute_views.home, name="home"),
    path("seguridad/", institute_views.safety, name="safety"),
    path(
        "privacidad/",
        institute_views.privacy_notice,
        {"kind": "simplificado"},
        name="privacy_simplified",
    ),
    path(
        "privacidad/integral/",
        institute_views.privacy_notice,
        {"kind": "integral"},
        name="privacy_integral",
    ),
    path("salir/", operations_views.exit_now, name="exit"),
    path("healthz", operations_views.healthz, name="healthz"),
    path("personal/", include("cercania.accounts.urls")),
    path("personal/bitacora/", include("cercania.privacy.urls")),
    path("personal/privacidad/", include("cercania.privacy.arco_urls")),
    path("personal/agenda/", include("cercania.scheduling.staff_urls")),
    path("personal/expedientes/", include("cercania.cases.urls")),
    path("api/v1/", include("cercania.api.urls")),
    path("personal/informes/", include("cercania.reports.urls")),
    path("", include("cercania.scheduling.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# An unreachable database answers 503 with templates/503.html, not the 500 page.
handler500 = "cercania.operations.views.server_error"

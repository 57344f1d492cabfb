from django.contrib import admin
from django.urls import include, path

from parkpact.api import api
from parkpact.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("parks/", include("parkpact.parks.urls")),
    path("providers/", include("parkpact.providers.urls")),
    path("contracts/", include("parkpact.contracts.urls")),
    path("supervision/", include("parkpact.inspections.urls")),
    path("field/", include("parkpact.inspections.views_field")),
    path("requests/", include("parkpact.servicerequests.urls")),
    path("patrols/", include("parkpact.patrols.urls")),
    path("sensors/", include("parkpact.sensors.urls")),
    path("assessments/", include("parkpact.assessments.urls")),
    path("procurement/", include("parkpact.procurement.urls")),
    path("open311/v2/", include("parkpact.open311.urls")),
    path("open311/keys/", include("parkpact.open311.urls_keys")),
    path("ocds/", include("parkpact.publication.urls")),
    path("open-data/", include("parkpact.publication.urls_opendata")),
    path("incentives/", include("parkpact.incentives.urls")),
    path("", include("parkpact.portal.urls")),
    path("", include("parkpact.servicerequests.urls_public")),
    path("", include("parkpact.core.urls")),
]

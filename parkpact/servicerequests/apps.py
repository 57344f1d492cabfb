from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "parkpact.servicerequests"
    label = "servicerequests"
    verbose_name = _("Service requests")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    """OCDS releases and records of the contracting process; owns only the release log."""

    name = "parkpact.publication"
    label = "publication"
    verbose_name = _("Publication")
